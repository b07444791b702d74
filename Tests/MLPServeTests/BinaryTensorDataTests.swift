import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing
@testable import MLPServe

/// The binary tensor data extension (issue 17): a JSON header whose length
/// `Inference-Header-Content-Length` gives, the inputs' bytes after it, and outputs asked for as
/// binary answered the same way.
@Suite struct BinaryTensorDataTests {
    /// A body: `json`, then `binary`; with the header's value, the JSON's length.
    static func body(_ json: String, _ binary: [UInt8]) -> (body: ByteBuffer, headerLength: String) {
        var buffer = ByteBuffer(string: json)
        buffer.writeBytes(binary)
        return (buffer, String(json.utf8.count))
    }

    static func littleEndian<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        values.flatMap { value in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
    }

    static func doubles(_ values: [Double]) -> [UInt8] { littleEndian(values.map(\.bitPattern)) }

    static func strings(_ values: [String]) -> [UInt8] {
        values.flatMap { littleEndian([UInt32($0.utf8.count)]) + Array($0.utf8) }
    }

    static func decode(_ json: String, _ binary: [UInt8], headerLength: String? = nil) throws -> InferenceRequest {
        let (body, length) = body(json, binary)
        return try InferenceBody.decode(body, binaryHeaderLength: headerLength ?? length)
    }

