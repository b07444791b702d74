import Foundation
import MLPModels
import XCTest

/// Builds GGUF bytes field by field, so a test can write exactly the malformed field it checks.
struct GGUFBytes {
    var bytes: [UInt8] = []

    static func header(tensors: UInt64, keys: UInt64, version: UInt32 = 3) -> GGUFBytes {
        var builder = GGUFBytes()
        builder.bytes = Array("GGUF".utf8)
        builder.u32(version)
        builder.u64(tensors)
        builder.u64(keys)
        return builder
    }

    mutating func u8(_ value: UInt8) { bytes.append(value) }
    mutating func u32(_ value: UInt32) { bytes += littleEndianBytes(value) }
    mutating func u64(_ value: UInt64) { bytes += littleEndianBytes(value) }
    mutating func string(_ value: String) {
        u64(UInt64(value.utf8.count))
        bytes += Array(value.utf8)
    }
    mutating func tensorInfo(_ name: String, dimensions: [UInt64], type: UInt32, offset: UInt64) {
        string(name)
        u32(UInt32(dimensions.count))
        for dimension in dimensions { u64(dimension) }
        u32(type)
        u64(offset)
    }
    mutating func align(_ alignment: Int = 32) {
        bytes += Array(repeating: 0, count: (alignment - bytes.count % alignment) % alignment)
    }
    mutating func data(_ count: Int) { bytes += Array(repeating: 0, count: count) }
}

/// Hand-made malformed GGUF files: each must fail with the error that says what is wrong and where.
final class GGUFMalformedTests: XCTestCase {
    func assertRejects(_ builder: GGUFBytes, _ fragments: String..., line: UInt = #line) throws {
        let path = try writeFile(builder.bytes, named: "x.gguf", in: try temporaryFolder(self))
        do {
            _ = try GGUFFile(path: path)
            XCTFail("the file opened", line: line)
        } catch let error as GGUFError {
            for fragment in fragments {
                XCTAssertTrue(error.description.contains(fragment), "'\(error)' lacks '\(fragment)'", line: line)
            }
        }
    }

    /// One F32 tensor `t` of `dimensions` at `offset`, with `extra` bytes of data.
    func oneTensor(dimensions: [UInt64] = [4], type: UInt32 = 0, offset: UInt64 = 0, data: Int = 16) -> GGUFBytes {
        var file = GGUFBytes.header(tensors: 1, keys: 0)
        file.tensorInfo("t", dimensions: dimensions, type: type, offset: offset)
        file.align()
        file.data(data)
        return file
    }

    func testHeaderChecks() throws {
        var wrongMagic = GGUFBytes.header(tensors: 0, keys: 0)
        wrongMagic.bytes[0] = UInt8(ascii: "L")
        try assertRejects(wrongMagic, "not a GGUF file", "4c 47 55 46")
        try assertRejects(GGUFBytes.header(tensors: 0, keys: 0, version: 2), "GGUF version 2 at byte 4", "reads version 3")
        try assertRejects(GGUFBytes.header(tensors: UInt64.max, keys: 0), "tensor_count is 18446744073709551615", "over the limit")
        try assertRejects(GGUFBytes.header(tensors: 0, keys: 1 << 40), "metadata_kv_count is 1099511627776")
        try assertRejects(GGUFBytes.header(tensors: 1000, keys: 1000), "needs 36000 bytes but the file ends at byte 24")
    }

    func testStringAndArrayLengthsAreCheckedBeforeAllocating() throws {
        var hugeKey = GGUFBytes.header(tensors: 0, keys: 1)
        hugeKey.u64(1 << 62)
        hugeKey.bytes += Array("key".utf8) + Array(repeating: 0, count: 9)
        try assertRejects(hugeKey, "metadata key 0 at byte 32 needs 4611686018427387904 bytes")

        var hugeString = GGUFBytes.header(tensors: 0, keys: 1)
        hugeString.string("name")
        hugeString.u32(8)
        hugeString.u64(UInt64.max)
        try assertRejects(hugeString, "string value of 'name'", "needs 18446744073709551615 bytes")

        var hugeArray = GGUFBytes.header(tensors: 0, keys: 1)
        hugeArray.string("list")
        hugeArray.u32(9)
        hugeArray.u32(4)
        hugeArray.u64(1 << 60)
        try assertRejects(hugeArray, "1152921504606846976 array elements of 'list'")

        var overflowingArray = GGUFBytes.header(tensors: 0, keys: 1)
        overflowingArray.string("list")
        overflowingArray.u32(9)
        overflowingArray.u32(9)
        overflowingArray.u64(UInt64.max / 4)
        try assertRejects(overflowingArray, "array elements of 'list'")
    }

