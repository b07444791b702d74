import Foundation
import MLPCore
import MLPData

/// A trained classifier as it is stored: the encoder and the model, so serving applies the same
/// preprocessing (`model.json`, format `mlp-softmax-regression/1`).
public struct ClassifierFile: Codable, Sendable {
    public var format = "mlp-softmax-regression/1"
    public var target: String
    /// The class labels, as text, in the model's class order.
    public var classes: [String]
    public var encoder: FeatureEncoder
    public var model: SoftmaxRegression
}

/// `trainer/logistic`: L2-regularised logistic (softmax) regression fitted with L-BFGS on a
/// dataset's features, with an optional holdout set scored after fitting.
public struct LogisticTrainer: Trainer {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "trainer/logistic", version: "1", summary: "logistic / softmax regression with an L2 penalty, fitted by L-BFGS",
            inputs: [
                .init("data", [.dataset], required: true, summary: "the training set"),
                .init("target", [.string], required: true, summary: "the column to predict"),
                .init("features", [.json], summary: "the columns to use (default: all but the target)"),
                .init("l2", [.float], summary: "the L2 penalty (default 1e-4)"),
                .init("max_iter", [.int], summary: "most L-BFGS iterations (default 200)"),
                .init("tol", [.float], summary: "stop once every gradient component is below this (default 1e-5; scikit-learn's tol)"),
                .init("holdout", [.dataset], summary: "a held-out set to score after fitting"),
                .init("seed", [.int], summary: "kept for the record; the fit is deterministic"),
            ],
            outputs: ["model": .model, "metrics": .metrics])
    }

    public func train(_ request: TrainingRequest) async throws -> TrainingResult {
        let settings = TrainerSettings("trainer/logistic", request.config)
        guard let path = request.inputPaths["data"] else { throw TrainingError(message: "trainer/logistic needs a dataset input 'data'") }
        guard let target = try settings.string("target") else { throw TrainingError(message: "trainer/logistic needs 'target', the column to predict") }
        let l2 = try settings.double("l2", default: 1e-4, range: 0...Double.infinity)
        let maxIterations = try settings.int("max_iter", default: 200, minimum: 1)
        let tolerance = try settings.double("tol", default: 1e-5, range: 0...Double.infinity)
        let wanted = try settings.features()
        let data = try DatasetLoading.load(path)

        let (labels, classes) = try Self.labels(data, target: target)
        let featureEncoder = try FeatureEncoder(fitting: data, columns: wanted, excluding: [target])
        let x = try featureEncoder.encode(data)
        try Task.checkCancellation()
        let clock = FitClock()
        let model = try SoftmaxRegression.fit(x, labels: labels, classes: classes.count, l2: l2,
                                              optimizer: LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)) { iteration, loss in
            request.logMetric("loss", loss, iteration)
        }
        let fitSeconds = clock.seconds, fitCPUSeconds = clock.cpuSeconds
        try Task.checkCancellation()
        let file = ClassifierFile(target: target, classes: classes, encoder: featureEncoder, model: model)

        var metrics = try MetricReport.classification(truth: labels, probabilities: model.probabilities(x))
            .filter { !$0.key.hasPrefix("confusion") }
            .reduce(into: [String: Double]()) { $0["train_\($1.key)"] = $1.value }
        metrics["iterations"] = Double(model.iterations)
        metrics["fit_seconds"] = fitSeconds
        metrics["fit_cpu_seconds"] = fitCPUSeconds
        if let holdoutPath = request.inputPaths["holdout"] {
            let holdout = try DatasetLoading.load(holdoutPath)
            let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
            let truth = try Self.labelTexts(holdout, target: target).enumerated().map { row, label -> Int in
                guard let known = index[label] else { throw TrainingError(message: "holdout row \(row + 1): class '\(label)' was not in the training data") }
                return known
            }
            for (key, value) in try MetricReport.classification(truth: truth, probabilities: model.probabilities(try featureEncoder.encode(holdout))) {
                metrics[key] = value
            }
        }
        try ModelFile.write(file, trainer: .init(descriptor.uses, request), metrics: metrics, to: request.modelDestination)
        return TrainingResult(metrics: metrics)
    }

    /// The target column as text, row by row.
    static func labelTexts(_ data: Dataset, target: String) throws -> [String] {
        guard let column = data[target] else { throw TrainingError(message: "no target column '\(target)' (columns: \(data.columnNames.joined(separator: ", ")))") }
        return try (0..<data.rowCount).map { row in
            guard let cell = column[row] else { throw TrainingError(message: "target '\(target)' is empty at row \(row + 1)") }
            return cell.description
        }
    }

    /// Class indices and the sorted class labels (numeric labels sort as numbers).
    static func labels(_ data: Dataset, target: String) throws -> ([Int], [String]) {
        let texts = try labelTexts(data, target: target)
        let distinct = Set(texts)
        let classes = distinct.allSatisfy { Double($0) != nil } ? distinct.sorted { Double($0)! < Double($1)! } : distinct.sorted()
        guard classes.count >= 2 else { throw TrainingError(message: "target '\(target)' has a single class; a classifier needs two or more") }
        let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
        return (texts.map { index[$0]! }, classes)
    }

    /// Adds this trainer to a registry as `trainer/logistic`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(trainer: LogisticTrainer(), as: "logistic")
    }
}
