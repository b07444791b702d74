import Foundation
import MLPModels
import MLPTensor
import XCTest

final class SafetensorsTests: XCTestCase {
    func testRoundTripKeepsTensorsMetadataAndAlignment() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("model.safetensors").path
        let tensors = [
            TensorToWrite(name: "layer.weight", dtype: .f32, shape: [2, 3], bytes: float32Bytes([1, 2, 3, 4, 5, 6])),
            TensorToWrite(name: "a.bias", dtype: .f16, shape: [3], bytes: [0, 0x3C, 0, 0xC0, 0, 0x34]),
            TensorToWrite(name: "codes", dtype: .i8, shape: [5], bytes: [1, 0xFF, 3, 4, 5]),
            TensorToWrite(name: "scale", dtype: .bf16, shape: [], bytes: [0x80, 0x3F]),
            TensorToWrite(name: "empty", dtype: .f32, shape: [0, 7], bytes: []),
        ]
        try SafetensorsWriter.write(tensors, metadata: ["format": "pt", "note": "round trip"], to: path)

        let file = try SafetensorsFile(path: path)
        XCTAssertEqual(file.metadata, ["format": "pt", "note": "round trip"])
        XCTAssertEqual(file.dataStart % 8, 0, "the header is padded so the data section is 8-aligned")
        // Written in name order, so offset order is name order.
        XCTAssertEqual(file.entries.map(\.name), ["a.bias", "codes", "empty", "layer.weight", "scale"])
        for original in tensors {
            let tensor = try file.tensor(named: original.name)
            XCTAssertEqual(tensor.dtype, original.dtype)
            XCTAssertEqual(tensor.shape, original.shape)
            XCTAssertEqual(tensor.data.copyBytes(), original.bytes, original.name)
        }
        XCTAssertEqual(try file.tensor(named: "scale").elementCount, 1)
        XCTAssertThrowsError(try file.tensor(named: "missing")) { error in
            XCTAssertEqual(error as? SafetensorsError, .tensorNotFound(path: path, tensor: "missing"))
        }
        let header = try Data(contentsOf: URL(fileURLWithPath: path))[8..<file.dataStart]
        let text = String(decoding: header, as: UTF8.self)
        XCTAssertEqual(text.trimmingCharacters(in: .init(charactersIn: " ")).last, "}", "the header is JSON padded with spaces only")
        // No temporary files are left beside the written one.
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: folder.path), ["model.safetensors"])
    }

    func testTensorsOutliveTheReader() throws {
        let folder = try temporaryFolder(self)
        let path = folder.appendingPathComponent("t.safetensors").path
        try SafetensorsWriter.write([TensorToWrite(name: "w", dtype: .f32, shape: [4], bytes: float32Bytes([9, 8, 7, 6]))], to: path)
        var tensor: ModelTensor? = try SafetensorsFile(path: path).tensor(named: "w")
        try FileManager.default.removeItem(atPath: path)
        XCTAssertEqual(tensor?.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, [9, 8, 7, 6])
        tensor = nil
    }

    func testWriterRejectsBadTensors() throws {
        let path = try temporaryFolder(self).appendingPathComponent("bad.safetensors").path
        XCTAssertThrowsError(try SafetensorsWriter.write([TensorToWrite(name: "w", dtype: .f32, shape: [2], bytes: [0, 0, 0])], to: path)) { error in
            XCTAssertTrue("\(error)".contains("needs 8 bytes, got 3"), "\(error)")
        }
        XCTAssertThrowsError(try SafetensorsWriter.write([TensorToWrite(name: "q", dtype: .q8_0, shape: [32], bytes: Array(repeating: 0, count: 34))], to: path)) { error in
            XCTAssertTrue("\(error)".contains("safetensors cannot hold q8_0"), "\(error)")
        }
        let twice = TensorToWrite(name: "w", dtype: .i8, shape: [1], bytes: [1])
        XCTAssertThrowsError(try SafetensorsWriter.write([twice, twice], to: path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: path), "a failed write leaves no file")
    }

    /// A file written by the reference `safetensors` package (scripts/format_fixtures.py).
    func testReadsFileWrittenByPythonSafetensors() throws {
        let file = try SafetensorsFile(path: fixturesFolder.appendingPathComponent("python-numpy.safetensors").path)
        XCTAssertEqual(file.metadata["format"], "np")
        let weight = try file.tensor(named: "weight")
        XCTAssertEqual(weight.dtype, .f32)
        XCTAssertEqual(weight.shape, [3, 4])
        XCTAssertEqual(weight.data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }, (0..<12).map(Float.init))
        XCTAssertEqual(try file.tensor(named: "bias").data.copyBytes(), [0x00, 0x38, 0x00, 0xBE], "f16 0.5 and -1.5")
        XCTAssertEqual(try file.tensor(named: "scalar").shape, [])
        XCTAssertEqual(try file.tensor(named: "empty").shape, [0, 4])
        XCTAssertEqual(file.entry(named: "ids")?.storedType, .i64)
        XCTAssertThrowsError(try file.tensor(named: "ids")) { error in
            XCTAssertTrue("\(error)".contains("'ids' is I64, which mlp cannot use"), "\(error)")
        }
        XCTAssertEqual(try file.rawBytes(named: "ids").count, 24)
    }

    /// The real all-MiniLM-L6-v2 weights (fetched by scripts/fetch-model.sh; skipped without them).
    func testReadsMiniLMWeights() throws {
        guard let folder = miniLMFolder() else { throw XCTSkip("all-MiniLM-L6-v2 not fetched: run scripts/fetch-model.sh or set MLP_MINILM_DIR") }
        let file = try SafetensorsFile(path: folder.appendingPathComponent("model.safetensors").path)
        XCTAssertEqual(file.entries.count, 104)
        let embeddings = try file.tensor(named: "embeddings.word_embeddings.weight")
        XCTAssertEqual(embeddings.shape, [30522, 384])
        XCTAssertEqual(embeddings.dtype, .f32)
        XCTAssertEqual(embeddings.data.count, 30522 * 384 * 4)
        XCTAssertEqual(file.entries.last?.byteRange.upperBound, file.fileSize)
    }
}
