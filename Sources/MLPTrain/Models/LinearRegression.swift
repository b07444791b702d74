import Foundation

/// Linear regression, ordinary least squares or ridge, solved in closed form.
///
/// The fit minimises `1/(2n)·|y − b − Xw|² + l2/2·|w|²` over standardised features (the
/// intercept is not penalised), by a Cholesky factorisation of `ZᵀZ/n + l2·I`. A feature that is
/// constant, or a linear combination of earlier features (every one-hot column of a category but
/// one, for example), gets coefficient 0 and is listed in ``aliased``, as R's `lm` does, rather
/// than making the system singular. Coefficients are stored in the units of the encoded features.
public struct LinearRegression: Codable, Sendable, Equatable {
    /// One coefficient per encoded feature, in that feature's own units.
    public var coefficients: [Double]
    public var intercept: Double
    /// The ridge penalty the model was fitted with (0: ordinary least squares).
    public var l2: Double
    /// Indices of features left out of the fit (constant or collinear with earlier ones).
    public var aliased: [Int]

    /// A pivot this small (on standardised features, whose diagonal is 1) marks a feature as
    /// explained by the features before it.
    static let aliasTolerance = 1e-9

    /// Fits the model to `x` and `y`.
    public static func fit(_ x: FeatureMatrix, y: [Double], l2: Double = 0) throws -> LinearRegression {
        guard x.rows == y.count else { throw TrainingError(message: "linear regression: \(x.rows) rows but \(y.count) targets") }
        guard x.rows > 0 else { throw TrainingError(message: "linear regression: the training set has no rows") }
        guard l2 >= 0, l2.isFinite else { throw TrainingError(message: "linear regression: l2 must be a finite number ≥ 0, not \(l2)") }
        let n = x.rows, d = x.columns
        let standardizer = Standardizer(fitting: x)
        let z = standardizer.transform(x)
        let yMean = y.reduce(0, +) / Double(n)

        // The upper triangle of ZᵀZ and Zᵀy, row by row (one pass over the data).
        var gram = [Double](repeating: 0, count: d * d)
        var moment = [Double](repeating: 0, count: d)
        z.values.withUnsafeBufferPointer { values in
            gram.withUnsafeMutableBufferPointer { a in
                for row in 0..<n {
                    let base = row * d
                    let centred = y[row] - yMean
                    for j in 0..<d {
                        let value = values[base + j]
                        if value == 0 { continue }
                        moment[j] += value * centred
                        for k in j..<d { a[j * d + k] += value * values[base + k] }
                    }
                }
            }
        }
        let scale = 1 / Double(n)
        for j in 0..<d {
            moment[j] *= scale
            for k in j..<d { gram[j * d + k] *= scale }
            gram[j * d + j] += l2
        }

        // Cholesky (A = LLᵀ, L lower, stored over the lower triangle) skipping aliased features.
        var lower = [Double](repeating: 0, count: d * d)
        var aliased: [Int] = []
        var kept = [Bool](repeating: true, count: d)
        for j in 0..<d {
            var pivot = gram[j * d + j]
            for k in 0..<j where kept[k] { pivot -= lower[j * d + k] * lower[j * d + k] }
            guard pivot > aliasTolerance * max(1, gram[j * d + j]) else {
                kept[j] = false
                aliased.append(j)
                continue
            }
            let diagonal = sqrt(pivot)
            lower[j * d + j] = diagonal
            for i in (j + 1)..<max(j + 1, d) {
                var value = gram[j * d + i]  // A[i][j] from the upper triangle
                for k in 0..<j where kept[k] { value -= lower[i * d + k] * lower[j * d + k] }
                lower[i * d + j] = value / diagonal
            }
        }
        // Forward then back substitution over the kept features.
        var w = [Double](repeating: 0, count: d)
        for i in 0..<d where kept[i] {
            var value = moment[i]
            for k in 0..<i where kept[k] { value -= lower[i * d + k] * w[k] }
            w[i] = value / lower[i * d + i]
        }
        for i in stride(from: d - 1, through: 0, by: -1) where kept[i] {
            var value = w[i]
            for k in (i + 1)..<max(i + 1, d) where kept[k] { value -= lower[k * d + i] * w[k] }
            w[i] = value / lower[i * d + i]
        }

        var coefficients = [Double](repeating: 0, count: d)
        var intercept = yMean
        for j in 0..<d where kept[j] {
            coefficients[j] = w[j] / standardizer.scales[j]
            intercept -= coefficients[j] * standardizer.means[j]
        }
        guard intercept.isFinite, coefficients.allSatisfy(\.isFinite) else {
            throw TrainingError(message: "linear regression: the solution is not finite; check the data for huge values")
        }
        return LinearRegression(coefficients: coefficients, intercept: intercept, l2: l2, aliased: aliased)
    }

    /// The predicted value of each row.
    public func predict(_ x: FeatureMatrix) -> [Double] {
        (0..<x.rows).map { row in
            var total = intercept
            for j in 0..<x.columns { total += coefficients[j] * x.values[row * x.columns + j] }
            return total
        }
    }
}
