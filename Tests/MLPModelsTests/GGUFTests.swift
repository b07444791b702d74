import Foundation
import MLPModels
import MLPTensor
import XCTest

final class GGUFTests: XCTestCase {
    static let metadata: [(key: String, value: GGUFValue)] = [
        ("general.architecture", .string("bert")),
        ("u8", .uint8(255)), ("i8", .int8(-128)), ("u16", .uint16(65535)), ("i16", .int16(-32768)),
        ("u32", .uint32(4_000_000_000)), ("i32", .int32(-7)), ("u64", .uint64(UInt64.max)), ("i64", .int64(Int64.min)),
        ("f32", .float32(0.5)), ("f64", .float64(-2.25)), ("yes", .bool(true)), ("no", .bool(false)),
        ("text", .string("漢字 ß \u{1F600}")), ("empty", .string("")),
        ("tokens", .array(elementType: .string, values: [.string("[CLS]"), .string("##ing")])),
        ("nested", .array(elementType: .array, values: [
            .array(elementType: .int32, values: [.int32(1), .int32(2)]),
            .array(elementType: .int32, values: []),
        ])),
        ("none", .array(elementType: .float32, values: [])),
    ]

    static func q8Block(scaleBits: UInt16, quants: [Int8]) -> [UInt8] {
        littleEndianBytes(scaleBits) + quants.map { UInt8(bitPattern: $0) }
    }

    static let tensors: [TensorToWrite] = [
        TensorToWrite(name: "token_embd.weight", dtype: .f32, shape: [2, 3], bytes: float32Bytes([1, 2, 3, 4, 5, 6])),
        TensorToWrite(name: "q8", dtype: .q8_0, shape: [2, 32], bytes: q8Block(scaleBits: 0x3800, quants: (-16..<16).map(Int8.init)) + q8Block(scaleBits: 0x3C00, quants: Array(repeating: 1, count: 32))),
        TensorToWrite(name: "q4", dtype: .q4_0, shape: [64], bytes: Array(repeating: 0x88, count: 36)),
        TensorToWrite(name: "f16", dtype: .f16, shape: [1, 1, 1, 3], bytes: [0, 0x3C, 0, 0xC0, 0, 0x34]),
        TensorToWrite(name: "bf16", dtype: .bf16, shape: [1], bytes: [0x80, 0x3F]),
        TensorToWrite(name: "i8", dtype: .i8, shape: [3], bytes: [1, 2, 0xFF]),
    ]

    func testRoundTripKeepsMetadataTensorsAndAlignment() throws {
        for alignment in [32, 64, 8] {
            let folder = try temporaryFolder(self)
            let path = folder.appendingPathComponent("model.gguf").path
            try GGUFWriter.write(metadata: Self.metadata, tensors: Self.tensors, alignment: alignment, to: path)
            let file = try GGUFFile(path: path)
            XCTAssertEqual(file.version, 3)
            XCTAssertEqual(file.alignment, alignment)
            XCTAssertEqual(file.dataStart % alignment, 0)
            let expectedKeys = Self.metadata.map(\.key) + (alignment == 32 ? [] : ["general.alignment"])
            XCTAssertEqual(file.metadata.map(\.key), expectedKeys)
            for (key, value) in Self.metadata { XCTAssertEqual(file[key], value, key) }
            XCTAssertEqual(file.entries.map(\.name), Self.tensors.map(\.name))
            for original in Self.tensors {
                let tensor = try file.tensor(named: original.name)
                XCTAssertEqual(tensor.dtype, original.dtype, original.name)
                XCTAssertEqual(tensor.shape, original.shape, original.name)
                XCTAssertEqual(tensor.data.copyBytes(), original.bytes, original.name)
                XCTAssertEqual((file.entry(named: original.name)!.byteRange.lowerBound - file.dataStart) % alignment, 0)
            }
            XCTAssertEqual(file.entry(named: "token_embd.weight")?.dimensions, [3, 2], "GGUF stores dimensions innermost first")
            XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.gguf"])
        }
    }

