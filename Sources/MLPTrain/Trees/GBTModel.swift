import Foundation

/// What a gradient-boosted tree model predicts.
public enum GBTTask: String, Codable, Sendable {
    /// Class probabilities (binary: one tree per iteration on the log-odds of the second class;
    /// multiclass: one tree per class per iteration, softmax).
    case classification
    /// A number (squared error).
    case regression
}

/// A trained gradient-boosted tree model: the feature encoder, the bin thresholds it was trained
/// on, the trees, and what turns their raw scores into predictions. Trainers store it as a model
/// artifact (``ModelFile``, kind `gbt`); the single JSON file of format `mlp-gbt/1` that earlier
/// versions wrote is still read by ``GBTModel/decode(_:)``.
///
/// A row's raw score for output `k` is `baseline[k]` plus the leaf value each tree
/// `trees[i * treesPerIteration + k]` sends it to. Classification with two classes has one raw
/// score (the log-odds of `classes[1]`); with more, one per class, through a softmax. JSON
/// cannot hold infinity, so a legacy file writes a threshold of +∞ as the string `"Infinity"`.
public struct GBTModel: Codable, Sendable {
    /// The format tag of this file layout.
    public static let formatTag = "mlp-gbt/1"

    /// Always ``formatTag``.
    public var format = GBTModel.formatTag
    /// Classification or regression.
    public var task: GBTTask
    /// The column the model predicts.
    public var target: String
    /// The class labels, as text, in the order of ``predictProbabilities(_:)``'s columns; empty for regression.
    public var classes: [String]
    /// Turns a dataset's columns into the features the trees test.
    public var encoder: FeatureEncoder
    /// Per feature, the bin thresholds fitted on the training data (the trees' thresholds are among them).
    public var binThresholds: [[Double]]
    /// The raw scores before any tree: one per tree of an iteration.
    public var baseline: [Double]
    /// Trees per iteration: the number of classes for multiclass, else 1.
    public var treesPerIteration: Int
    /// Boosting iterations fitted (after early stopping).
    public var iterations: Int
    /// The trees, iteration after iteration; each is an array of nodes with its root first.
    public var trees: [[TreeNode]]
    /// The settings the model was fitted with.
    public var settings: GBTSettings

    /// The number of features the model reads (the encoder's).
    public var featureCount: Int { encoder.featureCount }

