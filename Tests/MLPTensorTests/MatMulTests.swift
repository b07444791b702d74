import MLPTensor
import XCTest

final class MatMulTests: XCTestCase {
    func testSgemmWithAndWithoutTransposes() throws {
        var rng = SeededGenerator(seed: 5)
        let (m, k, n) = (7, 13, 5)
        let a = rng.floats(m * k), b = rng.floats(k * n)
        // reference: a [m,k] · b [k,n]
        var expected = [Float](repeating: 0, count: m * n)
        for i in 0..<m { for j in 0..<n { expected[i * n + j] = (0..<k).reduce(0) { $0 + a[i * k + $1] * b[$1 * n + j] } } }
        let aT = try Tensor(shape: [k, m], values: (0..<(k * m)).map { a[($0 % m) * k + $0 / m] }).transposed()
        let bT = try Tensor(shape: [n, k], values: (0..<(n * k)).map { b[($0 % k) * n + $0 / k] }).transposed()
        let plainA = try Tensor(shape: [m, k], values: a), plainB = try Tensor(shape: [k, n], values: b)
        for (left, right) in [(plainA, plainB), (aT, plainB), (plainA, bT), (aT, bT)] {
            let product = try Tensor.matmul(left, right)
            XCTAssertEqual(product.shape, [m, n])
            XCTAssertLessThan(maxAbsDifference(try product.floats(), expected), 1e-5)
        }
        XCTAssertThrowsError(try Tensor.matmul(plainA, plainA))
    }

    /// f32 linear layers split their output columns over the pool in slices of 16: one slice,
    /// uneven slices and a short last slice.
    func testLinearF32WithBias() throws {
        var rng = SeededGenerator(seed: 6)
        // n >= m splits by output columns, n < m by input rows (and 3 threads leave a short part).
        // A prepared weight (LinearWeight) runs the panel kernel on the AVX2 path: rows past the
        // last 6-row tile, a last panel of fewer than 16 rows, several 48-row tasks.
        for (m, k, n, threads) in [(9, 64, 11, 2), (9, 64, 37, 3), (5, 48, 100, 2), (3, 16, 40, 1), (40, 32, 11, 2), (37, 64, 16, 3),
                                   (50, 13, 17, 2), (97, 40, 33, 3), (1, 7, 1, 1)] {
            let x = rng.floats(m * k), w = rng.floats(n * k), bias = rng.floats(n)
            let pool = try ThreadPool(threadCount: threads)
            let input = try Tensor(shape: [m, k], values: x), weight = try Tensor(shape: [n, k], values: w), biasTensor = try Tensor(shape: [n], values: bias)
            var expected = referenceLinear(x, w, m: m, n: n, k: k)
            for i in 0..<m { for j in 0..<n { expected[i * n + j] += bias[j] } }
            try forEachKernelPath { path in
                let out = try Tensor.linear(input, weight: weight, bias: biasTensor, pool: pool)
                XCTAssertLessThan(maxAbsDifference(try out.floats(), expected), 1e-4, "m\(m) k\(k) n\(n), \(threads) threads, \(path)")
                let prepared = try LinearWeight(weight, pool: pool)
                XCTAssertEqual(prepared.isRepacked, path == .avx2)
                let viaPanels = try Tensor(shape: [m, n], values: rng.floats(m * n))
                try Tensor.linear(input, weight: prepared, bias: biasTensor, into: viaPanels, pool: pool)
                XCTAssertLessThan(maxAbsDifference(try viaPanels.floats(), expected), 1e-4, "prepared, m\(m) k\(k) n\(n), \(threads) threads, \(path)")
            }
        }
    }

