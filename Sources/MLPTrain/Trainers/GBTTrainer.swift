import Foundation
import MLPCore
import MLPData

/// `trainer/gbt`: histogram gradient-boosted trees (as LightGBM and scikit-learn's
/// `HistGradientBoosting*`) for classification (binary log loss, multiclass softmax) and
/// regression (squared error), with scikit-learn's defaults. Empty values are allowed in the
/// features: each split learns where they go.
public struct GBTTrainer: Trainer {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "trainer/gbt", version: "1", summary: "histogram gradient-boosted trees (classification or regression), scikit-learn's defaults",
            inputs: [
                .init("data", [.dataset], required: true, summary: "the training set"),
                .init("target", [.string], required: true, summary: "the column to predict"),
                .init("task", [.string], summary: "classification or regression (default: regression for a float target, else classification)"),
                .init("features", [.json], summary: "the columns to use (default: all but the target)"),
                .init("holdout", [.dataset], summary: "a held-out set to score after fitting"),
                .init("learning_rate", [.float], summary: "shrinkage of each tree (default 0.1)"),
                .init("max_iter", [.int], summary: "most boosting iterations (default 100)"),
                .init("max_leaf_nodes", [.int], summary: "most leaves per tree (default 31)"),
                .init("max_depth", [.int], summary: "deepest leaf, the root at 0 (default: no limit)"),
                .init("min_samples_leaf", [.int], summary: "fewest rows in a leaf (default 20)"),
                .init("l2_regularization", [.float], summary: "L2 penalty on leaf values (default 0)"),
                .init("max_bins", [.int], summary: "bins per feature for non-missing values, 2-255 (default 255)"),
                .init("early_stopping", [.string, .bool], summary: "auto (on above 10,000 rows), true or false (default auto)"),
                .init("validation_fraction", [.float], summary: "share held out for early stopping (default 0.1)"),
                .init("n_iter_no_change", [.int], summary: "stop after this many iterations without improvement (default 10)"),
                .init("tol", [.float], summary: "least validation-loss improvement that counts (default 1e-7)"),
                .init("seed", [.int], summary: "seeds the validation split and the binning sample (default 0)"),
            ],
            outputs: ["model": .model, "metrics": .metrics])
    }

    public func train(_ request: TrainingRequest) async throws -> TrainingResult {
        guard let path = request.inputPaths["data"] else { throw TrainingError(message: "trainer/gbt needs a dataset input 'data'") }
        guard case .string(let target) = request.config["target"] else { throw TrainingError(message: "trainer/gbt needs 'target', the column to predict") }
        var settings = try Self.settings(request.config)
        settings.seed = request.seed
        try settings.validate()
        var wanted: [String]?
        if let features = request.config["features"] {
            guard case .json(.array(let names)) = features, names.allSatisfy({ $0.stringValue != nil }) else {
                throw TrainingError(message: "trainer/gbt: 'features' must be a list of column names")
            }
            wanted = names.compactMap(\.stringValue)
        }

        let data = try DatasetLoading.load(path)
        guard let targetColumn = data[target] else {
            throw TrainingError(message: "no target column '\(target)' (columns: \(data.columnNames.joined(separator: ", ")))")
        }
        let task = try Self.task(request.config["task"], targetType: targetColumn.type)
        var classes: [String] = []
        let targets: [Double]
        switch task {
        case .classification:
            let (labels, names) = try LogisticTrainer.labels(data, target: target)
            classes = names
            targets = labels.map(Double.init)
        case .regression:
            targets = try Self.numericTargets(data, target: target)
        }
        let featureEncoder = try FeatureEncoder(fittingAllowingMissing: data, columns: wanted, excluding: [target])
        let features = try featureEncoder.encodeColumns(data, rejectingInfinity: true)
        let objective: BoostingObjective = task == .regression ? .squaredError : (classes.count == 2 ? .binaryLogLoss : .multinomial(classes: classes.count))
        try Task.checkCancellation()

        let clock = FitClock()
        let boosted = try GradientBoosting.fit(features, targets: targets, objective: objective, settings: settings) { iteration, loss, validationLoss in
            request.logMetric("loss", loss, iteration)
            if let validationLoss { request.logMetric("val_loss", validationLoss, iteration) }
        }
        let fitSeconds = clock.seconds, fitCPUSeconds = clock.cpuSeconds
        let model = GBTModel(task: task, target: target, classes: classes, encoder: featureEncoder, binThresholds: boosted.binning.thresholds,
                             baseline: boosted.baseline, treesPerIteration: boosted.treesPerIteration, iterations: boosted.iterations,
                             trees: boosted.trees, settings: settings)

        var metrics: [String: Double] = [
            "fit_seconds": fitSeconds,
            "fit_cpu_seconds": fitCPUSeconds,
            "iterations": Double(boosted.iterations),
        ]
        let trainMatrix = try featureEncoder.encodeAllowingMissing(data)
        let classTruth = task == .classification ? targets.map { Int($0) } : []
        for (key, value) in try Self.report(model, trainMatrix, classTruth: classTruth, valueTruth: targets) {
            metrics["train_\(key)"] = value
        }
        if let holdoutPath = request.inputPaths["holdout"] {
            let holdout = try DatasetLoading.load(holdoutPath)
            let matrix = try featureEncoder.encodeAllowingMissing(holdout)
            switch task {
            case .classification:
                let index = Dictionary(uniqueKeysWithValues: classes.enumerated().map { ($1, $0) })
                let truth = try LogisticTrainer.labelTexts(holdout, target: target).enumerated().map { row, label -> Int in
                    guard let known = index[label] else { throw TrainingError(message: "holdout row \(row + 1): class '\(label)' was not in the training data") }
                    return known
                }
                for (key, value) in try Self.report(model, matrix, classTruth: truth, valueTruth: []) { metrics[key] = value }
            case .regression:
                let truth = try Self.numericTargets(holdout, target: target)
                for (key, value) in try Self.report(model, matrix, classTruth: [], valueTruth: truth) { metrics[key] = value }
            }
        }
        try ModelFile.write(GBTModelFile(model: model), trainer: .init(descriptor.uses, request), metrics: metrics, to: request.modelDestination)
        return TrainingResult(metrics: metrics)
    }

    /// The metrics of `model` on `x`: classification metrics (confusion counts left out) or regression ones.
    static func report(_ model: GBTModel, _ x: FeatureMatrix, classTruth: [Int], valueTruth: [Double]) throws -> [String: Double] {
        switch model.task {
        case .classification:
            return try MetricReport.classification(truth: classTruth, probabilities: model.predictProbabilities(x)).filter { !$0.key.hasPrefix("confusion") }
        case .regression:
            return try MetricReport.regression(truth: valueTruth, predicted: model.predictValues(x))
        }
    }

    /// The task named by `task:`, or the default for the target's type.
    static func task(_ value: PortValue?, targetType: ColumnType) throws -> GBTTask {
        guard let value else { return targetType == .float ? .regression : .classification }
        guard case .string(let name) = value, let task = GBTTask(rawValue: name) else {
            throw TrainingError(message: "trainer/gbt: task must be 'classification' or 'regression', not \(value.json)")
        }
        return task
    }

    /// A regression target: every row a number.
    static func numericTargets(_ data: Dataset, target: String) throws -> [Double] {
        guard let column = data[target] else { throw TrainingError(message: "no target column '\(target)' (columns: \(data.columnNames.joined(separator: ", ")))") }
        return try (0..<data.rowCount).map { row in
            guard let cell = column[row] else { throw TrainingError(message: "target '\(target)' is empty at row \(row + 1)") }
            guard let number = cell.numeric, number.isFinite else {
                throw TrainingError(message: "target '\(target)' row \(row + 1) is '\(cell)'; regression needs a finite number (or use task: classification)")
            }
            return number
        }
    }

    /// The settings given in `config`, over scikit-learn's defaults.
    static func settings(_ config: [String: PortValue]) throws -> GBTSettings {
        func number(_ key: String) throws -> Double? {
            switch config[key] {
            case nil: return nil
            case .float(let value)?: return value
            case .int(let value)?: return Double(value)
            case let other?: throw TrainingError(message: "trainer/gbt: '\(key)' must be a number, not \(other.json)")
            }
        }
        func integer(_ key: String) throws -> Int? {
            switch config[key] {
            case nil: return nil
            case .int(let value)?: return value
            case .float(let value)? where value.rounded() == value && abs(value) < 1e15: return Int(value)
            case let other?: throw TrainingError(message: "trainer/gbt: '\(key)' must be a whole number, not \(other.json)")
            }
        }
        var settings = GBTSettings()
        if let value = try number("learning_rate") { settings.learningRate = value }
        if let value = try integer("max_iter") { settings.maxIterations = value }
        if let value = try integer("max_leaf_nodes") { settings.maxLeafNodes = value }
        if let value = try integer("max_depth") { settings.maxDepth = value }
        if let value = try integer("min_samples_leaf") { settings.minSamplesLeaf = value }
        if let value = try number("l2_regularization") { settings.l2Regularization = value }
        if let value = try integer("max_bins") { settings.maxBins = value }
        if let value = try number("validation_fraction") { settings.validationFraction = value }
        if let value = try integer("n_iter_no_change") { settings.iterationsWithoutChange = value }
        if let value = try number("tol") { settings.tolerance = value }
        switch config["early_stopping"] {
        case nil: break
        case .bool(let on)?: settings.earlyStopping = on ? .on : .off
        case .string(let text)?:
            switch text.lowercased() {
            case "auto": settings.earlyStopping = .auto
            case "true", "on": settings.earlyStopping = .on
            case "false", "off": settings.earlyStopping = .off
            default: throw TrainingError(message: "trainer/gbt: early_stopping must be auto, true or false, not '\(text)'")
            }
        case let other?: throw TrainingError(message: "trainer/gbt: early_stopping must be auto, true or false, not \(other.json)")
        }
        return settings
    }

    /// Adds this trainer to a registry as `trainer/gbt`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(trainer: GBTTrainer(), as: "gbt")
    }
}
