import Foundation

/// The loss a boosting fit minimises, with its gradients and hessians with respect to the raw scores.
///
/// Raw scores are stored class after class: `raw[k * rows + row]`.
enum BoostingObjective: Sendable {
    /// Half the squared error (regression); the hessian is a constant 1.
    case squaredError
    /// Binary cross-entropy on one raw score (the log-odds of class 1).
    case binaryLogLoss
    /// Multiclass cross-entropy on one raw score per class (softmax).
    case multinomial(classes: Int)

    /// Trees added per iteration: one per class for multinomial, else one.
    var treesPerIteration: Int {
        if case .multinomial(let classes) = self { return classes }
        return 1
    }

    /// Whether every hessian is 1, so histograms need not sum them.
    var hasConstantHessian: Bool {
        if case .squaredError = self { return true }
        return false
    }

    /// Whether targets are class indices.
    var isClassification: Bool {
        if case .squaredError = self { return false }
        return true
    }

    /// The best constant raw scores: the mean, the log-odds of the positive share, or the centred
    /// log class shares (shares clipped away from 0 and 1, as scikit-learn does).
    func baseline(_ targets: [Double]) -> [Double] {
        let n = Double(max(1, targets.count))
        switch self {
        case .squaredError:
            return [targets.reduce(0, +) / n]
        case .binaryLogLoss:
            let epsilon = 10 * Double.ulpOfOne
            let share = min(max(targets.reduce(0, +) / n, epsilon), 1 - epsilon)
            return [log(share / (1 - share))]
        case .multinomial(let classes):
            var counts = [Double](repeating: 0, count: classes)
            for target in targets { counts[Int(target)] += 1 }
            let logs = counts.map { log(min(max($0 / n, Double.ulpOfOne), 1 - Double.ulpOfOne)) }
            let mean = logs.reduce(0, +) / Double(classes)
            return logs.map { $0 - mean }
        }
    }

    /// The mean loss of raw scores `raw` against `targets` over `rows` rows, writing each row's
    /// gradient (and hessian, unless constant) when buffers are given. Runs in fixed chunks in
    /// parallel; partial sums are added in chunk order, so the result does not depend on scheduling.
    func evaluate(raw: UnsafePointer<Double>, targets: UnsafePointer<Double>, rows: Int,
                  gradients: UnsafeMutablePointer<Float>?, hessians: UnsafeMutablePointer<Float>?) -> Double {
        guard rows > 0 else { return 0 }
        let chunk = 8192, chunks = (rows + chunk - 1) / chunk
        var partial = [Double](repeating: 0, count: chunks)
        partial.withUnsafeMutableBufferPointer { partial in
            DispatchQueue.concurrentPerform(iterations: chunks) { index in
                let start = index * chunk, end = min(rows, start + chunk)
                partial[index] = evaluate(raw: raw, targets: targets, rows: rows, range: start..<end, gradients: gradients, hessians: hessians)
            }
        }
        return partial.reduce(0, +) / Double(rows)
    }

    private func evaluate(raw: UnsafePointer<Double>, targets: UnsafePointer<Double>, rows: Int, range: Range<Int>,
                          gradients: UnsafeMutablePointer<Float>?, hessians: UnsafeMutablePointer<Float>?) -> Double {
        var total = 0.0
        switch self {
        case .squaredError:
            for row in range {
                let residual = raw[row] - targets[row]
                total += 0.5 * residual * residual
                gradients?[row] = Float(residual)
            }
        case .binaryLogLoss:
            for row in range {
                let score = raw[row], y = targets[row]
                total += (score > 0 ? score + log1p(exp(-score)) : log1p(exp(score))) - y * score
                if let gradients, let hessians {
                    let p = 1 / (1 + exp(-score))
                    gradients[row] = Float(p - y)
                    hessians[row] = Float(p * (1 - p))
                }
            }
        case .multinomial(let classes):
            var exps = [Double](repeating: 0, count: classes)
            for row in range {
                var maximum = -Double.infinity
                for k in 0..<classes { maximum = max(maximum, raw[k * rows + row]) }
                var sum = 0.0
                for k in 0..<classes {
                    exps[k] = exp(raw[k * rows + row] - maximum)
                    sum += exps[k]
                }
                let label = Int(targets[row])
                total += log(sum) + maximum - raw[label * rows + row]
                if let gradients, let hessians {
                    for k in 0..<classes {
                        let p = exps[k] / sum
                        gradients[k * rows + row] = Float(p - (k == label ? 1 : 0))
                        hessians[k * rows + row] = Float(p * (1 - p))
                    }
                }
            }
        }
        return total
    }
}