    /// A file written by the reference `gguf` Python package (scripts/format_fixtures.py).
    func testReadsFileWrittenByPythonGGUF() throws {
        let file = try GGUFFile(path: fixturesFolder.appendingPathComponent("python-gguf.gguf").path)
        XCTAssertEqual(file["general.architecture"], .string("mlp-test"))
        XCTAssertEqual(file["general.name"], .string("interop fixture"))
        XCTAssertEqual(file["test.u32"], .uint32(4_000_000_000))
        XCTAssertEqual(file["test.i32"], .int32(-7))
        XCTAssertEqual(file["test.f32"], .float32(0.5))
        XCTAssertEqual(file["test.f64"], .float64(-2.25))
        XCTAssertEqual(file["test.bool"], .bool(true))
        XCTAssertEqual(file["test.u64"], .uint64((UInt64(1) << 63) + 5))
        XCTAssertEqual(file["test.i8"], .int8(-128))
        XCTAssertEqual(file["test.strings"], .array(elementType: .string, values: ["a", "ß", "漢字", ""].map { .string($0) }))
        guard case let .array(_, ints) = file["test.ints"] else { return XCTFail("test.ints is not an array") }
        XCTAssertEqual(ints.compactMap(\.intValue), [1, 2, 3])

        let f32 = try file.tensor(named: "f32")
        XCTAssertEqual(f32.shape, [2, 3])
        XCTAssertEqual(f32.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try file.tensor(named: "f16").data.copyBytes(), [0x00, 0x3C, 0x00, 0xC0, 0x00, 0x34])
        XCTAssertEqual(try file.tensor(named: "i8").shape, [2, 2])
        let q8 = try file.tensor(named: "q8")
        XCTAssertEqual(q8.dtype, .q8_0)
        XCTAssertEqual(q8.shape, [2, 32])
        XCTAssertEqual(Array(q8.data.copyBytes().prefix(4)), [0x00, 0x38, 0xF0, 0xF1], "scale 0.5 as f16, then quants -16, -15")
    }

    func testWriterRejectsBadInput() throws {
        let path = try temporaryFolder(self).appendingPathComponent("bad.gguf").path
        func rejects(_ tensors: [TensorToWrite], metadata: [(key: String, value: GGUFValue)] = [], alignment: Int = 32, _ message: String) {
            XCTAssertThrowsError(try GGUFWriter.write(metadata: metadata, tensors: tensors, alignment: alignment, to: path)) { error in
                XCTAssertTrue("\(error)".contains(message), "\(error)")
            }
        }
        rejects([TensorToWrite(name: "q", dtype: .q4_0, shape: [2, 16], bytes: Array(repeating: 0, count: 18))], "not whole q4_0 blocks")
        rejects([TensorToWrite(name: "w", dtype: .f32, shape: [1, 1, 1, 1, 1], bytes: [0, 0, 0, 0])], "1 to 4 dimensions")
        rejects([TensorToWrite(name: "w", dtype: .f32, shape: [2], bytes: [0, 0, 0, 0])], "needs 8 bytes, got 4")
        rejects([], metadata: [("k", .array(elementType: .int32, values: [.string("x")]))], "an array of int32 holds a string")
        rejects([], metadata: [("k", .bool(true)), ("k", .bool(false))], "appears twice")
        rejects([], alignment: 48, "not a power of two")
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    /// The GGML ids are ggml.h's (`GGML_TYPE_F32 = 0`, `F16 = 1`, `Q4_0 = 2`, `Q8_0 = 8`, `I8 = 24`,
    /// `BF16 = 30`), and each type's sizes agree with MLPTensor's block layouts.
    func testGGMLTypesMatchDTypes() {
        XCTAssertEqual(DType.allCases.map { GGMLType($0).rawValue }, [0, 1, 30, 24, 8, 2])
        for dtype in DType.allCases {
            XCTAssertEqual(GGMLType(dtype).dtype, dtype)
            for elements in [0, 32, 64, 4096, 33] {
                XCTAssertEqual(GGMLType(dtype).byteCount(elements: elements), dtype.byteCount(elements: elements), "\(dtype) × \(elements)")
            }
        }
        XCTAssertNil(GGMLType(rawValue: 4).byteCount(elements: 32), "Q4_2 was removed from ggml")
    }

    func testUnsupportedTypeOpensButIsNotATensor() throws {
        // A Q4_K tensor (type 12, 256-element blocks of 144 bytes): the file opens, inspect can list it.
        var bytes = Array("GGUF".utf8) + littleEndianBytes(UInt32(3)) + littleEndianBytes(UInt64(1)) + littleEndianBytes(UInt64(0))
        bytes += littleEndianBytes(UInt64(1)) + Array("k".utf8) + littleEndianBytes(UInt32(1)) + littleEndianBytes(UInt64(256))
        bytes += littleEndianBytes(UInt32(12)) + littleEndianBytes(UInt64(0))
        bytes += Array(repeating: 0, count: (32 - bytes.count % 32) % 32) + Array(repeating: 0, count: 144)
        let path = try writeFile(bytes, named: "k.gguf", in: try temporaryFolder(self))
        let file = try GGUFFile(path: path)
        XCTAssertEqual(file.entries.first?.type.description, "Q4_K")
        XCTAssertEqual(file.entries.first?.byteRange.count, 144)
        XCTAssertThrowsError(try file.tensor(named: "k")) { error in
            XCTAssertTrue("\(error)".contains("'k' is Q4_K, which mlp cannot use"), "\(error)")
        }
    }
}
