import MLPModels
import XCTest

final class ModelFormatTests: XCTestCase {
    func testFormatsAreNamed() {
        XCTAssertEqual(ModelFormat.allCases.map(\.rawValue), ["safetensors", "gguf"])
    }
}