    /// Bias and residual folded into the linear layer (f32: the output prefilled and sgemm
    /// adding to it; quantized: added after) equal the product plus both added afterwards, so
    /// does GELU folded in (``Tensor/linearGELU``), and a residual that is the output itself or of
    /// the wrong shape is refused.
    func testLinearWithBiasAndResidual() throws {
        var rng = SeededGenerator(seed: 9)
        for (m, k, n, threads) in [(9, 64, 11, 2), (9, 64, 37, 3), (5, 96, 100, 2), (3, 32, 40, 1), (41, 64, 9, 2), (37, 32, 16, 3)] {
            let x = try Tensor(shape: [m, k], values: rng.floats(m * k)), bias = try Tensor(shape: [n], values: rng.floats(n))
            let residual = try Tensor(shape: [m, n], values: rng.floats(m * n))
            let pool = try ThreadPool(threadCount: threads)
            for dtype in [DType.f32, .q8_0, .q4_0] {
                let weight = try LinearWeight(try Tensor(shape: [n, k], values: rng.floats(n * k, in: -0.5...0.5)).converted(to: dtype), pool: pool)
                for useBias in [false, true] {
                    let expected = try Tensor(zeros: [m, n])
                    try Tensor.linear(x, weight: weight, bias: nil, into: expected, pool: pool)
                    try expected.addBiasAndResidual(useBias ? bias : nil, residual: residual)
                    let out = try Tensor(shape: [m, n], values: rng.floats(m * n)) // garbage to overwrite
                    try Tensor.linear(x, weight: weight, bias: useBias ? bias : nil, residual: residual, into: out, pool: pool)
                    XCTAssertLessThan(maxAbsDifference(try out.floats(), try expected.floats()), 1e-5, "\(dtype) bias \(useBias) m\(m) k\(k) n\(n)")
                }
                let expected = try Tensor(zeros: [m, n])
                try Tensor.linear(x, weight: weight, bias: nil, into: expected, pool: pool)
                try expected.addBiasGELU(bias)
                let out = try Tensor(shape: [m, n], values: rng.floats(m * n))
                try Tensor.linearGELU(x, weight: weight, bias: bias, into: out, pool: pool)
                XCTAssertLessThan(maxAbsDifference(try out.floats(), try expected.floats()), 1e-5, "GELU \(dtype) m\(m) k\(k) n\(n)")
                XCTAssertThrowsError(try Tensor.linear(x, weight: weight, bias: bias, residual: out, into: out, pool: pool))
                XCTAssertThrowsError(try Tensor.linear(x, weight: weight, bias: bias, residual: try Tensor(zeros: [m, n + 1]), into: out, pool: pool))
            }
        }
    }

    /// Quantized matmul on odd M and N, one and three threads, both kernel paths: equal (to float
    /// rounding) to the product of the dequantized weights with the Q8_0-quantized activations,
    /// and within the quantization error bound of the f32 product:
    /// |x·w − x̂·ŵ| <= Σ|x||w − ŵ| + Σ|x − x̂||ŵ|.
    func testQuantizedLinearOnOddShapes() throws {
        var rng = SeededGenerator(seed: 7)
        for (m, k, n) in [(1, 32, 1), (7, 96, 13), (67, 160, 37), (130, 64, 17)] {
            let x = rng.floats(m * k), w = rng.floats(n * k, in: -0.5...0.5)
            let input = try Tensor(shape: [m, k], values: x)
            let exact = referenceLinear(x, w, m: m, n: n, k: k)
            for dtype in [DType.q8_0, .q4_0] {
                let weight = try Tensor(shape: [n, k], values: w).converted(to: dtype)
                let dequantizedWeight = try weight.floats()
                try forEachKernelPath { path in
                    let activations = try input.converted(to: .q8_0).floats()
                    let expected = referenceLinear(activations, dequantizedWeight, m: m, n: n, k: k)
                    for threads in [1, 3] {
                        let out = try Tensor.linear(input, weight: weight, pool: try ThreadPool(threadCount: threads)).floats()
                        XCTAssertLessThan(maxAbsDifference(out, expected), 1e-5 * Float(k), "\(dtype) \(path) \(threads) threads m\(m) k\(k) n\(n)")
                        for i in 0..<m {
                            for j in 0..<n {
                                var bound: Float = 1e-5 * Float(k)
                                for t in 0..<k {
                                    bound += abs(x[i * k + t]) * abs(w[j * k + t] - dequantizedWeight[j * k + t])
                                    bound += abs(x[i * k + t] - activations[i * k + t]) * abs(dequantizedWeight[j * k + t])
                                }
                                XCTAssertLessThanOrEqual(abs(out[i * n + j] - exact[i * n + j]), bound, "\(dtype) vs f32, \(path) [\(i), \(j)] m\(m) k\(k) n\(n)")
                            }
                        }
                    }
                }
            }
        }
    }

