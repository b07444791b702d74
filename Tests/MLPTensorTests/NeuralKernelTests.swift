import CKernels
import Foundation
import MLPTensor
import XCTest

final class NeuralKernelTests: XCTestCase {
    private func gelu(_ v: Float) -> Float { Float(0.5 * Double(v) * (1 + erf(Double(v) / 2.0.squareRoot()))) }

    /// The measured FMA peak: a positive rate where AVX2 and FMA exist (bounded by what any core
    /// could do: 32 FLOP per cycle at under 10 GHz), 0 elsewhere and for no rounds.
    func testMeasuredFMAPeak() {
        XCTAssertEqual(ck_fma_peak_flops(0), 0)
        let flops = ck_fma_peak_flops(1_000_000)
        let need = UInt32(CK_CPU_AVX2 | CK_CPU_FMA)
        if ck_cpu_features() & need == need {
            XCTAssertGreaterThan(flops, 1e9)
            XCTAssertLessThan(flops, 32 * 10e9)
        } else {
            XCTAssertEqual(flops, 0)
        }
    }

    func testGELUAndFusedBias() throws {
        var rng = SeededGenerator(seed: 8)
        let (rows, n) = (5, 19)
        let x = rng.floats(rows * n, in: -6...6), bias = rng.floats(n)
        var plain = x
        ck_gelu(&plain, Int64(plain.count))
        XCTAssertLessThan(maxAbsDifference(plain, x.map(gelu)), 1e-6)
        try forEachKernelPath { path in
            var fused = x
            ck_add_bias_gelu(&fused, Int64(rows), Int64(n), bias)
            let expected = x.indices.map { gelu(x[$0] + bias[$0 % n]) }
            XCTAssertLessThan(maxAbsDifference(fused, expected), 1e-5, "\(path)")
            let tensor = try Tensor(shape: [rows, n], values: x)
            try tensor.addBiasGELU(try Tensor(shape: [n], values: bias), pool: try ThreadPool(threadCount: 3))
            XCTAssertEqual(try tensor.floats(), fused)
            var alone = x
            ck_gelu(&alone, Int64(alone.count))
            for threads in [1, 3] {
                let viaTensor = try Tensor(shape: [rows, n], values: x)
                try viaTensor.gelu(pool: try ThreadPool(threadCount: threads))
                XCTAssertEqual(try viaTensor.floats(), alone, "\(path) \(threads) threads")
            }
        }
    }

    /// GELU on a dense grid over [-10, 10] and at the extremes, both paths, against erf in
    /// Double: within 1e-6 absolute and 2e-6 relative (the AVX2 path's erf is a rational
    /// approximation, not libm's erff).
    func testGELUAccuracyOnDenseGrid() {
        let grid = (0...200_000).map { Float(-10 + 20 * Double($0) / 200_000) } + [-100, -30, 30, 100, 0, -0.0, .leastNormalMagnitude]
        forEachKernelPath { path in
            var out = grid
            ck_gelu(&out, Int64(out.count))
            var worst: (error: Float, at: Float) = (0, 0)
            for (v, y) in zip(grid, out) {
                let error = abs(y - gelu(v))
                if error > 1e-6 + 2e-6 * abs(gelu(v)), error > worst.error { worst = (error, v) }
            }
            XCTAssertEqual(worst.error, 0, "\(path): GELU off by \(worst.error) at \(worst.at)")
        }
    }

    func testBiasAndResidual() throws {
        var rng = SeededGenerator(seed: 9)
        let (rows, n) = (3, 21)
        let x = rng.floats(rows * n), bias = rng.floats(n), residual = rng.floats(rows * n)
        forEachKernelPath { path in
            var out = x
            ck_add_bias_residual(&out, Int64(rows), Int64(n), bias, residual)
            XCTAssertLessThan(maxAbsDifference(out, x.indices.map { x[$0] + bias[$0 % n] + residual[$0] }), 1e-6, "\(path)")
            var biased = x
            ck_add_bias(&biased, Int64(rows), Int64(n), bias)
            XCTAssertLessThan(maxAbsDifference(biased, x.indices.map { x[$0] + bias[$0 % n] }), 1e-6, "\(path)")
        }
    }

