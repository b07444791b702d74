import Foundation

/// A metric that cannot be computed from what it was given.
public struct MetricError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Classification metrics. Classes are `0..<classes`; "macro" averages give each class equal weight.
public enum ClassificationMetrics {
    static func checkLengths(_ a: Int, _ b: Int, _ what: String) throws {
        guard a == b else { throw MetricError(message: "\(what): \(a) true labels but \(b) predictions") }
        guard a > 0 else { throw MetricError(message: "\(what): no samples") }
    }

    /// The share of predictions that equal the truth.
    public static func accuracy(truth: [Int], predicted: [Int]) throws -> Double {
        try checkLengths(truth.count, predicted.count, "accuracy")
        return Double(zip(truth, predicted).filter { $0 == $1 }.count) / Double(truth.count)
    }

    /// `matrix[t][p]`: how many samples of true class t were predicted as p.
    public static func confusionMatrix(truth: [Int], predicted: [Int], classes: Int) throws -> [[Int]] {
        try checkLengths(truth.count, predicted.count, "confusion matrix")
        var matrix = Array(repeating: Array(repeating: 0, count: classes), count: classes)
        for (t, p) in zip(truth, predicted) {
            guard (0..<classes).contains(t), (0..<classes).contains(p) else {
                throw MetricError(message: "confusion matrix: label \(max(t, p)) is outside 0..<\(classes)")
            }
            matrix[t][p] += 1
        }
        return matrix
    }

    /// Macro-averaged precision, recall and F1. A class never predicted has precision 0 (as
    /// scikit-learn's `zero_division=0`); a class absent from the truth has recall 0.
    public static func macroPrecisionRecallF1(truth: [Int], predicted: [Int], classes: Int) throws -> (precision: Double, recall: Double, f1: Double) {
        let matrix = try confusionMatrix(truth: truth, predicted: predicted, classes: classes)
        var precision = 0.0, recall = 0.0, f1 = 0.0
        for c in 0..<classes {
            let tp = Double(matrix[c][c])
            let predictedAs = Double((0..<classes).map { matrix[$0][c] }.reduce(0, +))
            let actually = Double(matrix[c].reduce(0, +))
            let p = predictedAs > 0 ? tp / predictedAs : 0
            let r = actually > 0 ? tp / actually : 0
            precision += p
            recall += r
            f1 += p + r > 0 ? 2 * p * r / (p + r) : 0
        }
        let k = Double(classes)
        return (precision / k, recall / k, f1 / k)
    }

    /// ROC-AUC of a binary problem from scores for class 1: the probability that a random
    /// positive scores above a random negative (ties count one half), computed from ranks.
    public static func rocAUC(truth: [Int], scores: [Double]) throws -> Double {
        try checkLengths(truth.count, scores.count, "ROC-AUC")
        let positives = truth.filter { $0 == 1 }.count
        let negatives = truth.count - positives
        guard positives > 0, negatives > 0 else { throw MetricError(message: "ROC-AUC needs both classes in the truth") }
        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        var ranks = Array(repeating: 0.0, count: scores.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let average = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = average }
            start = end + 1
        }
        let positiveRankSum = truth.indices.filter { truth[$0] == 1 }.map { ranks[$0] }.reduce(0, +)
        return (positiveRankSum - Double(positives) * Double(positives + 1) / 2) / (Double(positives) * Double(negatives))
    }

    /// Macro one-vs-rest ROC-AUC from per-class probabilities (`probabilities[i][c]`); for two
    /// classes, the binary AUC of class 1.
    public static func rocAUC(truth: [Int], probabilities: [[Double]]) throws -> Double {
        try checkLengths(truth.count, probabilities.count, "ROC-AUC")
        let classes = probabilities[0].count
        if classes == 2 { return try rocAUC(truth: truth, scores: probabilities.map { $0[1] }) }
        var total = 0.0
        for c in 0..<classes {
            total += try rocAUC(truth: truth.map { $0 == c ? 1 : 0 }, scores: probabilities.map { $0[c] })
        }
        return total / Double(classes)
    }

    /// Mean negative log-likelihood of the true class, probabilities clipped to [ε, 1−ε].
    public static func logLoss(truth: [Int], probabilities: [[Double]], epsilon: Double = 1e-15) throws -> Double {
        try checkLengths(truth.count, probabilities.count, "log loss")
        var total = 0.0
        for (label, row) in zip(truth, probabilities) {
            guard (0..<row.count).contains(label) else { throw MetricError(message: "log loss: label \(label) has no probability column") }
            let sum = row.reduce(0, +)
            total -= log(min(max(row[label] / sum, epsilon), 1 - epsilon))
        }
        return total / Double(truth.count)
    }
}

/// Regression metrics.
public enum RegressionMetrics {
    /// Root mean squared error.
    public static func rmse(truth: [Double], predicted: [Double]) throws -> Double {
        try ClassificationMetrics.checkLengths(truth.count, predicted.count, "RMSE")
        return sqrt(zip(truth, predicted).map { ($0 - $1) * ($0 - $1) }.reduce(0, +) / Double(truth.count))
    }

    /// Mean absolute error.
    public static func mae(truth: [Double], predicted: [Double]) throws -> Double {
        try ClassificationMetrics.checkLengths(truth.count, predicted.count, "MAE")
        return zip(truth, predicted).map { abs($0 - $1) }.reduce(0, +) / Double(truth.count)
    }

    /// Coefficient of determination: 1 − SS_res / SS_tot (1 for a perfect fit; may be negative).
    public static func r2(truth: [Double], predicted: [Double]) throws -> Double {
        try ClassificationMetrics.checkLengths(truth.count, predicted.count, "R²")
        let mean = truth.reduce(0, +) / Double(truth.count)
        let residual = zip(truth, predicted).map { ($0 - $1) * ($0 - $1) }.reduce(0, +)
        let total = truth.map { ($0 - mean) * ($0 - mean) }.reduce(0, +)
        guard total > 0 else { throw MetricError(message: "R² is undefined when every true value is the same") }
        return 1 - residual / total
    }
}

/// Training that cannot proceed with the data or settings given, and why.
public struct TrainingError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(message: String) { self.message = message }
    public var description: String { message }
}