    /// The AVX2 kernel (8-row weight panels, 4-row activation tiles, 64-row tasks) against the
    /// scalar one on shapes with ragged edges everywhere: rows of x not a multiple of 4 or 64,
    /// rows of w not a multiple of 8 or 32, k from one block to 48. Both multiply the same
    /// integers, so they differ only in float summation order. Q8_0 weights include -128 (which
    /// GGML's quantizer never writes but a file may hold) to check that nothing saturates.
    func testQuantizedKernelPathsAgree() throws {
        guard KernelPath.avx2Supported else { throw XCTSkip("this CPU has no AVX2 path") }
        var rng = SeededGenerator(seed: 11)
        for (m, k, n) in [(1, 32, 1), (3, 64, 7), (5, 96, 9), (66, 128, 41), (67, 1536, 9), (130, 64, 19), (4, 384, 64)] {
            let x = rng.floats(m * k, in: -3...3), w = rng.bellShaped(n * k)
            let input = try Tensor(shape: [m, k], values: x)
            for dtype in [DType.q8_0, .q4_0] {
                let weight = try Tensor(shape: [n, k], values: w).converted(to: dtype)
                if dtype == .q8_0 {
                    // Force the first quant of every 5th block to -128.
                    for block in stride(from: 0, to: n * k / 32, by: 5) { weight.baseAddress.storeBytes(of: Int8(-128), toByteOffset: block * 34 + 2, as: Int8.self) }
                }
                let expected = referenceLinear(try input.converted(to: .q8_0).floats(), try weight.floats(), m: m, n: n, k: k)
                var outputs: [KernelPath: [Float]] = [:]
                try forEachKernelPath { path in
                    outputs[path] = try Tensor.linear(input, weight: weight, pool: try ThreadPool(threadCount: 2)).floats()
                }
                let (scalar, avx2) = (outputs[.scalar]!, outputs[.avx2]!)
                let scale = expected.map(abs).max()!
                XCTAssertLessThan(maxAbsDifference(scalar, avx2), 2e-6 * scale, "\(dtype) m\(m) k\(k) n\(n)")
                XCTAssertLessThan(maxAbsDifference(avx2, expected), 2e-6 * scale, "\(dtype) m\(m) k\(k) n\(n) vs f64")
            }
        }
    }

    /// A quantized weight repacked once (``LinearWeight``) gives the same outputs, bit for bit,
    /// as the plain weight repacked on every call; it is still right after a switch to the
    /// scalar path (which reads the weight, not the panels). An f32 weight's panels give sgemm's
    /// outputs to float rounding (another summation order), and sgemm's exactly off the AVX2 path.
    func testPreparedWeightMatchesRepackingPerCall() throws {
        var rng = SeededGenerator(seed: 12)
        let pool = try ThreadPool(threadCount: 2)
        for (m, k, n) in [(1, 32, 1), (67, 384, 41), (130, 1536, 24)] {
            let x = rng.floats(m * k, in: -3...3), w = rng.bellShaped(n * k), bias = rng.floats(n)
            let input = try Tensor(shape: [m, k], values: x), biasTensor = try Tensor(shape: [n], values: bias)
            for dtype in [DType.f32, .q8_0, .q4_0] {
                let plain = dtype == .f32 ? try Tensor(shape: [n, k], values: w) : try Tensor(shape: [n, k], values: w).converted(to: dtype)
                try forEachKernelPath { preparedOn in
                    let prepared = try LinearWeight(plain, pool: pool)
                    XCTAssertEqual(prepared.isRepacked, preparedOn == .avx2, "\(dtype) prepared on \(preparedOn)")
                    try forEachKernelPath { path in
                        let expected = try Tensor.linear(input, weight: plain, bias: biasTensor, pool: pool).floats()
                        let out = try Tensor(zeros: [m, n])
                        try Tensor.linear(input, weight: prepared, bias: biasTensor, into: out, pool: pool)
                        if dtype == .f32 && preparedOn == .avx2 && path == .avx2 {
                            XCTAssertLessThan(maxAbsDifference(try out.floats(), expected), 1e-6 * Float(k) * 3, "f32 panels m\(m) k\(k) n\(n)")
                        } else {
                            XCTAssertEqual(try out.floats(), expected, "\(dtype) m\(m) k\(k) n\(n), prepared on \(preparedOn), run on \(path)")
                        }
                    }
                }
            }
        }
        XCTAssertThrowsError(try LinearWeight(try Tensor(zeros: [4, 32]).transposed(), pool: pool))
    }

    func testLinearRejectsMismatchedShapesAndTypes() throws {
        let pool = try ThreadPool(threadCount: 1)
        let x = try Tensor(zeros: [2, 32]), w = try Tensor(zeros: [3, 64])
        XCTAssertThrowsError(try Tensor.linear(x, weight: w, pool: pool))
        XCTAssertThrowsError(try Tensor.linear(x, weight: try Tensor(zeros: [3, 32], dtype: .f16), pool: pool)) { error in
            XCTAssertEqual(error as? TensorError, .unsupportedDType(operation: "linear weight", dtype: .f16))
        }
        XCTAssertThrowsError(try Tensor.linear(x, weight: try Tensor(zeros: [3, 32]), bias: try Tensor(zeros: [4]), pool: pool))
    }

    func testThreadPoolRunsEveryIndexOnce() throws {
        let pool = try ThreadPool(threadCount: 4)
        let counts = UnsafeMutablePointer<Int>.allocate(capacity: 1000)
        counts.initialize(repeating: 0, count: 1000)
        defer { counts.deallocate() }
        for _ in 0..<20 { pool.parallelFor(1000) { counts[$0] += 1 } }
        XCTAssertEqual((0..<1000).map { counts[$0] }, [Int](repeating: 20, count: 1000))
        XCTAssertThrowsError(try ThreadPool(threadCount: 0))
    }
}
