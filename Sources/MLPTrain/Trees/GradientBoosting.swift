import Foundation
import MLPCore

/// What a boosting fit produced: the bins, the starting scores and the trees.
struct BoostedTrees: Sendable {
    var binning: FeatureBinning
    /// The raw score of every row before any tree, one per tree of an iteration.
    var baseline: [Double]
    /// Iteration after iteration, `treesPerIteration` trees each.
    var trees: [[TreeNode]]
    var treesPerIteration: Int
    var iterations: Int
    /// Rows held out for early stopping (0 without it).
    var validationRows: Int
    /// Whether the validation loss stopped improving before `max_iter`.
    var stoppedEarly: Bool
}

/// Histogram gradient boosting (as LightGBM and scikit-learn's `HistGradientBoosting*`): bin the
/// features once, then each iteration fits one tree per class to the loss's gradients and hessians
/// and adds its leaf values to the raw scores.
enum GradientBoosting {
    /// One iteration's losses: training loss, and validation loss when stopping early.
    typealias Progress = (_ iteration: Int, _ loss: Double, _ validationLoss: Double?) -> Void

    /// Fits trees to `targets` (class indices for a classification objective).
    ///
    /// - Throws: ``TrainingError`` when there are too few rows, or `CancellationError` when the task is cancelled.
    static func fit(_ features: ColumnMajorFeatures, targets: [Double], objective: BoostingObjective, settings: GBTSettings,
                    progress: Progress = { _, _, _ in }) throws -> BoostedTrees {
        try settings.validate()
        guard features.rows == targets.count else { throw TrainingError(message: "trainer/gbt: \(features.rows) rows of features but \(targets.count) targets") }
        guard features.rows > 0 else { throw TrainingError(message: "trainer/gbt: the training data has no rows") }
        guard features.columns > 0 else { throw TrainingError(message: "trainer/gbt: there are no feature columns") }
        guard features.rows < Int(Int32.max) else { throw TrainingError(message: "trainer/gbt: \(features.rows) rows is more than the \(Int32.max) it supports") }

        var generator = SplitMix64(seed: settings.seed)
        let stopsEarly = settings.stopsEarly(rows: features.rows)
        var trainRows: [Int]?, validationRows: [Int] = []
        if stopsEarly {
            let split = validationSplit(targets, stratified: objective.isClassification, fraction: settings.validationFraction, generator: &generator)
            guard !split.validation.isEmpty, !split.train.isEmpty else {
                throw TrainingError(message: "trainer/gbt: validation_fraction \(settings.validationFraction) of \(features.rows) rows leaves no \(split.train.isEmpty ? "training" : "validation") rows; use more data, another fraction, or early_stopping: off")
            }
            trainRows = split.train
            validationRows = split.validation
        }
        var binningRows = trainRows
        let trainCount = trainRows?.count ?? features.rows
        if trainCount > GBTSettings.binningSampleSize {
            var sample = trainRows ?? Array(0..<features.rows)
            generator.shuffle(&sample)
            binningRows = Array(sample.prefix(GBTSettings.binningSampleSize)).sorted()
        }
        let binning = FeatureBinning.fit(features, rows: binningRows, maxBins: settings.maxBins)
        let train = binning.bin(features, rows: trainRows)
        let validation = stopsEarly ? binning.bin(features, rows: validationRows) : nil
        let trainTargets = trainRows.map { $0.map { targets[$0] } } ?? targets
        let validationTargets = validationRows.map { targets[$0] }

        let perIteration = objective.treesPerIteration, n = train.rows, validationCount = validationRows.count
        let baseline = objective.baseline(trainTargets)
        let raw = UnsafeMutableBufferPointer<Double>.allocate(capacity: perIteration * n)
        let gradients = UnsafeMutableBufferPointer<Float>.allocate(capacity: perIteration * n)
        let hessians = UnsafeMutableBufferPointer<Float>.allocate(capacity: perIteration * n)
        let validationRaw = UnsafeMutableBufferPointer<Double>.allocate(capacity: max(1, perIteration * validationCount))
        defer {
            raw.deallocate()
            gradients.deallocate()
            hessians.deallocate()
            validationRaw.deallocate()
        }
        for k in 0..<perIteration {
            (raw.baseAddress! + k * n).initialize(repeating: baseline[k], count: n)
            (validationRaw.baseAddress! + k * validationCount).initialize(repeating: baseline[k], count: validationCount)
        }
        let hessiansOrNil = objective.hasConstantHessian ? nil : hessians.baseAddress!
        let grower = TreeGrower(data: train, binning: binning, settings: settings)
        var trees: [[TreeNode]] = []
        var scores: [Double] = []
        var iterations = 0, stoppedEarly = false
        try trainTargets.withUnsafeBufferPointer { trainTargets in
            try validationTargets.withUnsafeBufferPointer { validationTargets in
                func validationLoss() -> Double {
                    objective.evaluate(raw: validationRaw.baseAddress!, targets: validationTargets.baseAddress!, rows: validationCount,
                                       gradients: nil, hessians: nil)
                }
                if let _ = validation { scores.append(-validationLoss()) }
                _ = objective.evaluate(raw: raw.baseAddress!, targets: trainTargets.baseAddress!, rows: n,
                                       gradients: gradients.baseAddress!, hessians: hessiansOrNil)
                for iteration in 0..<settings.maxIterations {
                    try Task.checkCancellation()
                    for k in 0..<perIteration {
                        let tree = grower.grow(gradients: gradients.baseAddress! + k * n, hessians: hessiansOrNil.map { $0 + k * n })
                        grower.addLeafValues(tree, to: raw.baseAddress! + k * n)
                        if let validation { tree.addPredictions(validation, to: validationRaw.baseAddress! + k * validationCount) }
                        trees.append(tree.nodes)
                    }
                    iterations = iteration + 1
                    // The loss after this iteration, and the gradients for the next.
                    let loss = objective.evaluate(raw: raw.baseAddress!, targets: trainTargets.baseAddress!, rows: n,
                                                  gradients: gradients.baseAddress!, hessians: hessiansOrNil)
                    var held: Double?
                    if validation != nil {
                        held = validationLoss()
                        scores.append(-held!)
                    }
                    progress(iteration, loss, held)
                    if validation != nil, shouldStop(scores, settings: settings) {
                        stoppedEarly = iterations < settings.maxIterations
                        break
                    }
                }
            }
        }
        return BoostedTrees(binning: binning, baseline: baseline, trees: trees, treesPerIteration: perIteration, iterations: iterations,
                            validationRows: validationCount, stoppedEarly: stoppedEarly)
    }

