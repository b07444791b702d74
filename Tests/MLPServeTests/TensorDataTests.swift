import Foundation
import Testing
@testable import MLPServe

@Suite struct TensorDataTests {
    func decode(_ json: String) throws -> InferenceRequest {
        try JSONDecoder().decode(InferenceRequest.self, from: Data(json.utf8))
    }

    @Test func flatAndNestedDataDecodeToTheSameRowMajorElements() throws {
        let flat = try decode(#"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP32", "data": [1, 2.5, -3, 4]}]}"#)
        let nested = try decode(#"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP32", "data": [[1, 2.5], [-3, 4]]}]}"#)
        #expect(flat.inputs[0].data == .numbers([1, 2.5, -3, 4]))
        #expect(nested.inputs[0].data == flat.inputs[0].data)
        let text = try decode(#"{"id": "r1", "inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["a b", ""]}], "outputs": [{"name": "embedding"}]}"#)
        #expect(text.inputs[0].data == .strings(["a b", ""]) && text.id == "r1" && text.outputs?.first?.name == "embedding")
        let bools = try decode(#"{"inputs": [{"name": "b", "shape": [1, 2], "datatype": "BOOL", "data": [[true, false]]}]}"#)
        #expect(bools.inputs[0].data == .bools([true, false]))
    }

    @Test func mixedOrMalformedDataIsRefused() throws {
        #expect(throws: DecodingError.self) { try decode(#"{"inputs": [{"name": "f", "shape": [2], "datatype": "FP32", "data": [1, "two"]}]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP32", "data": [null]}]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP32", "data": 3}]}"#) }
        #expect(throws: DecodingError.self) { try decode(#"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP32"}]}"#) }
    }

    @Test func validationChecksDatatypeShapeAndRange() throws {
        func check(_ datatype: String, _ shape: [Int], _ data: TensorData, allowed: [TensorDatatype] = [.fp32, .fp64]) throws -> TensorDatatype {
            var input = InferenceRequest.InputTensor(name: "features", shape: shape, datatype: .fp32, data: data)
            input.datatype = datatype
            return try input.validated(allowed: allowed)
        }
        #expect(try check("FP64", [2, 2], .numbers([1, 2, 3, 4])) == .fp64)
        let shape = try #require(throws: ServeError.self) { try check("FP32", [3, 2], .numbers([1, 2, 3, 4])) }
        #expect(shape.status == .badRequest && shape.message.contains("holds 6 elements but data has 4"))
        let unknown = try #require(throws: ServeError.self) { try check("FLOAT", [1], .numbers([1])) }
        #expect(unknown.message.contains("'FLOAT' is not a protocol datatype"))
        let wrongType = try #require(throws: ServeError.self) { try check("INT32", [1], .numbers([1])) }
        #expect(wrongType.message.contains("INT32, but the model takes FP32 or FP64"))
        let strings = try #require(throws: ServeError.self) { try check("FP32", [1], .strings(["1"])) }
        #expect(strings.message.contains("must be numbers, not strings"))
        let negative = try #require(throws: ServeError.self) { try check("FP32", [-1, 2], .numbers([1, 2])) }
        #expect(negative.message.contains("negative dimension"))
        let overflow = try #require(throws: ServeError.self) { try check("FP32", [Int.max, 3], .numbers([1])) }
        #expect(overflow.message.contains("more elements than can be counted"))
        let fraction = try #require(throws: ServeError.self) { try check("INT8", [1], .numbers([1.5]), allowed: [.int8]) }
        #expect(fraction.message.contains("not a INT8 value"))
        let range = try #require(throws: ServeError.self) { try check("UINT8", [1], .numbers([300]), allowed: [.uint8]) }
        #expect(range.message.contains("not a UINT8 value"))
        let fp32 = try #require(throws: ServeError.self) { try check("FP32", [1], .numbers([1e300])) }
        #expect(fp32.message.contains("out of the FP32 range"))
    }
}
