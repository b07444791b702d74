import Foundation
import MLPCore
import MLPData

/// `trainer/mlp`: a multi-layer perceptron classifier or regressor (ReLU hidden layers, Adam on
/// minibatches, L2, optional early stopping), with scikit-learn's `MLPClassifier` defaults.
public struct MLPTrainer: Trainer {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "trainer/mlp", version: "1", summary: "a multi-layer perceptron classifier or regressor trained with Adam",
            inputs: [
                .init("data", [.dataset], required: true, summary: "the training set"),
                .init("target", [.string], required: true, summary: "the column to predict"),
                .init("task", [.string], summary: "classification or regression (default: classification for text, bool, or whole numbers with at most 20 values)"),
                .init("features", [.json], summary: "the columns to use (default: all but the target)"),
                .init("hidden", [.json, .int], summary: "units per hidden layer (default [100])"),
                .init("alpha", [.float], summary: "the L2 penalty (default 1e-4)"),
                .init("learning_rate", [.float], summary: "Adam's step size (default 1e-3)"),
                .init("beta1", [.float], summary: "Adam's first-moment decay (default 0.9)"),
                .init("beta2", [.float], summary: "Adam's second-moment decay (default 0.999)"),
                .init("batch_size", [.int], summary: "rows per minibatch (default 200)"),
                .init("max_epochs", [.int], summary: "most passes over the data (default 200)"),
                .init("tol", [.float], summary: "the least loss improvement that counts (default 1e-4)"),
                .init("patience", [.int], summary: "stop after this many epochs without improvement (default 10)"),
                .init("early_stopping", [.bool], summary: "stop on a validation split's loss and keep the best epoch (default false)"),
                .init("validation_fraction", [.float], summary: "the share of training rows held out for early stopping (default 0.1)"),
                .init("holdout", [.dataset], summary: "a held-out set to score after fitting"),
                .init("seed", [.int], summary: "seeds the initial weights, the validation split and the shuffles (default 0)"),
            ],
            outputs: ["model": .model, "metrics": .metrics])
    }

    public func train(_ request: TrainingRequest) async throws -> TrainingResult {
        let settings = TrainerSettings("trainer/mlp", request.config)
        guard let path = request.inputPaths["data"] else { throw TrainingError(message: "trainer/mlp needs a dataset input 'data'") }
        guard let target = try settings.string("target") else { throw TrainingError(message: "trainer/mlp needs 'target', the column to predict") }
        let network = try Self.networkSettings(settings, seed: request.seed)
        let wanted = try settings.features()
        let data = try DatasetLoading.load(path)
        let task: PredictionTask
        switch try settings.string("task") {
        case nil: task = try TrainingTarget.inferredTask(data, target: target)
        case let given?:
            guard let known = PredictionTask(rawValue: given) else { throw TrainingError(message: "trainer/mlp: 'task' must be classification or regression, not '\(given)'") }
            task = known
        }
        let targets: NeuralNetworkTargets, classes: [String]
        switch task {
        case .classification:
            let (labels, names) = try LogisticTrainer.labels(data, target: target)
            targets = .classes(labels, count: names.count)
            classes = names
        case .regression:
            targets = .values(try TrainingTarget.values(data, target: target))
            classes = []
        }
        let featureEncoder = try FeatureEncoder(fitting: data, columns: wanted, excluding: [target])
        try TrainingTarget.checkFeatureColumns(data, columns: featureEncoder.columns)
        let x = try featureEncoder.encode(data)

        let clock = FitClock()
        let model = try NeuralNetwork.fit(x, targets: targets, settings: network) { epoch, loss, validation in
            request.logMetric("loss", loss, epoch)
            if let validation { request.logMetric("val_loss", validation, epoch) }
        }
        let fitSeconds = clock.seconds, fitCPUSeconds = clock.cpuSeconds
        let file = NeuralNetworkFile(target: target, classes: classes, encoder: featureEncoder, network: model)

        var metrics = try ModelScoring.metrics(of: file, on: data)
            .filter { !$0.key.hasPrefix("confusion") }
            .reduce(into: [String: Double]()) { $0["train_\($1.key)"] = $1.value }
        metrics["fit_seconds"] = fitSeconds
        metrics["fit_cpu_seconds"] = fitCPUSeconds
        metrics["epochs"] = Double(model.epochs)
        if let holdoutPath = request.inputPaths["holdout"] {
            metrics.merge(try ModelScoring.metrics(of: file, on: try DatasetLoading.load(holdoutPath))) { $1 }
        }
        try ModelFile.write(file, trainer: .init(descriptor.uses, request), metrics: metrics, to: request.modelDestination)
        return TrainingResult(metrics: metrics)
    }

    /// The network settings from the step's inputs; `seed` is the step's seed.
    static func networkSettings(_ settings: TrainerSettings, seed: UInt64) throws -> NeuralNetworkSettings {
        var network = NeuralNetworkSettings()
        network.hidden = try settings.sizes("hidden", default: network.hidden)
        network.alpha = try settings.double("alpha", default: network.alpha, range: 0...Double.infinity)
        network.learningRate = try settings.double("learning_rate", default: network.learningRate, range: 0...Double.infinity, exclusiveLower: true)
        network.beta1 = try settings.double("beta1", default: network.beta1, range: 0...0.999_999_999)
        network.beta2 = try settings.double("beta2", default: network.beta2, range: 0...0.999_999_999)
        network.batchSize = try settings.int("batch_size", default: network.batchSize, minimum: 1)
        network.maxEpochs = try settings.int("max_epochs", default: network.maxEpochs, minimum: 1)
        network.tolerance = try settings.double("tol", default: network.tolerance, range: 0...Double.infinity)
        network.patience = try settings.int("patience", default: network.patience, minimum: 1)
        network.earlyStopping = try settings.bool("early_stopping", default: network.earlyStopping)
        network.validationFraction = try settings.double("validation_fraction", default: network.validationFraction, range: 0...1, exclusiveLower: true)
        network.seed = seed
        return network
    }

    /// Adds this trainer to a registry as `trainer/mlp`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(trainer: MLPTrainer(), as: "mlp")
    }
}
