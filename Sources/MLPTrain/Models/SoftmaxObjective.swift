import CKernels
import Foundation

/// The objective that ``SoftmaxRegression`` minimises: the mean cross-entropy of a softmax over
/// `classes` linear scores plus `l2 / 2 · |W|²` (the bias is not penalised), with its gradient.
///
/// Both matrix products go through OpenBLAS in double precision, so the gradient is exact to
/// rounding: the scores `Z · Wᵀ` (`dgemm`), a softmax row by row, then the weight gradient
/// `Rᵀ · Z / n` of the residuals `R = P − Y` (`dgemm`). The score buffer is allocated once and
/// reused by every evaluation. BLAS splits work over output blocks, not over the summed
/// dimension, so a given thread count gives the same bits on every run.
final class SoftmaxObjective {
    /// Standardised features, row-major `rows × columns`.
    let features: FeatureMatrix
    let labels: [Int]
    let classes: Int
    let l2: Double
    /// `rows × classes`: scores, then probabilities, then residuals.
    private let scores: UnsafeMutablePointer<Double>

    init(features: FeatureMatrix, labels: [Int], classes: Int, l2: Double) {
        self.features = features
        self.labels = labels
        self.classes = classes
        self.l2 = l2
        scores = .allocate(capacity: max(1, features.rows * classes))
    }

    deinit { scores.deallocate() }

    /// Refuses problems whose dimensions BLAS's 32-bit sizes cannot hold, or that have no feature.
    static func checkSize(rows: Int, columns: Int, classes: Int) throws {
        guard columns > 0 else { throw MetricError(message: "softmax regression: there are no feature columns to fit on") }
        let (cells, overflow) = rows.multipliedReportingOverflow(by: max(columns, classes))
        guard !overflow, cells < Int(Int32.max) else {
            throw MetricError(message: "softmax regression: \(rows) rows × \(max(columns, classes)) values is more than the \(Int32.max) one fit supports; sample the rows")
        }
    }

    /// `out[rows × classes] = Z · weightsᵀ + bias`, `weights` row-major `classes × columns`.
    static func scores(_ z: FeatureMatrix, weights: UnsafePointer<Double>, bias: UnsafePointer<Double>, classes k: Int,
                       into out: UnsafeMutablePointer<Double>) {
        let n = z.rows, d = z.columns
        guard n > 0 else { return }
        for row in 0..<n { (out + row * k).update(from: bias, count: k) }
        guard d > 0 else { return }
        z.values.withUnsafeBufferPointer { values in
            ck_dgemm(false, true, Int32(n), Int32(k), Int32(d), 1, values.baseAddress, Int32(d), weights, Int32(d), 1, out, Int32(k))
        }
    }

    /// The objective at `theta` (weights row-major `classes × columns`, then the biases); writes its gradient.
    func evaluate(_ theta: [Double], gradient: inout [Double]) -> Double {
        let n = features.rows, d = features.columns, k = classes
        precondition(theta.count == k * d + k && gradient.count == theta.count, "SoftmaxObjective: \(theta.count) parameters for \(k)×\(d) + \(k)")
        var loss = 0.0, penalty = 0.0
        theta.withUnsafeBufferPointer { w in
            gradient.withUnsafeMutableBufferPointer { g in
                let weights = w.baseAddress!, bias = weights + k * d, scores = self.scores
                Self.scores(features, weights: weights, bias: bias, classes: k, into: scores)
                let biasGradient = g.baseAddress! + k * d
                biasGradient.update(repeating: 0, count: k)
                labels.withUnsafeBufferPointer { labels in
                    for row in 0..<n {
                        let logits = scores + row * k
                        var maximum = -Double.infinity
                        for c in 0..<k { maximum = max(maximum, logits[c]) }
                        var sum = 0.0
                        for c in 0..<k {
                            logits[c] = exp(logits[c] - maximum)
                            sum += logits[c]
                        }
                        let label = labels[row], inverse = 1 / sum
                        loss -= log(max(logits[label] * inverse, 1e-300))
                        for c in 0..<k {
                            logits[c] *= inverse
                            biasGradient[c] += logits[c]
                        }
                        logits[label] -= 1
                        biasGradient[label] -= 1
                    }
                }
                let scale = 1 / Double(n)
                features.values.withUnsafeBufferPointer { z in
                    ck_dgemm(true, false, Int32(k), Int32(d), Int32(n), scale, scores, Int32(k), z.baseAddress, Int32(d), 0, g.baseAddress, Int32(d))
                }
                for i in 0..<(k * d) {
                    g[i] += l2 * weights[i]
                    penalty += weights[i] * weights[i]
                }
                for c in 0..<k { biasGradient[c] *= scale }
            }
        }
        return loss / Double(n) + 0.5 * l2 * penalty
    }
}
