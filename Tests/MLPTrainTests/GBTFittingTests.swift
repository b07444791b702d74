import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

/// Generated data for the tree tests: a seeded uniform generator.
struct UniformSource {
    var state: UInt64
    init(seed: UInt64) { state = seed &* 0x9E37_79B9_7F4A_7C15 &+ 1 }
    mutating func next() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    /// Uniform in `range`.
    mutating func next(_ range: ClosedRange<Double>) -> Double { range.lowerBound + next() * (range.upperBound - range.lowerBound) }
}

/// Row-major rows as column-major features.
func columns(_ rows: [[Double]]) -> ColumnMajorFeatures {
    ColumnMajorFeatures(FeatureMatrix(rows: rows.count, columns: rows.first?.count ?? 0, values: rows.flatMap { $0 }))
}

/// A model from a fit, for prediction through the public API.
func model(_ boosted: BoostedTrees, task: GBTTask, classes: [String], features: Int, settings: GBTSettings = GBTSettings()) throws -> GBTModel {
    let numeric = try Dataset(columns: (0..<features).map { Column.float("x\($0)", [0]) })
    return GBTModel(task: task, target: "y", classes: classes,
                    encoder: try FeatureEncoder(fittingAllowingMissing: numeric),
                    binThresholds: boosted.binning.thresholds, baseline: boosted.baseline, treesPerIteration: boosted.treesPerIteration,
                    iterations: boosted.iterations, trees: boosted.trees, settings: settings)
}

func predictedClasses(_ model: GBTModel, _ rows: [[Double]]) -> [Int] {
    model.predictProbabilities(FeatureMatrix(rows: rows.count, columns: rows[0].count, values: rows.flatMap { $0 })).map { row in
        row.indices.max { row[$0] < row[$1] }!
    }
}

func accuracy(_ predicted: [Int], _ truth: [Int]) -> Double {
    Double(zip(predicted, truth).filter { $0 == $1 }.count) / Double(truth.count)
}

/// Every leaf of every tree, with the training rows that reach it.
func leafCounts(_ model: GBTModel, _ rows: [[Double]]) -> [[Int: Int]] {
    model.trees.map { tree in
        var counts: [Int: Int] = [:]
        for row in rows {
            var index = 0
            while !tree[index].isLeaf {
                let value = row[tree[index].feature]
                index = (value.isNaN ? tree[index].missingGoesLeft : value <= tree[index].threshold) ? tree[index].left : tree[index].right
            }
            counts[index, default: 0] += 1
        }
        return counts
    }
}

@Suite struct GBTFittingTests {
    @Test func aStepFunctionIsOneSplitAtTheStep() throws {
        var source = UniformSource(seed: 1)
        let xs = (0..<200).map { _ in source.next() }  // under 255 distinct values: a threshold between each pair
        let labels = xs.map { $0 > 0.37 ? 1.0 : 0.0 }
        var settings = GBTSettings()
        settings.maxIterations = 10
        let boosted = try GradientBoosting.fit(columns(xs.map { [$0] }), targets: labels, objective: .binaryLogLoss, settings: settings)
        let root = boosted.trees[0][0]
        let below = xs.filter { $0 <= 0.37 }.max()!, above = xs.filter { $0 > 0.37 }.min()!
        #expect(root.feature == 0 && root.threshold >= below && root.threshold < above, "root splits at \(root.threshold), the step lies in (\(below), \(above))")
        let fitted = try model(boosted, task: .classification, classes: ["0", "1"], features: 1)
        let grid = stride(from: 0.0, through: 1.0, by: 0.01).filter { abs($0 - 0.37) > 0.01 }
        #expect(predictedClasses(fitted, grid.map { [$0] }) == grid.map { $0 > 0.37 ? 1 : 0 })
    }

