import Foundation
import MLPModels
import XCTest

/// Hand-made malformed safetensors files: each must fail with the error that says what is wrong.
final class SafetensorsMalformedTests: XCTestCase {
    /// A file with `header` (padded to 8 bytes) and `dataLength` zero bytes of data.
    static func file(header: String, dataLength: Int) -> [UInt8] {
        var json = Array(header.utf8)
        json += Array(repeating: UInt8(ascii: " "), count: (8 - json.count % 8) % 8)
        return littleEndianBytes(UInt64(json.count)) + json + Array(repeating: 0, count: dataLength)
    }

    func error(opening bytes: [UInt8]) throws -> SafetensorsError? {
        let path = try writeFile(bytes, named: "x.safetensors", in: try temporaryFolder(self))
        do {
            _ = try SafetensorsFile(path: path)
            return nil
        } catch let error as SafetensorsError {
            return error
        }
    }

    func assertRejects(_ bytes: [UInt8], _ fragments: String..., line: UInt = #line) throws {
        guard let error = try error(opening: bytes) else { return XCTFail("the file opened", line: line) }
        for fragment in fragments {
            XCTAssertTrue(error.description.contains(fragment), "'\(error)' lacks '\(fragment)'", line: line)
        }
    }

    func testHeaderLengthChecks() throws {
        try assertRejects([1, 2, 3], "3 bytes, fewer than the 8-byte header length")
        try assertRejects(littleEndianBytes(UInt64(200_000_000)) + Array("{}".utf8), "header length 200000000", "over the 100000000-byte limit")
        try assertRejects(littleEndianBytes(UInt64.max) + Array("{}".utf8), "over the 100000000-byte limit")
        try assertRejects(littleEndianBytes(UInt64(1000)) + Array("{}      ".utf8), "header length 1000", "runs past the end of the 16-byte file")
    }

    func testHeaderMustBeJSONObject() throws {
        try assertRejects(Self.file(header: "[1, 2]", dataLength: 0), "must start with '{'")
        try assertRejects(littleEndianBytes(UInt64(8)) + [UInt8(ascii: "{"), 0xFF, 0xFE, 0x7D, 32, 32, 32, 32], "not valid UTF-8")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\"", dataLength: 0), "JSON header (from byte 8) is invalid")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1]}}", dataLength: 4), "missing key 'data_offsets'")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1.5], \"data_offsets\": [0, 4]}}", dataLength: 4), "JSON header (from byte 8) is invalid")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1e30], \"data_offsets\": [0, 4]}}", dataLength: 4), "JSON header (from byte 8) is invalid")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4, 8]}}", dataLength: 4), "two numbers")
        try assertRejects(Self.file(header: "{\"__metadata__\": {\"k\": 1}}", dataLength: 0), "'__metadata__'")
    }

    func testDTypeAndShapeChecks() throws {
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F33\", \"shape\": [1], \"data_offsets\": [0, 4]}}", dataLength: 4), "tensor 'a' has dtype 'F33'")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [-1], \"data_offsets\": [0, 4]}}", dataLength: 4), "tensor 'a' has shape [-1]")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [4294967296, 4294967296], \"data_offsets\": [0, 4]}}", dataLength: 4),
                          "tensor 'a'", "fit in 64 bits")
        // Elements fit but bytes overflow.
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F64\", \"shape\": [2305843009213693952], \"data_offsets\": [0, 8]}}", dataLength: 8),
                          "tensor 'a' spans 8 bytes")
    }

    func testOffsetChecks() throws {
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 0]}}", dataLength: 4),
                          "tensor 'a' has data_offsets [4, 0]", "begin <= end")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 8]}}", dataLength: 4),
                          "data_offsets [0, 8]", "<= 4")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 4]}}", dataLength: 4),
                          "tensor 'a' spans 4 bytes but its shape and dtype need 8")
        let overlap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [0, 8]}, \"b\": {\"dtype\": \"F32\", \"shape\": [2], \"data_offsets\": [4, 12]}}"
        try assertRejects(Self.file(header: overlap, dataLength: 12), "tensor 'b' (data offset 4) overlaps tensor 'a'")
        let gap = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}, \"b\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [8, 12]}}"
        try assertRejects(Self.file(header: gap, dataLength: 12), "tensor 'b' (data offset 8) leaves a gap after tensor 'a'")
        let late = "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [4, 8]}}"
        try assertRejects(Self.file(header: late, dataLength: 8), "'a', starts at data offset 4, not 0")
        try assertRejects(Self.file(header: "{\"a\": {\"dtype\": \"F32\", \"shape\": [1], \"data_offsets\": [0, 4]}}", dataLength: 6),
                          "end at data offset 4 but the data section holds 6 bytes")
    }

    /// The header's key order is not the bytes' order; the reader orders tensors by offset.
    func testHeaderOrderNeedNotBeOffsetOrder() throws {
        let swapped = "{\"b\": {\"dtype\": \"I8\", \"shape\": [4], \"data_offsets\": [0, 4]}, \"a\": {\"dtype\": \"I8\", \"shape\": [2], \"data_offsets\": [4, 6]}}"
        var bytes = Self.file(header: swapped, dataLength: 0)
        bytes += [1, 2, 3, 4, 5, 6]
        let path = try writeFile(bytes, named: "ok.safetensors", in: try temporaryFolder(self))
        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(file.entries.map(\.name), ["b", "a"])
        XCTAssertEqual(try file.tensor(named: "a").data.copyBytes(), [5, 6])
    }
}
