import Foundation
import XCTest

/// A seeded generator (SplitMix64), so that the fuzz tests replay the same bytes on every run.
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
}

/// A fresh temporary folder, removed when the test ends.
func temporaryFolder(_ test: XCTestCase) throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-models-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    test.addTeardownBlock { try? FileManager.default.removeItem(at: url) }
    return url
}

/// The folder of committed fixtures next to this file.
let fixturesFolder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures")

/// The all-MiniLM-L6-v2 folder (vocab.txt, tokenizer.json, model.safetensors): `MLP_MINILM_DIR`,
/// else the default place `scripts/fetch-model.sh` puts it; nil when neither holds the files.
func miniLMFolder() -> URL? {
    var candidates: [URL] = []
    if let path = ProcessInfo.processInfo.environment["MLP_MINILM_DIR"], !path.isEmpty {
        candidates.append(URL(fileURLWithPath: path))
    }
    let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    candidates.append(root.appendingPathComponent(".cache/models/all-MiniLM-L6-v2"))
    return candidates.first { FileManager.default.fileExists(atPath: $0.appendingPathComponent("vocab.txt").path) }
}

/// Little-endian bytes of `value`.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// The bytes of `values` as float32.
func float32Bytes(_ values: [Float]) -> [UInt8] {
    values.withUnsafeBytes { Array($0) }
}

/// Writes `bytes` to a new file in `folder`.
func writeFile(_ bytes: [UInt8], named name: String, in folder: URL) throws -> String {
    let url = folder.appendingPathComponent(name)
    try Data(bytes).write(to: url)
    return url.path
}
