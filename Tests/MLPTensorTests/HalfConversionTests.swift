import CKernels
import MLPTensor
import XCTest

final class HalfConversionTests: XCTestCase {
    /// Every one of the 65,536 half bit patterns widens exactly as Swift's Float16 does.
    func testEveryHalfWidensExactly() throws {
        let bits = (0...UInt16.max).map { $0 }
        try forEachKernelPath { path in
            let tensor = try Tensor(zeros: [bits.count], dtype: .f16)
            bits.withUnsafeBytes { tensor.baseAddress.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            let widened = try tensor.floats()
            for (i, pattern) in bits.enumerated() {
                let expected = Float(Float16(bitPattern: pattern))
                if expected.isNaN {
                    XCTAssertTrue(widened[i].isNaN, "\(path) \(pattern)")
                } else {
                    XCTAssertEqual(widened[i].bitPattern, expected.bitPattern, "\(path) half 0x\(String(pattern, radix: 16))")
                }
                if i % 4096 == 0 { XCTAssertEqual(ck_fp16_to_fp32(pattern).bitPattern, expected.isNaN ? ck_fp16_to_fp32(pattern).bitPattern : expected.bitPattern) }
            }
        }
    }

    /// Narrowing rounds to nearest even like Float16(Float), including subnormals, overflow and ties.
    func testNarrowingMatchesFloat16() throws {
        var rng = SeededGenerator(seed: 1)
        var values = rng.floats(4000, in: -70000...70000) + rng.floats(4000, in: -1e-4...1e-4)
        values += [0, -0, 65504, 65520, 65519.99, -65536, 1e-8, 5.96e-8, 2.98e-8, 1 + 1.0 / 2048, 1 + 3.0 / 2048, .infinity, -.infinity]
        try forEachKernelPath { path in
            let halves = try Tensor(shape: [values.count], values: values).converted(to: .f16)
            let pointer = halves.baseAddress.assumingMemoryBound(to: UInt16.self)
            for (i, value) in values.enumerated() {
                XCTAssertEqual(pointer[i], Float16(value).bitPattern, "\(path) \(value)")
                XCTAssertEqual(ck_fp32_to_fp16(value), Float16(value).bitPattern, "\(value)")
            }
        }
    }

    func testBFloat16RoundsToNearestEven() throws {
        let values: [Float] = [1, -2.5, Float(bitPattern: 0x3F80_8000), Float(bitPattern: 0x3F81_8000), Float(bitPattern: 0x3F80_8001), .infinity]
        let expected: [UInt16] = [0x3F80, 0xC020, 0x3F80, 0x3F82, 0x3F81, 0x7F80]
        let narrowed = try Tensor(shape: [values.count], values: values).converted(to: .bf16)
        let pointer = narrowed.baseAddress.assumingMemoryBound(to: UInt16.self)
        XCTAssertEqual((0..<values.count).map { pointer[$0] }, expected)
        XCTAssertTrue(ck_bf16_to_fp32(ck_fp32_to_bf16(.nan)).isNaN)
        XCTAssertEqual(try narrowed.floats(), [1, -2.5, 1, Float(bitPattern: 0x3F82_0000), Float(bitPattern: 0x3F81_0000), .infinity])
    }
}
