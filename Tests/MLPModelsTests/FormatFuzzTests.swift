import Foundation
@testable import MLPModels
import MLPTensor
import XCTest

/// Fuzz-style checks: every prefix of a small valid file and thousands of seeded random mutations
/// must either open (and then every tensor's bytes lie inside the file) or fail with the format's
/// own error type. A crash or any other error fails the test.
final class FormatFuzzTests: XCTestCase {
    static let mutationCount = 2500

    func validSafetensors(in folder: URL) throws -> [UInt8] {
        let path = folder.appendingPathComponent("valid.safetensors").path
        try SafetensorsWriter.write([
            TensorToWrite(name: "weight", dtype: .f32, shape: [2, 3], bytes: float32Bytes([1, 2, 3, 4, 5, 6])),
            TensorToWrite(name: "bias", dtype: .bf16, shape: [2], bytes: [0x80, 0x3F, 0, 0x40]),
            TensorToWrite(name: "codes", dtype: .i8, shape: [3], bytes: [1, 2, 3]),
        ], metadata: ["format": "pt"], to: path)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    func validGGUF(in folder: URL) throws -> [UInt8] {
        let path = folder.appendingPathComponent("valid.gguf").path
        try GGUFWriter.write(metadata: [
            ("general.architecture", .string("bert")),
            ("bert.context_length", .uint32(512)),
            ("tokenizer.ggml.tokens", .array(elementType: .string, values: [.string("[PAD]"), .string("a"), .string("##b")])),
            ("nested", .array(elementType: .array, values: [.array(elementType: .int8, values: [.int8(-1)])])),
            ("flag", .bool(true)), ("scale", .float64(0.125)),
        ], tensors: [
            TensorToWrite(name: "w", dtype: .f32, shape: [2, 2], bytes: float32Bytes([1, 2, 3, 4])),
            TensorToWrite(name: "q", dtype: .q8_0, shape: [32], bytes: [0, 0x3C] + Array(repeating: 1, count: 32)),
        ], to: path)
        return Array(try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    enum Outcome { case opened, rejected }

    /// Opens `bytes` as `format` (from memory, the same checks as a mapped file gets); fails the
    /// test on an error that is not the format's own.
    func open(_ bytes: [UInt8], as format: ModelFormat, at path: String, mapped: Bool = false, line: UInt = #line) throws -> Outcome {
        let mapping: MLPModels.MappedFile
        if mapped {
            mapping = try MLPModels.MappedFile(path: path)
        } else {
            mapping = MLPModels.MappedFile(path: path, copying: bytes)
        }
        do {
            switch format {
            case .safetensors:
                let file = try SafetensorsFile(mapping: mapping)
                for entry in file.entries {
                    XCTAssertTrue(entry.byteRange.lowerBound >= file.dataStart && entry.byteRange.upperBound <= bytes.count, line: line)
                    _ = try file.rawBytes(named: entry.name).copyBytes()
                }
            case .gguf:
                let file = try GGUFFile(mapping: mapping)
                for entry in file.entries {
                    XCTAssertTrue(entry.byteRange.lowerBound >= file.dataStart && entry.byteRange.upperBound <= bytes.count, line: line)
                    _ = try file.rawBytes(named: entry.name).copyBytes()
                }
            }
            return .opened
        } catch let error as SafetensorsError where format == .safetensors {
            XCTAssertFalse(error.description.isEmpty, line: line)
            return .rejected
        } catch let error as GGUFError where format == .gguf {
            XCTAssertFalse(error.description.isEmpty, line: line)
            return .rejected
        }
    }

    func testEveryTruncationOfAValidFileIsRejected() throws {
        let folder = try temporaryFolder(self)
        for format in ModelFormat.allCases {
            let valid = format == .safetensors ? try validSafetensors(in: folder) : try validGGUF(in: folder)
            let path = folder.appendingPathComponent("cut.\(format)").path
            XCTAssertEqual(try open(valid, as: format, at: path), .opened)
            // The same bytes through a real mapping.
            XCTAssertEqual(try open(valid, as: format, at: try writeFile(valid, named: "valid-copy.\(format)", in: folder), mapped: true), .opened)
            for length in 0..<valid.count {
                XCTAssertEqual(try open(Array(valid.prefix(length)), as: format, at: path), .rejected, "\(format) cut to \(length) of \(valid.count) bytes opened")
            }
        }
    }

    func testSeededRandomMutationsNeverCrash() throws {
        let folder = try temporaryFolder(self)
        var generator = SeededGenerator(seed: 0x5AFE_7E45)
        for format in ModelFormat.allCases {
            let valid = format == .safetensors ? try validSafetensors(in: folder) : try validGGUF(in: folder)
            let path = folder.appendingPathComponent("mutated.\(format)").path
            var rejected = 0
            for _ in 0..<Self.mutationCount {
                var bytes = valid
                for _ in 0..<Int.random(in: 1...4, using: &generator) {
                    mutate(&bytes, using: &generator)
                }
                if try open(bytes, as: format, at: path) == .rejected { rejected += 1 }
            }
            // Most mutations land in the header and break it; some land in tensor data and are harmless.
            XCTAssertGreaterThan(rejected, Self.mutationCount / 2, "\(format): only \(rejected) of \(Self.mutationCount) mutations were rejected")
        }
    }

    /// One random edit: a byte set to a random or boundary value, a little-endian 8-byte field set
    /// to a huge count, bytes inserted or removed, or the file cut.
    func mutate(_ bytes: inout [UInt8], using generator: inout SeededGenerator) {
        guard !bytes.isEmpty else {
            bytes.append(UInt8.random(in: 0...255, using: &generator))
            return
        }
        let position = Int.random(in: 0..<bytes.count, using: &generator)
        switch Int.random(in: 0..<6, using: &generator) {
        case 0:
            bytes[position] = UInt8.random(in: 0...255, using: &generator)
        case 1:
            bytes[position] = [0x00, 0xFF, 0x7F, 0x80, UInt8(ascii: "\""), UInt8(ascii: "}"), UInt8(ascii: "-")].randomElement(using: &generator)!
        case 2:
            let huge: [UInt64] = [UInt64.max, 1 << 63, 1 << 40, UInt64(UInt32.max), 0, 5]
            let value = huge.randomElement(using: &generator)!
            for (offset, byte) in littleEndianBytes(value).enumerated() where position + offset < bytes.count {
                bytes[position + offset] = byte
            }
        case 3:
            bytes.insert(contentsOf: (0..<Int.random(in: 1...8, using: &generator)).map { _ in UInt8.random(in: 0...255, using: &generator) }, at: position)
        case 4:
            bytes.removeSubrange(position..<min(bytes.count, position + Int.random(in: 1...8, using: &generator)))
        default:
            bytes.removeSubrange(position...)
        }
    }
}
