import MLPTensor
import XCTest

final class DTypeTests: XCTestCase {
    func testBlockSizes() {
        XCTAssertEqual(DType.q8_0.byteCount(elements: 64), 68)
        XCTAssertEqual(DType.q4_0.byteCount(elements: 32), 18)
        XCTAssertEqual(DType.f16.byteCount(elements: 3), 6)
        XCTAssertNil(DType.q4_0.byteCount(elements: 33))
        XCTAssertNil(DType.f32.byteCount(elements: Int.max))
    }
}
