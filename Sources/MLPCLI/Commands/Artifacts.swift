import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Artifacts: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List stored artifacts with the step that produced each.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(help: "Only artifacts produced or read by this run.")
        var run: String?

        @Option(help: "How many at most.")
        var limit = 50

        @Flag(help: "Print only the path of each artifact's bytes.")
        var paths = false

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let files = try location.artifacts(project)
            var records = try store.artifacts(limit: run == nil ? limit : 100_000)
            var edges: [String: [LineageEdge]] = [:]
            for record in records { edges[record.digest] = try store.lineage(digest: record.digest) }
            if let run {
                let id = try store.findRun(run).id
                records = Array(records.filter { edges[$0.digest]?.contains { $0.runID == id } == true }.prefix(limit))
            }
            if paths {
                for record in records { print(try location.path(of: ArtifactRef(digest: record.digest, type: record.type, size: record.size), in: files)) }
                return
            }
            if output.json {
                try Format.printJSON(JSONValue.array(records.map { record in
                    let producer = edges[record.digest]?.first { $0.direction == .produced }
                    return .object(["digest": .string(record.digest), "type": .string(record.type.rawValue), "size": .number(Double(record.size)),
                                    "created_at": .number(record.createdAt), "path": .string(files.blobPath(record.digest)),
                                    "produced_by": producer.map { .object(["run": .string($0.runID), "step": .string($0.step), "port": .string($0.port)]) } ?? .null])
                }))
                return
            }
            guard !records.isEmpty else {
                print("no artifacts yet")
                return
            }
            var table = TextTable("DIGEST", "TYPE", "SIZE", "CREATED", "PRODUCED BY")
            for record in records {
                let producer = edges[record.digest]?.first { $0.direction == .produced }
                table.add(String(record.digest.prefix(12)), record.type.rawValue, Format.size(record.size), Format.time(record.createdAt),
                          producer.map { "\($0.runID) \($0.step)\($0.index.map { "[\($0)]" } ?? "").\($0.port)" } ?? "-")
            }
            print(table.render())
        }
    }
}
