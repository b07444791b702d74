import Foundation
import MLPTensor
import XCTest

final class TensorTests: XCTestCase {
    func testShapesStridesAndViews() throws {
        let t = try Tensor(shape: [2, 3], values: [1, 2, 3, 4, 5, 6])
        XCTAssertEqual(t.strides, [3, 1])
        XCTAssertTrue(t.isContiguous)
        let transposed = try t.transposed()
        XCTAssertEqual(transposed.shape, [3, 2])
        XCTAssertFalse(transposed.isContiguous)
        XCTAssertEqual(try transposed.floats(), [1, 4, 2, 5, 3, 6])
        XCTAssertEqual(try t.rows(1..<2).floats(), [4, 5, 6])
        XCTAssertEqual(try t.columns(1..<3).floats(), [2, 3, 5, 6])
        XCTAssertEqual(try t.reshaped([3, 2]).floats(), [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try transposed.reshaped([6]))
        XCTAssertThrowsError(try t.reshaped([4]))
        XCTAssertThrowsError(try Tensor(shape: [2, 2], values: [1, 2, 3]))
        XCTAssertThrowsError(try Tensor(zeros: [-1]))
        XCTAssertEqual(try Tensor(shape: [0, 3], values: []).floats(), [])
        XCTAssertThrowsError(try Tensor(zeros: [Int.max, 4]))
        // A view shares storage: writing through the parent shows in the view.
        let view = try t.rows(1..<2)
        t.floatPointer[4] = 50
        XCTAssertEqual(try view.floats(), [4, 50, 6])
    }

    func testQuantizedRowsView() throws {
        var rng = SeededGenerator(seed: 12)
        let values = rng.floats(4 * 64)
        let q = try Tensor(shape: [4, 64], values: values).converted(to: .q8_0)
        XCTAssertEqual(try q.rows(2..<4).floats(), Array(try q.floats()[128...]))
        XCTAssertThrowsError(try q.transposed())
    }

    /// A tensor viewing a memory-mapped file reads the file's bytes in place.
    func testViewIntoMappedFile() throws {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tensor-\(UUID().uuidString).bin")
        defer { try? FileManager.default.removeItem(at: url) }
        var header = Data("HEAD".utf8)
        let values: [Float] = [1.5, -2, 3.25, 4, 0, 7]
        values.withUnsafeBytes { header.append(contentsOf: $0) }
        try header.write(to: url)
        let file = try MappedFile(path: url.path)
        let tensor = try Tensor(shape: [2, 3], dtype: .f32, storage: try file.storage(offset: 4, length: 24))
        XCTAssertEqual(try tensor.floats(), values)
        XCTAssertEqual(UnsafeRawPointer(tensor.baseAddress), file.baseAddress! + 4, "no copy: the tensor points into the mapping")
        XCTAssertFalse(tensor.storage.isWritable)
        XCTAssertThrowsError(try file.storage(offset: 4, length: 25))
        XCTAssertThrowsError(try file.storage(offset: Int.max, length: 2))
        XCTAssertThrowsError(try Tensor(shape: [7], dtype: .f32, storage: try file.storage(offset: 4, length: 24)))
        XCTAssertThrowsError(try MappedFile(path: url.path + ".missing"))
    }
}
