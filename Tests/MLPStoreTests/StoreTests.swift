import Foundation
import Testing
import MLPCore
@testable import MLPStore

func temporaryFolder(_ label: String) throws -> String {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-\(label)-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

func makeRun(_ id: String, createdAt: Double = Date().timeIntervalSince1970) -> RunRecord {
    RunRecord(id: id, pipeline: "p", projectDirectory: "/tmp", pipelineText: "name: p", pipelineFile: "mlp.yaml", pipelineDigest: "d",
              status: .pending, gitCommit: nil, gitDirty: nil, mlpVersion: "test", host: "h", createdAt: createdAt, parallelism: 2, noCache: false)
}

/// The metadata store's conformance suite (with DeploymentStoreTests, ModelRegistryTests and
/// ConformanceTests): each test runs on every backend in ``StoreBackendUnderTest/all``.
@Suite struct MetadataStoreTests {
    @Test(arguments: StoreBackendUnderTest.all) func anInvalidTransitionIsRefusedAndChangesNothing(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var steps = try store.createRun(makeRun("r1"), params: [], steps: [StepRecord(runID: "r1", name: "a", kind: "noop")])
        steps[0].status = .succeeded
        try store.commit(StateChange(run: .init(id: "r1", status: .running), steps: [steps[0]]))
        var again = steps[0]
        again.status = .running
        again.error = "should not be stored"
        #expect(throws: StoreError.self) { try store.commit(StateChange(run: .init(id: "r1", status: .failed), steps: [again])) }
        // The whole change was rolled back: the run did not move either.
        #expect(try store.run(id: "r1")?.status == .running)
        #expect(try store.steps(runID: "r1")[0].status == .succeeded)
        #expect(try store.steps(runID: "r1")[0].error == nil)
    }

    @Test(arguments: StoreBackendUnderTest.all) func aGroupCommitStoresEveryChangeOrNone(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var steps = try store.createRun(makeRun("r1"), params: [], steps: (0..<3).map { StepRecord(runID: "r1", name: "s\($0)", kind: "noop") })
        for index in steps.indices { steps[index].status = .succeeded }
        try store.commit(steps.map { StateChange(steps: [$0]) })
        #expect(try store.steps(runID: "r1").map(\.status) == [.succeeded, .succeeded, .succeeded])

        var more = try store.createRun(makeRun("r2"), params: [], steps: (0..<3).map { StepRecord(runID: "r2", name: "s\($0)", kind: "noop") })
        more[0].status = .succeeded
        more[1].status = .succeeded
        more[2].status = .retrying // pending → retrying is not a transition a step may make
        #expect(throws: StoreError.self) { try store.commit(more.map { StateChange(steps: [$0]) }) }
        // The valid changes before the bad one were rolled back with it.
        #expect(try store.steps(runID: "r2").map(\.status) == [.pending, .pending, .pending])
        #expect(try store.commit([StateChange]()).isEmpty)
    }

    @Test(arguments: StoreBackendUnderTest.all) func theNewestDoneExecutionWithAKeyIsReused(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var old = try store.createRun(makeRun("r1", createdAt: 1), params: [], steps: [StepRecord(runID: "r1", name: "a", kind: "noop")])[0]
        old.status = .succeeded
        old.cacheKey = "k"
        old.finishedAt = 10
        old.outputs = #"{"x":1}"#
        try store.commit(StateChange(steps: [old]))
        var failed = try store.createRun(makeRun("r2", createdAt: 2), params: [], steps: [StepRecord(runID: "r2", name: "a", kind: "noop")])[0]
        failed.status = .failed
        failed.cacheKey = "k"
        failed.finishedAt = 20
        try store.commit(StateChange(steps: [failed]))
        #expect(try store.cachedExecution(key: "k")?.runID == "r1")
        #expect(try store.cachedExecution(key: "other") == nil)
        #expect(try store.cachedExecutions(keys: ["k", "other", "k"]).mapValues(\.runID) == ["k": "r1"])
        #expect(try store.previousExecution(pipeline: "p", step: "a", index: nil, before: "r2")?.runID == "r1")
    }

    @Test(arguments: StoreBackendUnderTest.all) func prepareResumeKeepsDoneStepsAndReopensTheRest(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        let steps = try store.createRun(makeRun("r1"), params: [], steps: ["a", "b", "c"].map { StepRecord(runID: "r1", name: $0, kind: "shell") })
        var a = steps[0], b = steps[1], c = steps[2]
        a.status = .succeeded
        b.status = .running
        c.status = .failed
        try store.commit(StateChange(steps: [a]))
        let attempt = try store.commit(StateChange(steps: [b], attempt: AttemptRecord(stepID: b.id!, number: 1, startedAt: 1, stdoutPath: nil, stderrPath: nil))).attempt!
        try store.commit(StateChange(steps: [c]))
        let interrupted = try store.prepareResume(runID: "r1")
        #expect(interrupted.map(\.id) == [attempt.id])
        #expect(try store.attempts(stepID: b.id!)[0].outcome == .interrupted)
        #expect(try store.steps(runID: "r1").map(\.status) == [.succeeded, .pending, .pending])
    }

    @Test(arguments: StoreBackendUnderTest.all) func aGateIsDecidedOnceAndTheDecisionIsKept(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        let step = try store.createRun(makeRun("r1"), params: [], steps: [StepRecord(runID: "r1", name: "gate", kind: "approval")])[0]
        var waiting = step
        waiting.status = .waiting
        try store.commit(StateChange(run: .init(id: "r1", status: .running), steps: [waiting],
                                     approval: ApprovalRecord(runID: "r1", stepID: step.id!, step: "gate", shown: "{}", rule: nil, requestedAt: 1, deadline: nil)))
        #expect(try store.approvals(status: .pending).count == 1)
        let decided = try store.decide(runID: "r1", step: "gate", approve: true, by: "ana", comment: "fine")
        #expect(decided.status == .approved && decided.decidedBy == "ana" && decided.comment == "fine" && decided.decidedAt != nil)
        let error = try #require(throws: StoreError.self) { try store.decide(runID: "r1", step: "gate", approve: false, by: "bo", comment: nil) }
        #expect(error.description.contains("already approved"))
        #expect(throws: StoreError.self) { try store.decide(runID: "r1", step: "nope", approve: true, by: "bo", comment: nil) }
        #expect(try store.approvals(status: .pending).isEmpty)
    }

    @Test(arguments: StoreBackendUnderTest.all) func runsAreFoundByPrefixOrLatest(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        _ = try store.createRun(makeRun("20260101-aaaa", createdAt: 1), params: [], steps: [])
        _ = try store.createRun(makeRun("20260102-bbbb", createdAt: 2), params: [], steps: [])
        #expect(try store.findRun("20260101").id == "20260101-aaaa")
        #expect(try store.findRun("latest").id == "20260102-bbbb")
        #expect(throws: StoreError.self) { try store.findRun("2026") }
        #expect(throws: StoreError.self) { try store.findRun("nothing") }
        #expect(try store.integrityCheck() == ["ok"])
    }
}

@Suite struct ArtifactStoreTests {
    let root: String
    let artifacts: ArtifactStore

    init() throws {
        root = try temporaryFolder("cas")
        artifacts = try ArtifactStore(root: root + "/artifacts")
    }

    @Test func aFileIsStoredUnderItsSHA256AndMadeReadOnly() throws {
        let source = root + "/hello.txt"
        try "hello\n".write(toFile: source, atomically: true, encoding: .utf8)
        let ref = try artifacts.ingest(file: source, as: .file)
        #expect(ref.digest == "5891b5b522d5df086d0ff0b110fbd9d21bb4fc7163af34d08286a2e846f6be03")
        #expect(ref.size == 6)
        let stored = artifacts.blobPath(ref.digest)
        #expect(try String(contentsOfFile: stored, encoding: .utf8) == "hello\n")
        #expect(!FileManager.default.isWritableFile(atPath: stored) || getuid() == 0)
        let mode = try FileManager.default.attributesOfItem(atPath: stored)[.posixPermissions] as? Int
        #expect(mode == 0o444)
        // The same bytes again: one copy.
        try "hello\n".write(toFile: source, atomically: true, encoding: .utf8)
        #expect(try artifacts.ingest(file: source, as: .file) == ref)
        #expect(!FileManager.default.fileExists(atPath: source))
    }

    @Test func aDirectoryRoundTripsThroughItsManifest() throws {
        let folder = root + "/model"
        try FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
        try "a".write(toFile: folder + "/a.txt", atomically: true, encoding: .utf8)
        try "b".write(toFile: folder + "/sub/b.txt", atomically: true, encoding: .utf8)
        let ref = try artifacts.ingest(directory: folder)
        #expect(ref.type == .directory && ref.size == 2)
        let rebuilt = try artifacts.materialize(ref)
        #expect(try String(contentsOfFile: rebuilt + "/sub/b.txt", encoding: .utf8) == "b")
        #expect(try artifacts.materialize(ref) == rebuilt)
        // Same content, same identity.
        let again = root + "/model2"
        try FileManager.default.createDirectory(atPath: again + "/sub", withIntermediateDirectories: true)
        try "a".write(toFile: again + "/a.txt", atomically: true, encoding: .utf8)
        try "b".write(toFile: again + "/sub/b.txt", atomically: true, encoding: .utf8)
        #expect(try artifacts.ingest(directory: again).digest == ref.digest)
    }

    @Test func durableWritesLeaveNoTemporaryFile() throws {
        let target = root + "/state.json"
        try ArtifactStore.writeDurably(Data("{}".utf8), to: target)
        try ArtifactStore.writeDurably(Data("{\"v\":2}".utf8), to: target)
        #expect(try String(contentsOfFile: target, encoding: .utf8) == "{\"v\":2}")
        #expect(try FileManager.default.contentsOfDirectory(atPath: root).filter { $0.contains(".tmp-") }.isEmpty)
    }
}