    @Test func xorIsLearnedWhereNoSingleFeatureHelps() throws {
        var source = UniformSource(seed: 2)
        func sample(_ n: Int) -> ([[Double]], [Int]) {
            let rows = (0..<n).map { _ in [source.next(-1...1), source.next(-1...1), source.next(-1...1)] }
            return (rows, rows.map { ($0[0] > 0) != ($0[1] > 0) ? 1 : 0 })
        }
        let (train, labels) = sample(2000), (test, truth) = sample(1000)
        var settings = GBTSettings()
        settings.maxIterations = 40
        let boosted = try GradientBoosting.fit(columns(train), targets: labels.map(Double.init), objective: .binaryLogLoss, settings: settings)
        let fitted = try model(boosted, task: .classification, classes: ["0", "1"], features: 3)
        let score = accuracy(predictedClasses(fitted, test), truth)
        #expect(score > 0.97, "XOR accuracy \(score)")
        let noiseSplits = boosted.trees.flatMap { $0 }.filter { $0.feature == 2 }.count
        let signalSplits = boosted.trees.flatMap { $0 }.filter { $0.feature == 0 || $0.feature == 1 }.count
        // By chance alone the two signal features would get twice the noise feature's splits; the
        // late trees do fit some noise (31 leaves, 40 iterations), so ask for well over that.
        #expect(signalSplits > 3 * noiseSplits, "splits on x0/x1: \(signalSplits), on the noise feature: \(noiseSplits)")
    }

    @Test func regressionFitsAKnownFunction() throws {
        var source = UniformSource(seed: 3)
        func sample(_ n: Int) -> ([[Double]], [Double]) {
            let rows = (0..<n).map { _ in [source.next(-1...1), source.next(-1...1)] }
            return (rows, rows.map { sin(3 * $0[0]) + $0[1] * $0[1] })
        }
        let (train, values) = sample(3000), (test, truth) = sample(500)
        let boosted = try GradientBoosting.fit(columns(train), targets: values, objective: .squaredError, settings: GBTSettings())
        #expect(abs(boosted.baseline[0] - values.reduce(0, +) / Double(values.count)) < 1e-12, "the baseline is the mean")
        let fitted = try model(boosted, task: .regression, classes: [], features: 2)
        let predicted = fitted.predictValues(FeatureMatrix(rows: test.count, columns: 2, values: test.flatMap { $0 }))
        let r2 = try RegressionMetrics.r2(truth: truth, predicted: predicted)
        #expect(r2 > 0.97, "R² \(r2)")
    }

    @Test func multiclassBlobsGetOneTreePerClassAndProbabilitiesThatSumToOne() throws {
        var source = UniformSource(seed: 4)
        let centres = [[0.0, 0.0], [3.0, 0.0], [0.0, 3.0]]
        func sample(_ n: Int) -> ([[Double]], [Int]) {
            var rows: [[Double]] = [], labels: [Int] = []
            for i in 0..<n {
                let label = i % 3
                rows.append([centres[label][0] + source.next(-1.2...1.2), centres[label][1] + source.next(-1.2...1.2)])
                labels.append(label)
            }
            return (rows, labels)
        }
        let (train, labels) = sample(1500), (test, truth) = sample(600)
        var settings = GBTSettings()
        settings.maxIterations = 30
        let boosted = try GradientBoosting.fit(columns(train), targets: labels.map(Double.init), objective: .multinomial(classes: 3), settings: settings)
        #expect(boosted.treesPerIteration == 3 && boosted.trees.count == 90)
        let fitted = try model(boosted, task: .classification, classes: ["a", "b", "c"], features: 2)
        let probabilities = fitted.predictProbabilities(FeatureMatrix(rows: test.count, columns: 2, values: test.flatMap { $0 }))
        #expect(probabilities.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-9 && $0.count == 3 })
        let score = accuracy(predictedClasses(fitted, test), truth)
        #expect(score > 0.97, "blob accuracy \(score)")
    }

