import Foundation
import MLPCore
import MLPEngine
import MLPStore
import Testing
import HTTPConnector

/// `connector/http` driven by the engine: without a checksum it runs every time, with one it is cached.
@Suite struct HTTPPipelineTests {
    func run(_ root: String, _ engine: Engine) async throws -> [String: StepRecord] {
        let created = try engine.createRun(RunOptions())
        let finished = try await engine.drive(runID: created.id)
        #expect(finished.status == .succeeded, "\(finished.error ?? "")")
        return Dictionary(uniqueKeysWithValues: try engine.store.steps(runID: finished.id).map { ($0.name, $0) })
    }

    @Test func withoutASHA256TheDownloadRunsEachTimeAndWithOneItIsCached() async throws {
        let server = try sharedServer.get()
        let fresh = server.unique("/data.csv"), pinned = server.unique("/data.csv")
        let root = NSTemporaryDirectory() + "mlp-httpp-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        try """
            name: download
            steps:
              fresh: {uses: connector/http, with: {url: "\(server.url(fresh))"}}
              pinned: {uses: connector/http, with: {url: "\(server.url(pinned))", sha256: "\(hex(servedCSV))"}}
            """.write(toFile: root + "/mlp.yaml", atomically: true, encoding: .utf8)
        let registry = PluginRegistry()
        try HTTPConnector.register(into: registry)
        let engine = try Engine(project: Project(root: root), registry: registry)

        let first = try await run(root, engine)
        #expect(first["fresh"]?.status == .succeeded && first["pinned"]?.status == .succeeded)
        let second = try await run(root, engine)
        #expect(second["fresh"]?.status == .succeeded, "no checksum: downloaded again")
        #expect(second["pinned"]?.status == .cached)
        #expect(server.requests(fresh) == 2)
        #expect(server.requests(pinned) == 1)
        // The same bytes make the same dataset artifact, so steps downstream of `fresh` still hit the cache.
        #expect(first["fresh"]?.outputs == second["fresh"]?.outputs)
    }
}
