import CKernels

/// The dense float kernels of ``NeuralNetwork``: row-major matrices behind raw pointers, the
/// products through OpenBLAS's `sgemm`. BLAS splits a product over blocks of the output, never
/// over the summed dimension, so for a given thread count the results are the same bit for bit
/// on every run.
enum DenseKernels {
    /// `c[m×n] += a[m×k] · b[k×n]`.
    static func multiplyAdd(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        ck_sgemm(false, false, Int32(m), Int32(n), Int32(k), 1, a, Int32(k), b, Int32(n), 1, c, Int32(n))
    }

    /// `c[k×n] += aᵀ · d`, where `a` is `m×k` and `d` is `m×n` (a weight gradient: inputs ᵀ · deltas).
    static func transposedMultiplyAdd(_ a: UnsafePointer<Float>, _ d: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) {
        guard m > 0, n > 0, k > 0 else { return }
        ck_sgemm(true, false, Int32(k), Int32(n), Int32(m), 1, a, Int32(k), d, Int32(n), 1, c, Int32(n))
    }

    /// `c[m×k] = d[m×n] · bᵀ`, where `b` is `k×n` (deltas back through a layer's weights).
    static func multiplyTransposed(_ d: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into c: UnsafeMutablePointer<Float>, m: Int, k: Int, n: Int) {
        guard m > 0, k > 0 else { return }
        guard n > 0 else { return c.update(repeating: 0, count: m * k) }
        ck_sgemm(false, true, Int32(m), Int32(k), Int32(n), 1, d, Int32(n), b, Int32(n), 0, c, Int32(k))
    }

    /// `sums[n] += Σ_rows d[m×n]` (a bias gradient).
    static func addColumnSums(_ d: UnsafePointer<Float>, into sums: UnsafeMutablePointer<Float>, m: Int, n: Int) {
        for i in 0..<m {
            let row = d + i * n
            for j in 0..<n { sums[j] += row[j] }
        }
    }
}
