import Foundation
import Testing
import MLPCore
@testable import MLPStore

@Suite struct DeploymentStoreTests {
    /// A fresh store with three versions of the model `churn`.
    func open(_ backend: StoreBackendUnderTest) throws -> OpenedStore {
        let opened = try backend.fresh("deployments")
        let store = opened.store
        try store.commit(StateChange(artifacts: ["a", "b", "c"].map { ArtifactRecord(digest: String(repeating: $0, count: 64), type: .model, size: 1, createdAt: 1) }))
        for digest in ["a", "b", "c"] {
            let version = ModelVersionRecord(name: "churn", digest: String(repeating: digest, count: 64), type: .model, runID: nil, stepID: nil,
                                             createdAt: 1, createdBy: "ana", card: "{}")
            _ = try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: [])))
        }
        return opened
    }

    func spec(_ version: Int, _ mode: DeploymentMode = .direct, percent: Double = 0, sticky: String? = nil) -> DeploymentSpec {
        DeploymentSpec(name: "churn-api", model: "churn", version: version, mode: mode, canaryPercent: percent, stickyHeader: sticky, maxErrorRate: 0.05, minRequests: 20)
    }

    @Test(arguments: StoreBackendUnderTest.all) func aCanaryIsPromotedAndEveryChangeIsKeptWithItsGeneration(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend).store
        let first = try store.deploy(spec(1), by: "ana")
        #expect(first.stableVersion == 1 && first.candidateVersion == nil && first.mode == .direct && first.generation == 1)
        let canary = try store.deploy(spec(2, .canary, percent: 10, sticky: "x-user"), by: "ana")
        #expect(canary.stableVersion == 1 && canary.candidateVersion == 2 && canary.mode == .canary && canary.canaryPercent == 10)
        #expect(canary.stickyHeader == "x-user" && canary.generation == 2 && canary.maxErrorRate == 0.05 && canary.minRequests == 20)
        let promoted = try store.promote(deployment: "churn-api", by: "bo")
        #expect(promoted.stableVersion == 2 && promoted.candidateVersion == nil && promoted.previousStableVersion == 1)
        #expect(promoted.mode == .direct && promoted.canaryPercent == 0 && promoted.stickyHeader == nil && promoted.generation == 3)
        let back = try store.rollback(deployment: "churn-api", by: "bo", reason: "latency")
        #expect(back.stableVersion == 1 && back.previousStableVersion == nil && back.generation == 4)
        let events = try store.deploymentEvents(name: "churn-api")
        #expect(events.map { "\($0.action.rawValue) \($0.stableVersion)/\($0.candidateVersion.map(String.init) ?? "-") g\($0.generation)" }
                == ["deploy 1/- g1", "canary 1/2 g2", "promote 2/- g3", "rollback 1/- g4"])
        #expect(events.last?.reason == "latency" && events.last?.by == "bo")
        #expect(try store.deployments().map(\.name) == ["churn-api"])
    }

    @Test(arguments: StoreBackendUnderTest.all) func rollbackDropsACandidateBeforeTouchingTheStableVersion(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend).store
        try store.deploy(spec(1), by: "ana")
        try store.deploy(spec(2), by: "ana")
        try store.deploy(spec(3, .shadow), by: "ana")
        let dropped = try store.rollback(deployment: "churn-api", by: "ana", reason: nil)
        #expect(dropped.stableVersion == 2 && dropped.candidateVersion == nil && dropped.mode == .direct)
        let restored = try store.rollback(deployment: "churn-api", by: "ana", reason: nil)
        #expect(restored.stableVersion == 1)
        let nothing = try #require(throws: StoreError.self) { try store.rollback(deployment: "churn-api", by: "ana", reason: nil) }
        #expect(nothing.description.contains("nothing to roll back"))
    }

    @Test(arguments: StoreBackendUnderTest.all) func anAutomaticRollbackOfAnOldGenerationChangesNothing(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend).store
        try store.deploy(spec(1), by: "ana")
        let canary = try store.deploy(spec(2, .canary, percent: 50), by: "ana")
        let newer = try store.deploy(spec(3, .canary, percent: 50), by: "ana")
        #expect(try store.autoRollback(deployment: "churn-api", generation: canary.generation, by: "mlp serve", reason: "errors") == nil)
        #expect(try store.deployment(name: "churn-api")?.candidateVersion == 3)
        let rolled = try #require(try store.autoRollback(deployment: "churn-api", generation: newer.generation, by: "mlp serve", reason: "error rate 0.3 > 0.05"))
        #expect(rolled.candidateVersion == nil && rolled.stableVersion == 1)
        #expect(try store.deploymentEvents(name: "churn-api").last?.action == .autoRollback)
    }

    @Test(arguments: StoreBackendUnderTest.all) func badDeploymentsAreRefusedWithAReasonAndChangeNothing(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend).store
        #expect(throws: StoreError.self) { try store.deploy(spec(2, .canary, percent: 10), by: "ana") }
        try store.deploy(spec(1), by: "ana")
        let cases: [(DeploymentSpec, String)] = [
            (spec(2, .canary, percent: 0), "more than 0"),
            (spec(2, .canary, percent: 150), "at most 100"),
            (spec(1, .canary, percent: 10), "already the stable version"),
            (spec(2, .shadow, sticky: "x-user"), "sticky header only applies to a canary"),
            (DeploymentSpec(name: "churn-api", model: "other", version: 1), "no registered model"),
            (DeploymentSpec(name: "bad/name", model: "churn", version: 1), "is not a valid name: it holds '/'"),
            (DeploymentSpec(name: "..", model: "churn", version: 1), "is not a valid name"),
            (spec(9), "churn:9"),
            (spec(1), "already serves"),
        ]
        for (bad, message) in cases {
            let error = try #require(throws: StoreError.self) { try store.deploy(bad, by: "ana") }
            #expect(error.description.contains(message), "\(error.description)")
        }
        #expect(throws: StoreError.self) { try store.promote(deployment: "churn-api", by: "ana") }
        #expect(throws: StoreError.self) { try store.promote(deployment: "nope", by: "ana") }
        let after = try #require(try store.deployment(name: "churn-api"))
        #expect(after.generation == 1 && after.stableVersion == 1)
        #expect(try store.deploymentEvents(name: "churn-api").count == 1)
    }

    @Test(arguments: StoreBackendUnderTest.all) func deploymentsSurviveReopeningTheStore(_ backend: StoreBackendUnderTest) throws {
        let opened = try open(backend), store = opened.store
        try store.deploy(spec(1), by: "ana")
        try store.deploy(spec(2, .canary, percent: 25, sticky: "x-user"), by: "ana")
        let reopened = try opened.reopen()
        let deployment = try #require(try reopened.deployment(name: "churn-api"))
        #expect(deployment.candidateVersion == 2 && deployment.canaryPercent == 25 && deployment.stickyHeader == "x-user" && deployment.generation == 2)
    }

    @Test(arguments: StoreBackendUnderTest.all) func requestLogSegmentsAreStoredWithTheirArtifact(_ backend: StoreBackendUnderTest) throws {
        let store = try open(backend).store
        let digest = String(repeating: "d", count: 64)
        let artifact = ArtifactRecord(digest: digest, type: .dataset, size: 100, createdAt: 5)
        let log = try store.recordRequestLog(RequestLogRecord(deployment: "churn-api", digest: digest, rows: 12, firstAt: 1, lastAt: 4, createdAt: 5), artifact: artifact)
        #expect(log.id != nil)
        #expect(try store.requestLogs(deployment: "churn-api").map(\.rows) == [12])
        #expect(try store.findArtifact(digest).type == .dataset)
        #expect(try store.requestLogs(deployment: "other").isEmpty)
    }
}

