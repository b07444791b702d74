import Foundation
@testable import MLPModels
import MLPTensor
import XCTest

/// The seeds of the safetensors and GGUF fuzz targets (Fuzz/Corpus) are valid files: each opens
/// and every tensor in it reads as floats, so the fuzzers start from files the readers accept.
final class FuzzSeedTests: XCTestCase {
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus")

    func seeds(_ target: String) throws -> [String] {
        let folder = Self.corpus.appendingPathComponent(target)
        let names = try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted()
        XCTAssertGreaterThanOrEqual(names.count, 2, "\(target) has too few seeds")
        return names.map { folder.appendingPathComponent($0).path }
    }

    func testSafetensorsSeedsOpenAndEveryTensorReads() throws {
        for path in try seeds("FuzzSafetensors") {
            let file = try SafetensorsFile(path: path)
            XCTAssertFalse(file.entries.isEmpty, path)
            for entry in file.entries where entry.storedType.dtype != nil {
                XCTAssertEqual(try file.tensor(named: entry.name).tensorView().floats().count, entry.shape.reduce(1, *), "\(path): \(entry.name)")
            }
        }
    }

    func testGGUFSeedsOpenAndEveryTensorReads() throws {
        for path in try seeds("FuzzGGUF") {
            let file = try GGUFFile(path: path)
            XCTAssertFalse(file.entries.isEmpty, path)
            for entry in file.entries {
                XCTAssertEqual(try file.tensor(named: entry.name).tensorView().floats().count, entry.dimensions.reduce(1, *), "\(path): \(entry.name)")
            }
        }
    }
}
