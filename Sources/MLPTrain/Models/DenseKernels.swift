/// The dense float kernels of ``NeuralNetwork``: row-major matrices behind raw pointers, loops in
/// the order that streams contiguous rows (so the compiler vectorises the innermost loop), four
/// rows at a time to reuse each loaded value, and a fixed summation order so results are the
/// same bit for bit on every run.
enum DenseKernels {
    /// `c[m×n] += a[m×k] · b[k×n]`.
    static func multiplyAdd(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) {
        for i in 0..<m {
            let row = c + i * n
            let left = a + i * k
            var p = 0
            while p + 4 <= k {
                let a0 = left[p], a1 = left[p + 1], a2 = left[p + 2], a3 = left[p + 3]
                let b0 = b + p * n, b1 = b0 + n, b2 = b1 + n, b3 = b2 + n
                for j in 0..<n { row[j] += a0 * b0[j] + a1 * b1[j] + a2 * b2[j] + a3 * b3[j] }
                p += 4
            }
            while p < k {
                let a0 = left[p], b0 = b + p * n
                for j in 0..<n { row[j] += a0 * b0[j] }
                p += 1
            }
        }
    }

    /// `c[k×n] += aᵀ · d`, where `a` is `m×k` and `d` is `m×n` (a weight gradient: inputs ᵀ · deltas).
    static func transposedMultiplyAdd(_ a: UnsafePointer<Float>, _ d: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) {
        var i = 0
        while i + 4 <= m {
            let a0 = a + i * k, a1 = a0 + k, a2 = a1 + k, a3 = a2 + k
            let d0 = d + i * n, d1 = d0 + n, d2 = d1 + n, d3 = d2 + n
            for p in 0..<k {
                let x0 = a0[p], x1 = a1[p], x2 = a2[p], x3 = a3[p]
                let row = c + p * n
                for j in 0..<n { row[j] += x0 * d0[j] + x1 * d1[j] + x2 * d2[j] + x3 * d3[j] }
            }
            i += 4
        }
        while i < m {
            let a0 = a + i * k, d0 = d + i * n
            for p in 0..<k {
                let x0 = a0[p]
                let row = c + p * n
                for j in 0..<n { row[j] += x0 * d0[j] }
            }
            i += 1
        }
    }

    /// `out[n×m] = in[m×n]ᵀ`.
    static func transpose(_ source: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, rows m: Int, columns n: Int) {
        for i in 0..<m {
            for j in 0..<n { out[j * m + i] = source[i * n + j] }
        }
    }

    /// `sums[n] += Σ_rows d[m×n]` (a bias gradient).
    static func addColumnSums(_ d: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, m: Int, n: Int) {
        for i in 0..<m {
            let row = d + i * n
            for j in 0..<n { sums[j] += row[j] }
        }
    }
}