    func testValueChecks() throws {
        var badType = GGUFBytes.header(tensors: 0, keys: 1)
        badType.string("k")
        badType.u32(13)
        try assertRejects(badType, "metadata key 'k': value type 13 at byte 33")

        var badBool = GGUFBytes.header(tensors: 0, keys: 1)
        badBool.string("flag")
        badBool.u32(7)
        badBool.u8(2)
        try assertRejects(badBool, "'flag': bool at byte 40 is 2")

        var badUTF8 = GGUFBytes.header(tensors: 0, keys: 1)
        badUTF8.u64(2)
        badUTF8.bytes += [0xC3, 0x28]
        badUTF8.u32(0)
        badUTF8.u8(0)
        try assertRejects(badUTF8, "metadata key 0 at byte 24 is not valid UTF-8")

        var twice = GGUFBytes.header(tensors: 0, keys: 2)
        for _ in 0..<2 {
            twice.string("k")
            twice.u32(0)
            twice.u8(1)
        }
        try assertRejects(twice, "metadata key 'k' at byte 38 appears twice")

        var deep = GGUFBytes.header(tensors: 0, keys: 1)
        deep.string("deep")
        deep.u32(9)
        for _ in 0..<9 {
            deep.u32(9)
            deep.u64(1)
        }
        deep.bytes += Array(repeating: 0, count: 64)
        try assertRejects(deep, "'deep': arrays nest deeper than 8 levels")
    }

    func testAlignmentChecks() throws {
        for (type, payload, fragment) in [(UInt32(4), littleEndianBytes(UInt32(0)), "is 0"), (4, littleEndianBytes(UInt32(24)), "is 24"),
                                          (8, [UInt8](), "is a string, not a uint32")] {
            var file = GGUFBytes.header(tensors: 0, keys: 1)
            file.string("general.alignment")
            file.u32(type)
            if type == 8 { file.string("32") } else { file.bytes += payload }
            try assertRejects(file, "general.alignment \(fragment)")
        }
    }

    func testTensorInfoChecks() throws {
        try assertRejects(oneTensor(dimensions: [1, 1, 1, 1, 1]), "tensor 't' has 5 dimensions (at byte 33)")
        try assertRejects(oneTensor(dimensions: [4, 0]), "tensor 't' dimension 1 is 0")
        try assertRejects(oneTensor(dimensions: [UInt64.max]), "dimension 0 is 18446744073709551615")
        try assertRejects(oneTensor(dimensions: [1 << 32, 1 << 32]), "tensor 't' with dimensions [4294967296, 4294967296]", "fit in 64 bits")
        try assertRejects(oneTensor(dimensions: [1 << 62]), "tensor 't' with dimensions [4611686018427387904]")
        try assertRejects(oneTensor(type: 99), "tensor 't' has GGML type id 99")
        try assertRejects(oneTensor(dimensions: [16], type: 8), "rows of 16 elements, not a multiple of its block size 32")
        try assertRejects(oneTensor(offset: 8), "tensor 't' data offset 8 is not a multiple of the alignment 32")
        try assertRejects(oneTensor(offset: 32), "tensor 't' spans data offsets 32..<32+16, past the 16-byte data section")
        try assertRejects(oneTensor(data: 15), "past the 15-byte data section")
        try assertRejects(oneTensor(offset: 1 << 63 + 0), "data offsets 9223372036854775808")

        var twoOverlapping = GGUFBytes.header(tensors: 2, keys: 0)
        twoOverlapping.tensorInfo("first", dimensions: [16], type: 0, offset: 0)
        twoOverlapping.tensorInfo("second", dimensions: [4], type: 0, offset: 32)
        twoOverlapping.align()
        twoOverlapping.data(64)
        try assertRejects(twoOverlapping, "tensor 'second' (data offset 32) overlaps tensor 'first' (which ends at data offset 64)")

        var duplicate = GGUFBytes.header(tensors: 2, keys: 0)
        duplicate.tensorInfo("same", dimensions: [4], type: 0, offset: 0)
        duplicate.tensorInfo("same", dimensions: [4], type: 0, offset: 32)
        duplicate.align()
        duplicate.data(64)
        try assertRejects(duplicate, "two tensors are named 'same'")

        var noPadding = GGUFBytes.header(tensors: 1, keys: 0)
        noPadding.tensorInfo("t", dimensions: [4], type: 0, offset: 0)
        try assertRejects(noPadding, "the padding before the data section")
    }

    func testTensorsInAnyInfoOrderWithGapsAreFine() throws {
        var file = GGUFBytes.header(tensors: 2, keys: 0)
        file.tensorInfo("later", dimensions: [4], type: 0, offset: 64)
        file.tensorInfo("earlier", dimensions: [4], type: 24, offset: 0)
        file.align()
        file.data(80)
        let path = try writeFile(file.bytes, named: "ok.gguf", in: try temporaryFolder(self))
        let opened = try GGUFFile(path: path)
        XCTAssertEqual(opened.entries.map(\.name), ["later", "earlier"])
        XCTAssertEqual(try opened.tensor(named: "earlier").dtype, .i8)
    }
}
