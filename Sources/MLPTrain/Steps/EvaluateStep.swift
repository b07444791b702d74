import Foundation
import MLPCore
import MLPData

/// `uses: evaluate`: scores a trained model (any format ``ModelFile`` reads) on a labelled
/// dataset and writes the metrics: accuracy, precision, recall, f1, auc, log_loss and confusion
/// counts for a classifier; rmse, mae and r2 for a regressor; and `rows`.
///
/// Runs inside mlp, as a ``TaskExecutor`` whose tasks are Swift tasks.
public struct EvaluateStep: TaskExecutor {
    let tasks = InProcessTaskTable(executorKey: "executor/evaluate")

    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "evaluate", version: "1", summary: "scores a trained model on a labelled dataset",
            inputs: [
                .init("model", [.model], required: true, summary: "a model a built-in trainer wrote"),
                .init("data", [.dataset], required: true, summary: "rows with the true target"),
                .init("target", [.string], summary: "the column holding the truth (default: the model's target)"),
            ],
            outputs: ["metrics": .metrics, "rows": .int])
    }

    public func submit(_ request: TaskRequest) async throws -> TaskHandle {
        tasks.start { try Self.evaluate(request) }
    }

    public func status(of handle: TaskHandle) async throws -> TaskStatus { tasks.status(of: handle) }
    public func wait(for handle: TaskHandle) async throws -> TaskStatus { await tasks.wait(for: handle) }
    public func cancel(_ handle: TaskHandle) async throws { tasks.cancel(handle) }

    static func evaluate(_ request: TaskRequest) throws {
        guard case .artifact = request.config["model"], let modelPath = request.environment["MLP_INPUT_MODEL"] else {
            throw TrainingError(message: "evaluate needs a model input 'model' (for example ${{ steps.train.outputs.model }})")
        }
        guard case .artifact = request.config["data"], let dataPath = request.environment["MLP_INPUT_DATA"] else {
            throw TrainingError(message: "evaluate needs a dataset input 'data' with the true target")
        }
        var target: String?
        if case .string(let given) = request.config["target"] { target = given }
        let model = try ModelFile.load(path: modelPath)
        let data = try DatasetLoading.load(dataPath)
        try Task.checkCancellation()
        var metrics = try ModelScoring.metrics(of: model, on: data, target: target)
        metrics["rows"] = Double(data.rowCount)
        let json = JSONValue.object(metrics.mapValues { .number($0) })
        try json.canonicalText.write(toFile: "\(request.outputsDirectory)/metrics", atomically: true, encoding: .utf8)
        try "\(data.rowCount)".write(toFile: "\(request.outputsDirectory)/rows", atomically: true, encoding: .utf8)
    }

    /// Adds `evaluate` to a registry.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(executor: EvaluateStep())
    }
}
