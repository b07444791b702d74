import Foundation
import MLPCore
import MLPData

/// `trainer/linear`: linear regression (ordinary least squares, or ridge with `l2`) solved in
/// closed form, with an optional holdout set scored after fitting.
public struct LinearTrainer: Trainer {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "trainer/linear", version: "1", summary: "linear regression (least squares, or ridge with l2), solved in closed form",
            inputs: [
                .init("data", [.dataset], required: true, summary: "the training set"),
                .init("target", [.string], required: true, summary: "the numeric column to predict"),
                .init("features", [.json], summary: "the columns to use (default: all but the target)"),
                .init("l2", [.float], summary: "the ridge penalty on standardised coefficients (default 0: least squares)"),
                .init("holdout", [.dataset], summary: "a held-out set to score after fitting"),
                .init("seed", [.int], summary: "kept for the record; the fit is deterministic"),
            ],
            outputs: ["model": .model, "metrics": .metrics])
    }

    public func train(_ request: TrainingRequest) async throws -> TrainingResult {
        let settings = TrainerSettings("trainer/linear", request.config)
        guard let path = request.inputPaths["data"] else { throw TrainingError(message: "trainer/linear needs a dataset input 'data'") }
        guard let target = try settings.string("target") else { throw TrainingError(message: "trainer/linear needs 'target', the column to predict") }
        let l2 = try settings.double("l2", default: 0, range: 0...Double.infinity)
        let wanted = try settings.features()
        let data = try DatasetLoading.load(path)
        let y = try TrainingTarget.values(data, target: target)
        let featureEncoder = try FeatureEncoder(fitting: data, columns: wanted, excluding: [target])
        try TrainingTarget.checkFeatureColumns(data, columns: featureEncoder.columns)
        let x = try featureEncoder.encode(data)
        try Task.checkCancellation()

        let clock = FitClock()
        let model = try LinearRegression.fit(x, y: y, l2: l2)
        let fitSeconds = clock.seconds
        let file = LinearRegressionFile(target: target, encoder: featureEncoder, model: model)

        var metrics = try MetricReport.regression(truth: y, predicted: model.predict(x))
            .reduce(into: [String: Double]()) { $0["train_\($1.key)"] = $1.value }
        metrics["fit_seconds"] = fitSeconds
        metrics["aliased_features"] = Double(model.aliased.count)
        if let holdoutPath = request.inputPaths["holdout"] {
            metrics.merge(try ModelScoring.metrics(of: file, on: try DatasetLoading.load(holdoutPath))) { $1 }
        }
        try ModelFile.write(file, trainer: .init(descriptor.uses, request), metrics: metrics, to: request.modelDestination)
        return TrainingResult(metrics: metrics)
    }

    /// Adds this trainer to a registry as `trainer/linear`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(trainer: LinearTrainer(), as: "linear")
    }
}
