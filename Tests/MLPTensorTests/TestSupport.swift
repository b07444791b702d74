import MLPTensor
import XCTest

/// A small seeded generator (SplitMix64) so every test sees the same "random" data.
struct SeededGenerator: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func floats(_ count: Int, in range: ClosedRange<Float> = -1...1) -> [Float] {
        (0..<count).map { _ in Float.random(in: range, using: &self) }
    }

    /// Bell-shaped values like trained weights: the sum of four uniforms on [-1, 1].
    mutating func bellShaped(_ count: Int) -> [Float] {
        (0..<count).map { _ in (0..<4).reduce(Float(0)) { sum, _ in sum + Float.random(in: -1...1, using: &self) } }
    }
}

/// Runs `body` once on every kernel path this CPU supports (scalar always, AVX2 where present),
/// then restores the path that was selected before.
func forEachKernelPath(file: StaticString = #filePath, line: UInt = #line, _ body: (KernelPath) throws -> Void) rethrows {
    let before = KernelPath.current
    defer { KernelPath.select(before) }
    for path in KernelPath.allCases where path == .scalar || KernelPath.avx2Supported {
        XCTAssertEqual(KernelPath.select(path), path, file: file, line: line)
        try body(path)
    }
}

/// The largest |a[i] - b[i]|.
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    precondition(a.count == b.count)
    return zip(a, b).map { abs($0 - $1) }.max() ?? 0
}

/// Row-major a [m, k] times bᵀ where b is [n, k], in Double.
func referenceLinear(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var out = [Float](repeating: 0, count: m * n)
    for i in 0..<m {
        for j in 0..<n {
            var s = 0.0
            for t in 0..<k { s += Double(a[i * k + t]) * Double(b[j * k + t]) }
            out[i * n + j] = Float(s)
        }
    }
    return out
}