    @Test(arguments: [0.0, 1.0])
    func missingValuesTakeTheBranchTheyWereTrainedOn(missingLabel: Double) throws {
        // x > 0.5 is class 1; rows with x missing are `missingLabel`, so NaN must learn to go with one side.
        var source = UniformSource(seed: 5)
        var rows: [[Double]] = [], labels: [Double] = []
        for i in 0..<1200 {
            let x = source.next()
            if i % 4 == 0 {
                rows.append([.nan, source.next()])
                labels.append(missingLabel)
            } else {
                rows.append([x, source.next()])
                labels.append(x > 0.5 ? 1 : 0)
            }
        }
        var settings = GBTSettings()
        settings.maxIterations = 20
        let boosted = try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: settings)
        let fitted = try model(boosted, task: .classification, classes: ["0", "1"], features: 2)
        let predicted = predictedClasses(fitted, [[.nan, 0.2], [.nan, 0.8], [0.2, 0.5], [0.8, 0.5]])
        #expect(predicted == [Int(missingLabel), Int(missingLabel), 0, 1])
        #expect(boosted.binning.thresholds[0].allSatisfy { !$0.isNaN })
    }

    @Test func minSamplesLeafMaxLeafNodesAndMaxDepthHold() throws {
        var source = UniformSource(seed: 6)
        let rows = (0..<1000).map { _ in [source.next(), source.next()] }
        let values = rows.map { $0[0] * 10 + (source.next() - 0.5) }
        var settings = GBTSettings()
        settings.maxIterations = 5
        settings.minSamplesLeaf = 37
        settings.maxLeafNodes = 12
        let boosted = try GradientBoosting.fit(columns(rows), targets: values, objective: .squaredError, settings: settings)
        let fitted = try model(boosted, task: .regression, classes: [], features: 2, settings: settings)
        for counts in leafCounts(fitted, rows) {
            #expect(counts.values.allSatisfy { $0 >= 37 }, "leaf sizes \(counts.values.sorted())")
            #expect(counts.count == 12, "a tree has \(counts.count) leaves")
        }
        settings.maxLeafNodes = nil
        settings.maxDepth = 2
        let shallow = try GradientBoosting.fit(columns(rows), targets: values, objective: .squaredError, settings: settings)
        for tree in shallow.trees { #expect(tree.filter(\.isLeaf).count == 4, "depth 2 gives 4 leaves on this data") }
    }

    @Test func earlyStoppingStopsWhenTheValidationLossStallsAndLogsIt() throws {
        var source = UniformSource(seed: 7)
        let rows = (0..<1500).map { _ in [source.next(), source.next()] }
        let labels = rows.map { _ in source.next() < 0.5 ? 1.0 : 0.0 }  // pure noise: nothing to learn
        var settings = GBTSettings()
        settings.earlyStopping = .on
        settings.maxIterations = 300
        var points: [(Int, Double, Double?)] = []
        let boosted = try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: settings) { points.append(($0, $1, $2)) }
        #expect(boosted.stoppedEarly && boosted.iterations < 100, "ran \(boosted.iterations) iterations")
        #expect(abs(boosted.validationRows - 150) <= 1, "10% of 1,500 rows, rounded per class")
        #expect(points.count == boosted.iterations && points.allSatisfy { $0.2 != nil })
        #expect(points.last!.1 < points.first!.1, "the training loss still falls while the validation loss does not")

        // The rule itself: the last n_iter_no_change scores must beat the one before them by more than tol.
        settings.iterationsWithoutChange = 2
        settings.tolerance = 0.1
        #expect(!GradientBoosting.shouldStop([-1.0, -0.95], settings: settings))
        #expect(GradientBoosting.shouldStop([-1.0, -0.95, -0.92], settings: settings))
        #expect(!GradientBoosting.shouldStop([-1.0, -0.95, -0.85], settings: settings))
        // Auto: on only above 10,000 rows.
        #expect(!GBTSettings().stopsEarly(rows: 10_000) && GBTSettings().stopsEarly(rows: 10_001))
    }

    @Test func binnedAndThresholdPredictionsAgree() throws {
        // The validation loss is computed on binned rows; the model predicts from raw values. They must match.
        var source = UniformSource(seed: 8)
        let rows = (0..<1200).map { i in [i % 7 == 0 ? .nan : source.next(), Double(Int(source.next() * 4)), source.next()] }
        let labels = rows.map { row in row[0].isNaN ? 2 : (row[0] > 0.6 || row[1] >= 3 ? 1 : 0) }
        var settings = GBTSettings()
        settings.earlyStopping = .on
        settings.maxIterations = 8
        settings.seed = 11
        var lastValidationLoss = 0.0
        let boosted = try GradientBoosting.fit(columns(rows), targets: labels.map(Double.init), objective: .multinomial(classes: 3), settings: settings) {
            lastValidationLoss = $2 ?? .nan
        }
        var generator = SplitMix64(seed: 11)
        let held = GradientBoosting.validationSplit(labels.map(Double.init), stratified: true, fraction: 0.1, generator: &generator).validation
        let fitted = try model(boosted, task: .classification, classes: ["a", "b", "c"], features: 3)
        let probabilities = fitted.predictProbabilities(FeatureMatrix(rows: held.count, columns: 3, values: held.flatMap { rows[$0] }))
        let loss = try ClassificationMetrics.logLoss(truth: held.map { labels[$0] }, probabilities: probabilities)
        #expect(abs(loss - lastValidationLoss) < 1e-9, "model \(loss) vs binned \(lastValidationLoss)")
    }

    @Test func binningUsesMidpointsOrQuantilesAndAMissingBin() {
        var few = [3.0, 1.0, 2.0, 2.0]
        #expect(FeatureBinning.featureThresholds(sorting: &few, maxBins: 255) == [1.5, 2.5])
        var many = (0..<1000).map { Double($0) }
        let cuts = FeatureBinning.featureThresholds(sorting: &many, maxBins: 10)
        #expect(cuts.count == 9 && zip(cuts, cuts.dropFirst()).allSatisfy { $0 < $1 })
        #expect(abs(cuts[4] - 499.5) < 1, "the median threshold is \(cuts[4])")
        let binning = FeatureBinning(thresholds: [[1.5, 2.5]])
        let binned = binning.bin(ColumnMajorFeatures(rows: 5, columns: 1, values: [1, 1.5, 2, 9, .nan]), rows: nil)
        #expect(Array(binned.codes) == [0, 0, 1, 2, 255])
    }

    @Test func sameSeedSameTreesAndTheSettingsAreChecked() throws {
        var source = UniformSource(seed: 9)
        let rows = (0..<600).map { _ in [source.next(), source.next()] }
        let labels = rows.map { $0[0] + $0[1] + source.next(-0.3...0.3) > 1 ? 1.0 : 0.0 }
        var settings = GBTSettings()
        settings.earlyStopping = .on
        settings.maxIterations = 15
        settings.seed = 5
        let first = try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: settings)
        let second = try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: settings)
        #expect(first.trees == second.trees && first.baseline == second.baseline)
        settings.seed = 6
        let reseeded = try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: settings)
        #expect(reseeded.trees != first.trees, "another seed holds out other rows")

        let changes: [(expected: String, change: (inout GBTSettings) -> Void)] = [
            ("learning_rate", { $0.learningRate = 0 }), ("max_bins", { $0.maxBins = 300 }), ("min_samples_leaf", { $0.minSamplesLeaf = 0 }),
            ("max_leaf_nodes", { $0.maxLeafNodes = 1 }), ("validation_fraction", { $0.validationFraction = 1 }),
        ]
        for (expected, change) in changes {
            var bad = GBTSettings()
            change(&bad)
            let error = #expect(throws: TrainingError.self) { try GradientBoosting.fit(columns(rows), targets: labels, objective: .binaryLogLoss, settings: bad) }
            #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
        }
    }
}