@Suite struct RequestLogPruningTests {
    @Test(arguments: StoreBackendUnderTest.all) func theOldestSegmentsGoFirstAndSharedArtifactsStay(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh("prune").store
        func segment(_ letter: Character, size: Int64) throws {
            let digest = String(repeating: letter, count: 64)
            try store.recordRequestLog(RequestLogRecord(deployment: "api", digest: digest, rows: 1, firstAt: 1, lastAt: 2, createdAt: 3),
                                       artifact: ArtifactRecord(digest: digest, type: .dataset, size: size, createdAt: 3))
        }
        try segment("1", size: 100)
        try segment("2", size: 100)
        try segment("3", size: 100)
        try segment("4", size: 100)
        // Segment 2's bytes are also a registered model's: its row goes, its artifact stays.
        let version = ModelVersionRecord(name: "m", digest: String(repeating: "2", count: 64), type: .dataset, runID: nil, stepID: nil, createdAt: 1, createdBy: "t", card: "{}")
        _ = try store.commit(StateChange(registration: ModelRegistration(version: version, aliases: [])))
        let removed = try store.pruneRequestLogs(deployment: "api", keepingBytes: 250)
        #expect(removed == [String(repeating: "1", count: 64)])
        #expect(try store.requestLogs(deployment: "api").map { $0.digest.prefix(1) } == ["3", "4"])
        #expect(throws: StoreError.self) { try store.findArtifact(String(repeating: "1", count: 64)) }
        #expect(try store.findArtifact(String(repeating: "2", count: 64)).size == 100)
        #expect(try store.pruneRequestLogs(deployment: "api", keepingBytes: 0) == [String(repeating: "3", count: 64)], "the newest segment is always kept")
        #expect(try store.requestLogs(deployment: "api").count == 1)
    }
}