    func testLayerNorm() throws {
        var rng = SeededGenerator(seed: 10)
        for n in [7, 32, 45] {
            let rows = 4
            let x = rng.floats(rows * n, in: -3...5), gamma = rng.floats(n), beta = rng.floats(n)
            var expected = [Float](repeating: 0, count: rows * n)
            for r in 0..<rows {
                let row = x[(r * n)..<((r + 1) * n)].map(Double.init)
                let mean = row.reduce(0, +) / Double(n)
                let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(n)
                for j in 0..<n { expected[r * n + j] = Float((row[j] - mean) / (variance + 1e-12).squareRoot() * Double(gamma[j]) + Double(beta[j])) }
            }
            forEachKernelPath { path in
                var out = x
                ck_layer_norm(&out, Int64(rows), Int64(n), gamma, beta, 1e-12)
                XCTAssertLessThan(maxAbsDifference(out, expected), 1e-5, "\(path) n=\(n)")
            }
        }
    }

    func testSoftmaxWithMask() {
        var x: [Float] = [1, 2, 3, 100, 0, 0, -1, 0]
        ck_softmax_rows(&x, 2, 4, [1, 1, 1, 0])
        let e = [1, 2, 3].map { exp(Double($0)) }
        let expected = e.map { Float($0 / e.reduce(0, +)) } + [0] + [Float(1 / (2 + exp(-1.0))), Float(1 / (2 + exp(-1.0))), Float(exp(-1.0) / (2 + exp(-1.0))), 0]
        XCTAssertLessThan(maxAbsDifference(x, expected), 1e-6)
        var masked: [Float] = [1, 2]
        ck_softmax_rows(&masked, 1, 2, [0, 0])
        XCTAssertEqual(masked, [0, 0])
    }

    /// Attention over two sequences with padding, against a plain reference per head.
    func testAttentionMatchesReference() throws {
        try checkAttention(batch: 2, seq: 5, heads: 3, headDim: 8, lengths: [5, 3], seed: 11)
    }

    /// The AVX2 kernel's edges: sequences longer than 8 and not a multiple of it, head widths of
    /// 32 and 40 (one register chunk past 32) and one not a multiple of 8 (the portable path),
    /// a sequence with every key masked (zeros), and one long enough that the head's scratch
    /// (transposed keys and scores) is allocated rather than on the stack.
    func testAttentionEdges() throws {
        try checkAttention(batch: 3, seq: 21, heads: 2, headDim: 32, lengths: [21, 9, 1], seed: 12)
        try checkAttention(batch: 2, seq: 13, heads: 2, headDim: 40, lengths: [13, 0], seed: 13)
        try checkAttention(batch: 2, seq: 11, heads: 2, headDim: 12, lengths: [11, 6], seed: 14)
        try checkAttention(batch: 1, seq: 260, heads: 1, headDim: 32, lengths: [250], seed: 15)
    }