    @Test func everyDatatypeReadsFromItsBytesAsFromJSON() throws {
        let json = #"{"id": "b1", "inputs": ["#
            + #"{"name": "f64", "shape": [2, 2], "datatype": "FP64", "parameters": {"binary_data_size": 32}},"#
            + #"{"name": "json", "shape": [2], "datatype": "FP64", "data": [1.5, 2]},"#
            + #"{"name": "f32", "shape": [2], "datatype": "FP32", "parameters": {"binary_data_size": 8}},"#
            + #"{"name": "f16", "shape": [1], "datatype": "FP16", "parameters": {"binary_data_size": 2}},"#
            + #"{"name": "i64", "shape": [2], "datatype": "INT64", "parameters": {"binary_data_size": 16}},"#
            + #"{"name": "u8", "shape": [3], "datatype": "UINT8", "parameters": {"binary_data_size": 3}},"#
            + #"{"name": "i16", "shape": [1], "datatype": "INT16", "parameters": {"binary_data_size": 2}},"#
            + #"{"name": "b", "shape": [2], "datatype": "BOOL", "parameters": {"binary_data_size": 2}},"#
            + #"{"name": "text", "shape": [3], "datatype": "BYTES", "parameters": {"binary_data_size": 21}}"#
            + #"], "outputs": [{"name": "label", "parameters": {"binary_data": true}}]}"#
        let binary = Self.doubles([1, -2.5, 3e300, 0]) + Self.littleEndian([Float(0.25).bitPattern, Float(-7).bitPattern])
            + Self.littleEndian([Float16(1.5).bitPattern]) + Self.littleEndian([Int64(-9), Int64(1) << 40]) + [0, 7, 255]
            + Self.littleEndian([Int16(-300)]) + [1, 0] + Self.strings(["a b", "", "héllo"])
        let request = try Self.decode(json, binary)
        #expect(request.id == "b1" && request.outputs?.first?.name == "label")
        let data = Dictionary(uniqueKeysWithValues: request.inputs.map { ($0.name, $0.data) })
        #expect(data["f64"] == .numbers([1, -2.5, 3e300, 0]))
        #expect(data["json"] == .numbers([1.5, 2]))
        #expect(data["f32"] == .floats([0.25, -7]))
        #expect(data["f16"] == .floats([1.5]))
        #expect(data["i64"] == .numbers([-9, Double(Int64(1) << 40)]))
        #expect(data["u8"] == .numbers([0, 7, 255]))
        #expect(data["i16"] == .numbers([-300]))
        #expect(data["b"] == .bools([true, false]))
        #expect(data["text"] == .strings(["a b", "", "héllo"]))
        // The same header read by JSONDecoder (a null id makes the fast reader give up) means the same.
        let slow = try Self.decode(json.replacingOccurrences(of: #""id": "b1""#, with: #""id": null"#), binary)
        #expect(slow.inputs.map(\.data) == request.inputs.map(\.data))
        // A header that is the whole body: plain JSON data.
        let plain = try Self.decode(#"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [4]}]}"#, [])
        #expect(plain.inputs[0].data == .numbers([4]))
    }

    /// Each malformed body, refused with a 400 whose message names what is wrong.
    static let malformed: [(json: String, binary: [UInt8], header: String?, message: String)] = {
        func input(_ parameters: String, shape: String = "[2]", datatype: String = "FP64", data: String = "") -> String {
            #"{"inputs": [{"name": "x", "shape": \#(shape), "datatype": "\#(datatype)", "parameters": \#(parameters)\#(data)}]}"#
        }
        let two = doubles([1, 2])
        return [
            (input(#"{"binary_data_size": 16}"#), two, "abc", "Inference-Header-Content-Length header 'abc' is not a byte count"),
            (input(#"{"binary_data_size": 16}"#), two, "-5", "'-5' is not a byte count"),
            (input(#"{"binary_data_size": 16}"#), two, "", "'' is not a byte count"),
            (input(#"{"binary_data_size": 16}"#), two, "99999999999999999999999", "is not a byte count"),
            (input(#"{"binary_data_size": 16}"#), two, "100000", "says the JSON header is 100000 bytes, but the whole body is"),
            (input(#"{"binary_data_size": 16}"#), two, "0", "the request's JSON header is empty"),
            (input(#"{"binary_data_size": 16}"#), two, "10", "its first 10 bytes"),
            (input(#"{"binary_data_size": 24}"#), two, nil, "input 'x': binary_data_size 24 overruns the body: 16 bytes"),
            (input(#"{"binary_data_size": 8}"#), two, nil, "input 'x': binary_data_size 8 does not match shape [2] of FP64 (2 elements × 8 bytes = 16 bytes)"),
            (input(#"{"binary_data_size": 8}"#, shape: "[1]"), two, nil, "8 bytes after the inputs' binary data"),
            (input(#"{"binary_data_size": -16}"#), two, nil, "input 'x': parameters.binary_data_size -16.0 is not a byte count"),
            (input(#"{"binary_data_size": 1.5}"#), two, nil, "binary_data_size 1.5 is not a byte count"),
            (input(#"{"binary_data_size": "16"}"#), two, nil, "binary_data_size '16' is not a byte count"),
            (input(#"{"binary_data_size": 1e300}"#), two, nil, "overruns the body"),
            (input(#"{"binary_data_size": 16}"#, data: #", "data": [1, 2]"#), two, nil, "input 'x' has both data and parameters.binary_data_size"),
            (input(#"{}"#), two, nil, "input 'x' has neither data nor parameters.binary_data_size"),
            (input(#"{"binary_data_size": 16}"#, shape: "[-2]"), two, nil, "input 'x': shape [-2] has a negative dimension"),
            (input(#"{"binary_data_size": 16}"#, shape: "[4611686018427387904, 4]"), two, nil, "input 'x': shape [4611686018427387904, 4] has more elements than can be counted"),
            (input(#"{"binary_data_size": 16}"#, datatype: "FLOAT"), two, nil, "input 'x': datatype 'FLOAT' is not a protocol datatype"),
            (input(#"{"binary_data_size": 16}"#), doubles([1, .nan]), nil, "input 'x': element 1 is nan; send finite numbers"),
            (input(#"{"binary_data_size": 6}"#, datatype: "BYTES"), littleEndian([UInt32(9)]) + [1, 2], nil, "input 'x': BYTES element 0 says it is 9 bytes, but only 2"),
            (input(#"{"binary_data_size": 6}"#, datatype: "BYTES"), strings(["ab"]), nil, "shape [2] holds 2 elements but its binary data has 1 BYTES elements"),
            (input(#"{"binary_data_size": 7}"#, datatype: "BYTES"), strings(["ab"]) + [0], nil, "BYTES element 1 has a 1-byte length prefix"),
            (input(#"{"binary_data_size": 15}"#, shape: "[1]", datatype: "BYTES"), strings(["a", "b", "c"]), nil, "holds more than the 1 BYTES elements"),
            (input(#"{"binary_data_size": 5}"#, shape: "[1]", datatype: "BYTES"), littleEndian([UInt32(1)]) + [0xFF], nil, "BYTES element 0 is not UTF-8 text"),
            ("{not json", [], nil, "is not a valid inference request"),
        ]
    }()

    @Test func everySizeAndOffsetIsCheckedAgainstTheBody() throws {
        for bad in Self.malformed {
            let error = try #require(throws: ServeError.self, "\(bad.json) \(bad.header ?? "-")") {
                try Self.decode(bad.json, bad.binary, headerLength: bad.header)
            }
            #expect(error.status == .badRequest)
            #expect(error.message.contains(bad.message), "\(error.message)")
        }
    }

    @Test func aBinaryInputWithoutTheHeaderIsToldWhatIsMissing() throws {
        let json = #"{"inputs": [{"name": "x", "shape": [2], "datatype": "FP64", "parameters": {"binary_data_size": 16}}]}"#
        let error = try #require(throws: ServeError.self) { try InferenceBody.decode(ByteBuffer(string: json)) }
        #expect(error.message.contains("missing field .inputs[0].data") && error.message.contains("needs the Inference-Header-Content-Length header"))
    }

    @Test func outputsAskedForAsBinaryAreWrittenAfterTheJSON() throws {
        let response = InferenceResponse(modelName: "m", modelVersion: "1", id: "r", outputs: [
            .init(name: "label", shape: [2], datatype: .bytes, data: .strings(["yes", "no"])),
            .init(name: "probabilities", shape: [2, 2], datatype: .fp64, data: .numbers([0.25, 0.75, 1, 0])),
            .init(name: "embedding", shape: [1, 2], datatype: .fp32, data: .floats([0.5, -1])),
        ])
        func request(_ parameters: [String: ParameterValue]?, _ outputs: [(String, Bool?)]?) -> InferenceRequest {
            InferenceRequest(parameters: parameters, inputs: [], outputs: outputs?.map { name, binary in
                var output = InferenceRequest.RequestedOutput(name: name)
                output.parameters = binary.map { ["binary_data": .bool($0)] }
                return output
            })
        }
        // Not asked for: no binary answer, and the JSON path is not even looked at.
        #expect(!BinaryTensorData.mayWantBinary(request(nil, [("label", nil)])))
        #expect(BinaryTensorData.answer(response, to: request(nil, [("label", false)])) == nil)

        let (bytes, headerLength) = try #require(BinaryTensorData.answer(response, to: request(nil, [("label", true), ("probabilities", false), ("embedding", true)])))
        let json = try #require(try JSONSerialization.jsonObject(with: Data(bytes[..<headerLength])) as? [String: Any])
        let outputs = try #require(json["outputs"] as? [[String: Any]])
        #expect(json["model_name"] as? String == "m" && json["id"] as? String == "r")
        #expect((outputs[0]["parameters"] as? [String: Int]) == ["binary_data_size": 13] && outputs[0]["data"] == nil)
        #expect((outputs[1]["data"] as? [Double]) == [0.25, 0.75, 1, 0] && outputs[1]["parameters"] == nil)
        #expect((outputs[2]["parameters"] as? [String: Int]) == ["binary_data_size": 8])
        #expect(Array(bytes[headerLength...]) == Self.strings(["yes", "no"]) + Self.littleEndian([Float(0.5).bitPattern, Float(-1).bitPattern]))

        // binary_data_output: every output binary, unless one says otherwise; the bytes read back.
        let (all, allHeader) = try #require(BinaryTensorData.answer(response, to: request(["binary_data_output": .bool(true)], [("label", false)])))
        let allJSON = try #require(try JSONSerialization.jsonObject(with: Data(all[..<allHeader])) as? [String: Any])
        #expect(((allJSON["outputs"] as? [[String: Any]])?[0]["data"] as? [String]) == ["yes", "no"])
        #expect(Array(all[allHeader...]) == Self.doubles([0.25, 0.75, 1, 0]) + Self.littleEndian([Float(0.5).bitPattern, Float(-1).bitPattern]))
        // A value its datatype cannot hold is no binary answer (the JSON one says what is wrong).
        let bad = InferenceResponse(modelName: "m", modelVersion: nil, id: nil, outputs: [.init(name: "n", shape: [1], datatype: .int8, data: .numbers([300]))])
        #expect(BinaryTensorData.answer(bad, to: request(["binary_data_output": .bool(true)], nil)) == nil)
    }

    /// Over a live server, on the inline fast path (version 2, unbatched) and through the router
    /// (version 1, batched): the binary request is answered like its JSON twin, in binary.
    @Test func aLiveServerAnswersBinaryRequestsOnBothPaths() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: metrics))
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: .unbatched, metrics: metrics))
        let app = buildServeApplication(ServeSettings(host: "127.0.0.1", port: 0), models: models, metrics: metrics)
        let rows: [Double] = [1.5, 0.5, -1.8, -0.9]
        let header = #"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP64", "parameters": {"binary_data_size": 32}}], "parameters": {"binary_data_output": true}}"#
        let (body, length) = Self.body(header, Self.doubles(rows))
        let json = #"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP64", "data": [1.5, 0.5, -1.8, -0.9]}]}"#
        try await app.test(.live) { client in
            for uri in ["/v2/models/iris/infer", "/v2/models/iris/versions/2/infer"] {
                let expected = try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: json)) { response in
                    #expect(response.status == .ok && response.headers[HTTPFields.Element.Name("inference-header-content-length")!] == nil)
                    return try JSONDecoder().decode(InferenceResponse.self, from: Data(response.body.readableBytesView))
                }
                let headers: HTTPFields = [HTTPFields.Element.Name("Inference-Header-Content-Length")!: length]
                try await client.execute(uri: uri, method: .post, headers: headers, body: body) { response in
                    #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                    let answerHeader = try #require(response.headers[HTTPFields.Element.Name("inference-header-content-length")!].flatMap { Int($0) })
                    let bytes = Array(response.body.readableBytesView)
                    let answer = try #require(try JSONSerialization.jsonObject(with: Data(bytes[..<answerHeader])) as? [String: Any])
                    let outputs = try #require(answer["outputs"] as? [[String: Any]])
                    #expect(outputs.map { $0["name"] as? String } == expected.outputs.map(\.name))
                    let raw = expected.outputs.compactMap { BinaryTensorData.bytes(of: $0) }.flatMap { $0 }
                    #expect(Array(bytes[answerHeader...]) == raw, "\(uri)")
                }
                let bad = ByteBuffer(string: header)
                try await client.execute(uri: uri, method: .post, headers: headers, body: bad) { response in
                    #expect(response.status == .badRequest)
                    #expect(String(buffer: response.body).contains("input 'features': binary_data_size 32 overruns the body: 0 bytes"), "\(uri)")
                }
            }
        }
    }
}
