import Foundation
import MLPModels
import XCTest

final class ModelFileSummaryTests: XCTestCase {
    func testSummarizesBothFormatsFromTheirFirstBytes() throws {
        let safetensors = try ModelFileSummary(path: fixturesFolder.appendingPathComponent("python-numpy.safetensors").path)
        XCTAssertEqual(safetensors.format, .safetensors)
        XCTAssertNil(safetensors.version)
        XCTAssertEqual(safetensors.metadata.map(\.key), ["format", "source"])
        let weight = try XCTUnwrap(safetensors.tensors.first { $0.name == "weight" })
        XCTAssertEqual([weight.dtype, "\(weight.shape)", "\(weight.bytes)"], ["F32", "[3, 4]", "48"])
        XCTAssertEqual(safetensors.tensors.first { $0.name == "ids" }?.dtype, "I64")
        XCTAssertEqual(safetensors.tensorBytes, 48 + 4 + 24 + 4)

        let gguf = try ModelFileSummary(path: fixturesFolder.appendingPathComponent("python-gguf.gguf").path)
        XCTAssertEqual(gguf.format, .gguf)
        XCTAssertEqual(gguf.version, 3)
        XCTAssertEqual(gguf.metadata.first?.key, "general.architecture")
        XCTAssertEqual(gguf.tensors.map(\.dtype), ["F32", "F16", "I8", "Q8_0"])
        XCTAssertEqual(gguf.tensors.last?.shape, [2, 32])
        XCTAssertEqual(gguf.tensors.last?.bytes, 68)
    }

    func testOtherFilesAreRefusedWithTheReason() throws {
        let folder = try temporaryFolder(self)
        let text = try writeFile(Array("name,value\na,1\n".utf8), named: "data.csv", in: folder)
        XCTAssertThrowsError(try ModelFileSummary(path: text)) { error in
            XCTAssertTrue("\(error)".contains("neither starts with 'GGUF' nor has a JSON header at byte 8"), "\(error)")
        }
        XCTAssertThrowsError(try ModelFileSummary(path: folder.appendingPathComponent("missing.gguf").path)) { error in
            XCTAssertTrue("\(error)".contains("missing.gguf: open failed"), "\(error)")
        }
        XCTAssertThrowsError(try ModelFileSummary(path: folder.path)) { error in
            XCTAssertTrue("\(error)".contains("not a regular file"), "\(error)")
        }
    }
}