    /// Raw scores, `treesPerIteration` per row, of the rows of `x` (`NaN` is a missing value).
    public func rawScores(_ x: FeatureMatrix) -> [[Double]] {
        precondition(x.columns == featureCount, "GBTModel: \(x.columns) feature columns given, the model reads \(featureCount)")
        let outputs = treesPerIteration
        var flat = [Double](repeating: 0, count: x.rows * outputs)
        // Blocks of rows in parallel, every tree over one block before the next, so a block's
        // features stay in cache; each row still adds its trees in order (the same bits whatever the scheduling).
        let block = 256, blocks = (x.rows + block - 1) / block, width = x.columns
        flat.withUnsafeMutableBufferPointer { scores in
            let scores = scores.baseAddress!
            x.values.withUnsafeBufferPointer { values in
                let values = values.baseAddress!
                trees.withUnsafeBufferPointer { trees in
                    DispatchQueue.concurrentPerform(iterations: blocks) { index in
                        let start = index * block, end = min(x.rows, start + block)
                        for row in start..<end { for k in 0..<outputs { scores[row * outputs + k] = baseline[k] } }
                        for (position, tree) in trees.enumerated() {
                            let k = position % outputs
                            tree.withUnsafeBufferPointer { nodes in
                                for row in start..<end {
                                    let features = values + row * width
                                    var index = 0
                                    while nodes[index].left >= 0 {
                                        let value = features[nodes[index].feature]
                                        let goesLeft = value.isNaN ? nodes[index].missingGoesLeft : value <= nodes[index].threshold
                                        index = goesLeft ? nodes[index].left : nodes[index].right
                                    }
                                    scores[row * outputs + k] += nodes[index].value
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<x.rows).map { row in Array(flat[(row * outputs)..<((row + 1) * outputs)]) }
    }

    /// Class probabilities of each row of `x`, one column per entry of ``classes``.
    ///
    /// The model must be a classifier (``task`` is `.classification`).
    public func predictProbabilities(_ x: FeatureMatrix) -> [[Double]] {
        precondition(task == .classification, "GBTModel: predictProbabilities on a regression model; use predictValues")
        return rawScores(x).map { scores in
            if scores.count == 1 {
                let positive = 1 / (1 + exp(-scores[0]))
                return [1 - positive, positive]
            }
            let maximum = scores.max()!
            let exps = scores.map { exp($0 - maximum) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        }
    }

    /// The predicted value of each row of `x`.
    ///
    /// The model must be a regressor (``task`` is `.regression`).
    public func predictValues(_ x: FeatureMatrix) -> [Double] {
        precondition(task == .regression, "GBTModel: predictValues on a classification model; use predictProbabilities")
        return rawScores(x).map { $0[0] }
    }

    /// Reads a legacy `mlp-gbt/1` JSON model file, checking its format tag and that every tree is well formed (children
    /// after their parent and in range, features in range), so a damaged file fails here rather
    /// than in prediction.
    ///
    /// - Throws: ``GBTModelError`` saying what is wrong and where.
    public static func decode(_ data: Data) throws -> GBTModel {
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let model: GBTModel
        do {
            model = try decoder.decode(GBTModel.self, from: data)
        } catch {
            throw GBTModelError(message: "not an \(formatTag) model file: \(error)")
        }
        try model.check()
        return model
    }

    /// Checks the structure ``decode(_:)`` relies on.
    func check() throws {
        guard format == Self.formatTag else { throw GBTModelError(message: "format is '\(format)', expected '\(Self.formatTag)'") }
        let expected = task == .regression ? 1 : (classes.count == 2 ? 1 : classes.count)
        guard task == .regression || classes.count >= 2 else { throw GBTModelError(message: "a classifier needs at least two classes, the file lists \(classes.count)") }
        guard treesPerIteration == expected, baseline.count == expected else {
            throw GBTModelError(message: "treesPerIteration is \(treesPerIteration) and baseline has \(baseline.count) entries; \(task.rawValue) with \(classes.count) classes needs \(expected)")
        }
        let (product, overflow) = iterations.multipliedReportingOverflow(by: treesPerIteration)
        guard iterations >= 0, !overflow, product == trees.count else {
            throw GBTModelError(message: "\(trees.count) trees for \(iterations) iterations of \(treesPerIteration)")
        }
        guard binThresholds.count == featureCount else {
            throw GBTModelError(message: "bin thresholds for \(binThresholds.count) features, the encoder makes \(featureCount)")
        }
        for (position, tree) in trees.enumerated() {
            guard !tree.isEmpty else { throw GBTModelError(message: "tree \(position) has no nodes") }
            for (index, node) in tree.enumerated() {
                let place = "tree \(position) node \(index)"
                guard node.value.isFinite else { throw GBTModelError(message: "\(place): value \(node.value) is not finite") }
                if node.isLeaf {
                    guard node.right < 0 else { throw GBTModelError(message: "\(place): a leaf (left -1) with a right child \(node.right)") }
                    continue
                }
                guard (0..<featureCount).contains(node.feature) else {
                    throw GBTModelError(message: "\(place): feature \(node.feature) is outside 0..<\(featureCount)")
                }
                guard node.left > index, node.right > index, node.left < tree.count, node.right < tree.count, node.left != node.right else {
                    throw GBTModelError(message: "\(place): children \(node.left), \(node.right) must be distinct, after the node and below \(tree.count)")
                }
                guard !node.threshold.isNaN else { throw GBTModelError(message: "\(place): threshold is NaN") }
            }
        }
    }
}

/// A model file that is not a well-formed `mlp-gbt/1` model.
public struct GBTModelError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, and where in the file.
    public let message: String
    public var description: String { message }
}
