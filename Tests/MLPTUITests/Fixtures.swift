import Foundation
import MLPCore
import MLPStore
@testable import MLPTUI

/// A store in a fresh temporary folder, filled through the same API the engine uses.
final class Fixture {
    let folder: String
    let store: SQLiteStore

    init() throws {
        folder = NSTemporaryDirectory() + "mlp-tui-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        store = try SQLiteStore(path: folder + "/mlp.sqlite")
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func context(now: Double = 1_800_000_000) -> TUIContext {
        TUIContext(store: store, user: "tester", now: { now })
    }

    /// Adds a run with `steps` (name, kind) and returns the inserted steps.
    @discardableResult
    func addRun(id: String, pipeline: String = "churn", status: RunStatus = .succeeded, createdAt: Double,
                steps: [(String, String)] = [("load", "shell"), ("train", "shell")], params: [String: String] = [:]) throws -> [StepRecord] {
        var run = RunRecord(id: id, pipeline: pipeline, projectDirectory: folder, pipelineText: "", pipelineFile: "mlp.yaml",
                            pipelineDigest: "d", status: status, gitCommit: nil, gitDirty: nil, mlpVersion: "0.1.0",
                            host: "test", createdAt: createdAt, parallelism: 1, noCache: false)
        run.startedAt = createdAt
        if status.isFinished { run.finishedAt = createdAt + 65 }
        let records = steps.map { StepRecord(runID: id, name: $0.0, kind: $0.1, status: status == .succeeded ? .succeeded : .pending) }
        let paramRecords = params.map { ParamRecord(runID: id, name: $0.key, type: .string, value: "\"\($0.value)\"") }
        return try store.createRun(run, params: paramRecords, steps: records)
    }

    /// Adds a run waiting at gate `gate`, which shows `shown` (JSON).
    @discardableResult
    func addWaitingRun(id: String, pipeline: String = "churn", createdAt: Double, gate: String = "gate", shown: String?) throws -> ApprovalRecord {
        var steps = try addRun(id: id, pipeline: pipeline, status: .pending, createdAt: createdAt, steps: [("train", "shell"), (gate, "approval")])
        try store.commit(StateChange(run: .init(id: id, status: .running)))
        steps[1].status = .waiting
        let approval = ApprovalRecord(runID: id, stepID: steps[1].id!, step: gate, shown: shown, rule: nil, requestedAt: createdAt + 1, deadline: nil)
        let committed = try store.commit(StateChange(run: .init(id: id, status: .waiting), steps: [steps[1]], approval: approval))
        return committed.approval!
    }
}