    private func checkAttention(batch: Int, seq: Int, heads: Int, headDim: Int, lengths: [Int], seed: UInt64) throws {
        var rng = SeededGenerator(seed: seed)
        let width = heads * headDim, rows = batch * seq
        let q = rng.floats(rows * width, in: -2...2), k = rng.floats(rows * width, in: -2...2), v = rng.floats(rows * width)
        let keep: [UInt8] = (0..<rows).map { UInt8(($0 % seq) < lengths[$0 / seq] ? 1 : 0) }
        var expected = [Float](repeating: 0, count: rows * width)
        for b in 0..<batch {
            for h in 0..<heads {
                for i in 0..<seq {
                    var scores = [Double](repeating: -.infinity, count: seq)
                    for j in 0..<lengths[b] {
                        scores[j] = (0..<headDim).reduce(0.0) { $0 + Double(q[(b * seq + i) * width + h * headDim + $1]) * Double(k[(b * seq + j) * width + h * headDim + $1]) } / Double(headDim).squareRoot()
                    }
                    let top = scores.max()!
                    guard top > -.infinity else { continue } // every key masked: zeros
                    let weights = scores.map { exp($0 - top) }
                    let total = weights.reduce(0, +)
                    for d in 0..<headDim {
                        expected[(b * seq + i) * width + h * headDim + d] = Float((0..<seq).reduce(0.0) { $0 + weights[$1] / total * Double(v[(b * seq + $1) * width + h * headDim + d]) })
                    }
                }
            }
        }
        let pool = try ThreadPool(threadCount: 2)
        try forEachKernelPath { path in
            let out = try Tensor(zeros: [rows, width])
            try Tensor.attention(query: try Tensor(shape: [rows, width], values: q), key: try Tensor(shape: [rows, width], values: k),
                                 value: try Tensor(shape: [rows, width], values: v), into: out, batch: batch, heads: heads, keep: keep, pool: pool)
            XCTAssertLessThan(maxAbsDifference(try out.floats(), expected), 1e-5, "\(path) seq \(seq) head width \(headDim)")
            // The same through column views of one fused [rows, 3 * width] tensor.
            var fused = [Float]()
            for r in 0..<rows {
                let span = (r * width)..<((r + 1) * width)
                fused.append(contentsOf: q[span])
                fused.append(contentsOf: k[span])
                fused.append(contentsOf: v[span])
            }
            let qkv = try Tensor(shape: [rows, 3 * width], values: fused)
            let viaViews = try Tensor(zeros: [rows, width])
            try Tensor.attention(query: try qkv.columns(0..<width), key: try qkv.columns(width..<(2 * width)), value: try qkv.columns((2 * width)..<(3 * width)),
                                 into: viaViews, batch: batch, heads: heads, keep: keep, pool: pool)
            XCTAssertEqual(try viaViews.floats(), try out.floats())
            // Packed: only each sequence's real rows, back to back, with offsets instead of a mask.
            let realRows = (0..<rows).filter { keep[$0] != 0 }
            let packed = { (values: [Float]) in realRows.flatMap { values[($0 * width)..<(($0 + 1) * width)] } }
            let offsets = lengths.reduce(into: [0]) { $0.append($0.last! + $1) }
            let packedOut = try Tensor(zeros: [realRows.count, width])
            try Tensor.attention(query: try Tensor(shape: [realRows.count, width], values: packed(q)), key: try Tensor(shape: [realRows.count, width], values: packed(k)),
                                 value: try Tensor(shape: [realRows.count, width], values: packed(v)), into: packedOut, sequenceOffsets: offsets, heads: heads, pool: pool)
            XCTAssertLessThan(maxAbsDifference(try packedOut.floats(), packed(expected)), 1e-5, "packed, \(path) seq \(seq) head width \(headDim)")
        }
    }

    func testPackedAttentionRejectsBadOffsets() throws {
        let pool = try ThreadPool(threadCount: 1)
        let x = try Tensor(zeros: [5, 8]), out = try Tensor(zeros: [5, 8])
        for offsets in [[0, 3], [1, 5], [0, 4, 3, 5], []] {
            XCTAssertThrowsError(try Tensor.attention(query: x, key: x, value: x, into: out, sequenceOffsets: offsets, heads: 2, pool: pool), "\(offsets)") { error in
                XCTAssertTrue("\(error)".contains("sequence offsets"), "\(error)")
            }
        }
        XCTAssertNoThrow(try Tensor.attention(query: x, key: x, value: x, into: out, sequenceOffsets: [0, 0, 5], heads: 2, pool: pool))
    }
}
