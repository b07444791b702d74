import CKernels
import MLPTensor
import XCTest

final class QuantizationTests: XCTestCase {
    /// The scale d of each block, read back from the quantized bytes.
    private func blockScales(_ tensor: Tensor) -> [Float] {
        let blocks = tensor.elementCount / 32
        let stride = tensor.dtype.bytesPerBlock
        return (0..<blocks).map { b in
            ck_fp16_to_fp32(tensor.baseAddress.advanced(by: b * stride).loadUnaligned(as: UInt16.self))
        }
    }

    private func sampleRows(seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        // Blocks of very different magnitudes, one all-zero block, one with a single spike.
        var values = rng.floats(32 * 20, in: -3...3)
        values += rng.floats(32 * 4, in: -1e-3...1e-3)
        values += [Float](repeating: 0, count: 32)
        values += [Float](repeating: 0.01, count: 31) + [-50]
        return values
    }

    func testQ8_0RoundTripWithinHalfAStep() throws {
        let values = sampleRows(seed: 2)
        var bytesByPath: [[UInt8]] = []
        try forEachKernelPath { path in
            let quantized = try Tensor(shape: [values.count / 64, 64], values: values).converted(to: .q8_0)
            XCTAssertEqual(quantized.byteCount, values.count / 32 * 34)
            let restored = try quantized.floats()
            let scales = blockScales(quantized)
            for i in values.indices {
                let d = scales[i / 32]
                XCTAssertLessThanOrEqual(abs(restored[i] - values[i]), d / 2 * 1.000001, "\(path) element \(i): \(values[i]) -> \(restored[i]), d \(d)")
            }
            XCTAssertEqual(Array(restored[(24 * 32)..<(25 * 32)]), [Float](repeating: 0, count: 32))
            bytesByPath.append(Array(UnsafeRawBufferPointer(start: quantized.baseAddress, count: quantized.byteCount)))
        }
        // Both paths round the same way, so they write the same bytes.
        if bytesByPath.count == 2 { XCTAssertEqual(bytesByPath[0], bytesByPath[1]) }
    }

    /// GGML's reference Q4_0 for one block (the largest-magnitude element maps to -8·d, the rest
    /// round half up, clamped to 15), dequantized: what the searched quantizer must never lose to.
    private func ggmlReferenceQ4_0(_ block: ArraySlice<Float>) -> [Float] {
        let max = block.max { abs($0) < abs($1) }!
        let d = Float(Float16(max / -8))
        let id: Float = d != 0 ? 1 / d : 0
        return block.map { v in
            let q = Swift.min(15, Swift.max(0, Int((v * id + 8.5).rounded(.down))))
            return d * Float(q - 8)
        }
    }

    /// The searched Q4_0 scale: every block's squared error is at most GGML's reference method's,
    /// and over random blocks clearly smaller; all-zero blocks stay zero.
    func testQ4_0ScaleSearchNeverLosesToGGML() throws {
        var rng = SeededGenerator(seed: 9)
        let values = sampleRows(seed: 3) + rng.bellShaped(32 * 200)
        let quantized = try Tensor(shape: [values.count], values: values).converted(to: .q4_0)
        XCTAssertEqual(quantized.byteCount, values.count / 32 * 18)
        let restored = try quantized.floats()
        var searched = 0.0, reference = 0.0
        for b in 0..<(values.count / 32) {
            let range = (b * 32)..<((b + 1) * 32)
            let ggml = ggmlReferenceQ4_0(values[range])
            let ours = range.reduce(0.0) { $0 + Double((restored[$1] - values[$1]) * (restored[$1] - values[$1])) }
            let theirs = range.indices.reduce(0.0) { $0 + Double((ggml[$1 - range.lowerBound] - values[$1]) * (ggml[$1 - range.lowerBound] - values[$1])) }
            XCTAssertLessThanOrEqual(ours, theirs * (1 + 1e-5) + 1e-30, "block \(b)")
            searched += ours
            reference += theirs
        }
        XCTAssertLessThan(searched, 0.92 * reference, "the search should pay on random data (it measured 0.88)")
        XCTAssertEqual(Array(restored[(24 * 32)..<(25 * 32)]), [Float](repeating: 0, count: 32))
    }

    func testQ4_0NibbleLayoutMatchesGGML() throws {
        // Element j goes to the low nibble of byte j, element j + 16 to the high nibble.
        let values = (0..<32).map { Float($0 < 16 ? -8 : 7) }
        let quantized = try Tensor(shape: [32], values: values).converted(to: .q4_0)
        let bytes = UnsafeRawBufferPointer(start: quantized.baseAddress, count: 18)
        XCTAssertEqual(ck_fp16_to_fp32(UInt16(bytes[0]) | UInt16(bytes[1]) << 8), 1)
        XCTAssertEqual(Array(bytes[2...]), [UInt8](repeating: 0xF0, count: 16))
    }

    func testDotProductsMatchDequantizedReference() throws {
        var rng = SeededGenerator(seed: 4)
        for k in [32, 96, 512, 1536] {
            let x = rng.floats(k, in: -2...2), y = rng.floats(k)
            let q8x = try Tensor(shape: [k], values: x).converted(to: .q8_0)
            let q4x = try Tensor(shape: [k], values: x).converted(to: .q4_0)
            try forEachKernelPath { path in
                let q8y = try Tensor(shape: [k], values: y).converted(to: .q8_0)
                let (dx8, dx4, dy) = (try q8x.floats(), try q4x.floats(), try q8y.floats())
                let reference8 = zip(dx8, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let reference4 = zip(dx4, dy).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let dot8 = ck_vec_dot_q8_0_q8_0(Int64(k), q8x.baseAddress.assumingMemoryBound(to: ck_block_q8_0.self), q8y.baseAddress.assumingMemoryBound(to: ck_block_q8_0.self))
                let dot4 = ck_vec_dot_q4_0_q8_0(Int64(k), q4x.baseAddress.assumingMemoryBound(to: ck_block_q4_0.self), q8y.baseAddress.assumingMemoryBound(to: ck_block_q8_0.self))
                // The kernels sum exact integer products per block, so only float rounding differs.
                XCTAssertEqual(Double(dot8), reference8, accuracy: 1e-5 * Double(k), "\(path) q8_0 k=\(k)")
                XCTAssertEqual(Double(dot4), reference4, accuracy: 1e-5 * Double(k), "\(path) q4_0 k=\(k)")
                // And against the unquantized dot product, within quantization error.
                let exact = zip(x, y).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                XCTAssertEqual(Double(dot8), exact, accuracy: 0.02 * Double(k).squareRoot(), "\(path) q8_0 vs f32 k=\(k)")
                XCTAssertEqual(Double(dot4), exact, accuracy: 0.15 * Double(k).squareRoot(), "\(path) q4_0 vs f32 k=\(k)")
            }
        }
    }

    func testQuantizingRequiresWholeBlocks() {
        XCTAssertThrowsError(try Tensor(shape: [2, 20], values: [Float](repeating: 1, count: 40)).converted(to: .q8_0)) { error in
            XCTAssertEqual(error as? TensorError, .notWholeBlocks(shape: [2, 20], dtype: .q8_0))
        }
    }
}