    /// scikit-learn's rule: stop when none of the last `n_iter_no_change` scores (negated
    /// validation losses, the first for the model before any tree) beats the score before them by more than `tol`.
    static func shouldStop(_ scores: [Double], settings: GBTSettings) -> Bool {
        let reference = settings.iterationsWithoutChange + 1
        guard scores.count >= reference else { return false }
        let referenceScore = scores[scores.count - reference] + settings.tolerance
        return !scores.suffix(reference - 1).contains { $0 > referenceScore }
    }

    /// A seeded split of row indices into training and validation rows (each ascending); for
    /// classification each class is split on its own, so both keep the class balance.
    static func validationSplit(_ targets: [Double], stratified: Bool, fraction: Double,
                                generator: inout SplitMix64) -> (train: [Int], validation: [Int]) {
        var groups: [[Int]] = [Array(targets.indices)]
        if stratified {
            var byClass: [Int: [Int]] = [:]
            for (row, target) in targets.enumerated() { byClass[Int(target), default: []].append(row) }
            groups = byClass.keys.sorted().map { byClass[$0]! }
        }
        var train: [Int] = [], validation: [Int] = []
        for var rows in groups {
            generator.shuffle(&rows)
            let held = Int((Double(rows.count) * fraction).rounded())
            validation += rows.prefix(held)
            train += rows.dropFirst(held)
        }
        return (train.sorted(), validation.sorted())
    }
}
