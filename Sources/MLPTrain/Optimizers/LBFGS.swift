import Foundation

/// Limited-memory BFGS with a backtracking (Armijo) line search, for smooth unconstrained
/// problems such as regularised logistic regression.
public struct LBFGS: Sendable {
    /// Pairs of past steps kept to approximate the inverse Hessian.
    public var memory = 10
    public var maxIterations = 200
    /// Stop when the gradient's infinity norm falls below this.
    public var gradientTolerance = 1e-5
    /// Stop when the objective improves by less than this (relative) in one iteration.
    public var functionTolerance = 1e-10

    public init(memory: Int = 10, maxIterations: Int = 200, gradientTolerance: Double = 1e-5, functionTolerance: Double = 1e-10) {
        self.memory = memory
        self.maxIterations = maxIterations
        self.gradientTolerance = gradientTolerance
        self.functionTolerance = functionTolerance
    }

    /// How a minimisation ended.
    public struct Result: Sendable {
        public var x: [Double]
        public var value: Double
        public var iterations: Int
        public var converged: Bool
    }

    /// Minimises `objective`, which returns the value at x and writes the gradient into its second argument.
    /// `onIteration` sees (iteration, value, gradient norm) after every step.
    public func minimize(from start: [Double], objective: ([Double], inout [Double]) -> Double,
                         onIteration: (Int, Double, Double) -> Void = { _, _, _ in }) -> Result {
        let n = start.count
        var x = start
        var gradient = Array(repeating: 0.0, count: n)
        var value = objective(x, &gradient)
        var s: [[Double]] = [], y: [[Double]] = [], rho: [Double] = []
        var direction = Array(repeating: 0.0, count: n)
        var nextX = x, nextGradient = gradient
        func dot(_ a: [Double], _ b: [Double]) -> Double {
            var total = 0.0
            for i in 0..<a.count { total += a[i] * b[i] }
            return total
        }
        for iteration in 1...max(1, maxIterations) {
            if gradient.map(abs).max() ?? 0 < gradientTolerance { return Result(x: x, value: value, iterations: iteration - 1, converged: true) }
            // Two-loop recursion: direction = -H·g.
            var q = gradient
            var alphas = Array(repeating: 0.0, count: s.count)
            for i in stride(from: s.count - 1, through: 0, by: -1) {
                alphas[i] = rho[i] * dot(s[i], q)
                for j in 0..<n { q[j] -= alphas[i] * y[i][j] }
            }
            if let lastS = s.last, let lastY = y.last {
                let scale = dot(lastS, lastY) / dot(lastY, lastY)
                for j in 0..<n { q[j] *= scale }
            }
            for i in 0..<s.count {
                let beta = rho[i] * dot(y[i], q)
                for j in 0..<n { q[j] += s[i][j] * (alphas[i] - beta) }
            }
            for j in 0..<n { direction[j] = -q[j] }
            var slope = dot(direction, gradient)
            if slope >= 0 {
                // Not a descent direction (numerical trouble): restart from steepest descent.
                s.removeAll(); y.removeAll(); rho.removeAll()
                for j in 0..<n { direction[j] = -gradient[j] }
                slope = dot(direction, gradient)
            }
            var step = s.isEmpty ? min(1, 1 / max(1e-12, sqrt(dot(gradient, gradient)))) : 1.0
            var nextValue = 0.0
            var accepted = false
            for _ in 0..<40 {
                for j in 0..<n { nextX[j] = x[j] + step * direction[j] }
                nextValue = objective(nextX, &nextGradient)
                if nextValue <= value + 1e-4 * step * slope { accepted = true; break }
                step *= 0.5
            }
            guard accepted else { return Result(x: x, value: value, iterations: iteration, converged: false) }
            var sk = Array(repeating: 0.0, count: n), yk = Array(repeating: 0.0, count: n)
            for j in 0..<n {
                sk[j] = nextX[j] - x[j]
                yk[j] = nextGradient[j] - gradient[j]
            }
            let curvature = dot(sk, yk)
            if curvature > 1e-12 {
                s.append(sk); y.append(yk); rho.append(1 / curvature)
                if s.count > memory { s.removeFirst(); y.removeFirst(); rho.removeFirst() }
            }
            let improvement = (value - nextValue) / max(abs(value), abs(nextValue), 1)
            swap(&x, &nextX)
            swap(&gradient, &nextGradient)
            value = nextValue
            onIteration(iteration, value, sqrt(dot(gradient, gradient)))
            if improvement < functionTolerance { return Result(x: x, value: value, iterations: iteration, converged: true) }
        }
        return Result(x: x, value: value, iterations: maxIterations, converged: false)
    }
}
