import CKernels
import Foundation

/// A dense row-major matrix of features: `rows` samples × `columns` features.
public struct FeatureMatrix: Sendable {
    public var rows: Int
    public var columns: Int
    public var values: [Double]

    public init(rows: Int, columns: Int, values: [Double]) {
        precondition(values.count == rows * columns, "FeatureMatrix: \(values.count) values for \(rows)×\(columns)")
        self.rows = rows
        self.columns = columns
        self.values = values
    }
}

/// Per-feature standardisation fitted on training data and kept with the model, so serving
/// applies exactly the same transform.
public struct Standardizer: Codable, Sendable, Equatable {
    public var means: [Double]
    public var scales: [Double]

    /// Means and standard deviations of each column (a constant column gets scale 1).
    public init(fitting x: FeatureMatrix) {
        means = Array(repeating: 0, count: x.columns)
        scales = Array(repeating: 0, count: x.columns)
        for r in 0..<x.rows { for c in 0..<x.columns { means[c] += x.values[r * x.columns + c] } }
        for c in 0..<x.columns { means[c] /= Double(max(1, x.rows)) }
        for r in 0..<x.rows {
            for c in 0..<x.columns {
                let d = x.values[r * x.columns + c] - means[c]
                scales[c] += d * d
            }
        }
        for c in 0..<x.columns {
            let std = sqrt(scales[c] / Double(max(1, x.rows)))
            scales[c] = std > 1e-12 ? std : 1
        }
    }

    public func transform(_ x: FeatureMatrix) -> FeatureMatrix {
        var out = x
        for r in 0..<x.rows {
            for c in 0..<x.columns { out.values[r * x.columns + c] = (x.values[r * x.columns + c] - means[c]) / scales[c] }
        }
        return out
    }
}

/// Multinomial logistic regression (binary logistic regression when there are two classes)
/// with an L2 penalty on the weights, fitted by L-BFGS on standardised features.
///
/// The objective is the mean cross-entropy plus `l2 / 2 · |W|²` (the bias is not penalised).
/// Deterministic: the same data and settings give the same model, bit for bit.
public struct SoftmaxRegression: Codable, Sendable {
    public var classes: Int
    public var features: Int
    /// Row-major `classes × features`.
    public var weights: [Double]
    public var bias: [Double]
    public var standardizer: Standardizer
    public var iterations: Int

    /// Fits the model. `labels` are `0..<classes`.
    public static func fit(_ x: FeatureMatrix, labels: [Int], classes: Int, l2: Double = 1e-4, optimizer: LBFGS = LBFGS(),
                           onIteration: (Int, Double) -> Void = { _, _ in }) throws -> SoftmaxRegression {
        guard labels.count == x.rows, x.rows > 0 else { throw MetricError(message: "softmax regression: \(x.rows) rows but \(labels.count) labels") }
        guard classes >= 2, labels.allSatisfy({ (0..<classes).contains($0) }) else {
            throw MetricError(message: "softmax regression: labels must be in 0..<\(classes), with at least two classes")
        }
        try SoftmaxObjective.checkSize(rows: x.rows, columns: x.columns, classes: classes)
        TrainingBLAS.useOneThread()
        let standardizer = Standardizer(fitting: x)
        let objective = SoftmaxObjective(features: standardizer.transform(x), labels: labels, classes: classes, l2: l2)
        let d = x.columns, k = classes
        let result = optimizer.minimize(from: Array(repeating: 0, count: k * d + k), objective: objective.evaluate,
                                        onIteration: { iteration, value, _ in onIteration(iteration, value) })
        return SoftmaxRegression(classes: k, features: d, weights: Array(result.x[0..<(k * d)]), bias: Array(result.x[(k * d)...]),
                                 standardizer: standardizer, iterations: result.iterations)
    }

    /// The mean cross-entropy plus `l2 / 2 · |W|²` at `theta` (weights row-major, then biases), and its gradient.
    static func objective(_ theta: [Double], features z: FeatureMatrix, labels: [Int], classes k: Int, l2: Double,
                          gradient: inout [Double]) -> Double {
        SoftmaxObjective(features: z, labels: labels, classes: k, l2: l2).evaluate(theta, gradient: &gradient)
    }

    /// Class probabilities for each row.
    public func probabilities(_ x: FeatureMatrix) -> [[Double]] {
        guard x.rows > 0 else { return [] }
        let z = standardizer.transform(x)
        // On the stack when small (a served request's row or few): no allocation for the scores.
        return withUnsafeTemporaryAllocation(of: Double.self, capacity: x.rows * classes) { buffer in
            let scores = buffer.baseAddress!
            SoftmaxObjective.scores(z, weights: weights, bias: bias, classes: classes, into: scores)
            return (0..<x.rows).map { row in
                let logits = scores + row * classes
                var maximum = -Double.infinity
                for c in 0..<classes { maximum = max(maximum, logits[c]) }
                var probabilities = (0..<classes).map { exp(logits[$0] - maximum) }
                let sum = probabilities.reduce(0, +)
                for c in 0..<classes { probabilities[c] /= sum }
                return probabilities
            }
        }
    }

    /// The most probable class of each row.
    public func predict(_ x: FeatureMatrix) -> [Int] {
        probabilities(x).map { row in row.indices.max { row[$0] < row[$1] }! }
    }
}
