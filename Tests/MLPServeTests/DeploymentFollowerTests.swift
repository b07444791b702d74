import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPServe

/// The follower between the store and the router: it applies stored changes and stores the
/// router's automatic rollbacks. Model versions are scripted endpoints (the loader is the seam);
/// the store and the artifact store are the real ones.
@Suite struct DeploymentFollowerTests {
    let store: SQLiteStore
    let artifacts: ArtifactStore

    init() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-follower-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        store = try SQLiteStore(path: root + "/mlp.sqlite")
        artifacts = try ArtifactStore(root: root + "/artifacts")
        for version in 1...3 {
            let ref = try artifacts.ingest(data: Data("model \(version)".utf8), as: .model)
            try store.commit(StateChange(artifacts: [ArtifactRecord(digest: ref.digest, type: .model, size: ref.size, createdAt: 1)]))
            let record = ModelVersionRecord(name: "churn", digest: ref.digest, type: .model, runID: nil, stepID: nil, createdAt: 1, createdBy: "t", card: "{}")
            _ = try store.commit(StateChange(registration: ModelRegistration(version: record, aliases: [])))
        }
    }

    /// A follower whose version 3 fails 40% of its calls; records which versions it loaded.
    func follower(_ loads: Collected<String>) -> DeploymentFollower {
        let loader: DeploymentFollower.Loader = { name, version, path in
            guard FileManager.default.fileExists(atPath: path) else { throw ModelServingError("no file at \(path)") }
            loads.append(version)
            let failing: @Sendable (Int) -> Bool = { call in version == "3" && call % 5 < 2 }
            return ScriptedVersion(name: name, version: version, fails: failing)
        }
        return DeploymentFollower(store: store, artifacts: artifacts, metrics: ServeMetrics(), interval: .milliseconds(10), load: loader)
    }

    @Test func storedChangesAreAppliedAndVersionsLoadedOnce() async throws {
        try store.deploy(DeploymentSpec(name: "api", model: "churn", version: 1), by: "t")
        let loads = Collected<String>()
        let follower = follower(loads)
        let endpoint = try #require(try follower.start(["api"]).first)
        #expect(endpoint.versions == ["1"])
        try store.deploy(DeploymentSpec(name: "api", model: "churn", version: 2, mode: .canary, canaryPercent: 25), by: "t")
        follower.refresh()
        #expect(endpoint.versions == ["1", "2"] && endpoint.plan.mode == .canary(percent: 25, stickyHeader: nil))
        try store.promote(deployment: "api", by: "t")
        follower.refresh()
        #expect(endpoint.versions == ["2"] && endpoint.plan.generation == 3)
        try store.rollback(deployment: "api", by: "t", reason: nil)
        follower.refresh()
        #expect(endpoint.versions == ["1"])
        #expect(loads.values == ["1", "2", "1"], "a version still in use is not loaded again; one dropped from the route is")
        #expect(throws: ModelServingError.self) { try follower.start(["missing"]) }
    }

    @Test func anInjectedErrorRateRollsTheCandidateBackAndTheStoreKeepsIt() async throws {
        try store.deploy(DeploymentSpec(name: "api", model: "churn", version: 1), by: "t")
        try store.deploy(DeploymentSpec(name: "api", model: "churn", version: 3, mode: .canary, canaryPercent: 50, maxErrorRate: 0.1, minRequests: 20), by: "t")
        let follower = follower(Collected<String>())
        let endpoint = try #require(try follower.start(["api"]).first)
        for index in 0..<400 {
            _ = try await endpoint.infer(scalarRequest(Double(index)))
        }
        #expect(endpoint.plan.candidate == nil, "the router dropped the failing candidate")
        // The store write happens off the request path; wait for it (up to 30 s: a detached task and
        // a SQLite commit on a loaded 2-core machine).
        var stored = try store.deployment(name: "api")
        let deadline = ContinuousClock.now + .seconds(30)
        while stored?.candidateVersion != nil, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(10))
            stored = try store.deployment(name: "api")
        }
        #expect(stored?.candidateVersion == nil && stored?.stableVersion == 1)
        let last = try #require(try store.deploymentEvents(name: "api").last)
        #expect(last.action == .autoRollback && last.by == "mlp serve" && last.reason?.contains("error rate") == true, "\(last)")
        // Applying the stored rollback keeps the candidate out.
        follower.refresh()
        #expect(endpoint.versions == ["1"])
    }
}
