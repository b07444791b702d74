import Foundation
import MLPCore
import Testing
@testable import MLPServe

/// The fast request reader and response writer must mean exactly what the `Codable` path means.
@Suite struct FastJSONTests {
    func fast(_ text: String) -> InferenceRequest? {
        Array(text.utf8).withUnsafeBytes { InferenceRequestParser.parse($0) }
    }

    func canonical(_ request: InferenceRequest) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(request), as: UTF8.self)
    }

    /// Whether the fast reader either gave up or read what JSONDecoder reads (and gave up when JSONDecoder fails).
    func agrees(_ text: String) throws -> Bool {
        let slow = try? JSONDecoder().decode(InferenceRequest.self, from: Data(text.utf8))
        guard let quick = fast(text) else { return true }
        guard let slow else { return false }
        return try canonical(quick) == canonical(slow)
    }

    static let common = [
        #"{"inputs": [{"name": "features", "shape": [1, 3], "datatype": "FP64", "data": [0.5, -1e-3, 12]}]}"#,
        #"{"id":"r-1","inputs":[{"name":"features","shape":[2,2],"datatype":"FP32","data":[[1,2],[3.25,4E2]]}],"outputs":[{"name":"label"}]}"#,
        #"{"inputs": [{"name": "text", "shape": [2], "datatype": "BYTES", "data": ["héllo \"wörld\"\n", "\u00e9\ud83d\ude00 tab\t"]}]}"#,
        #"{"parameters": {"a": 1, "b": "x", "c": true}, "inputs": [{"name": "flags", "shape": [3], "datatype": "BOOL", "data": [true, false, true], "parameters": {"binary_data": false}}]}"#,
        #"{"inputs": [{"name": "features", "shape": [0, 3], "datatype": "FP64", "data": []}], "unknown": {"nested": [1, {"x": [true]}]}}"#,
        "  {\n\t\"inputs\" : [ { \"name\" : \"f\" , \"shape\" : [ 1 ] , \"datatype\" : \"INT64\" , \"data\" : [ -7 ] } ] }  ",
    ]

    @Test func theCommonRequestsAreReadFastAndMeanTheSame() throws {
        for text in Self.common {
            let quick = try #require(fast(text), "the fast reader gave up on \(text)")
            let slow = try JSONDecoder().decode(InferenceRequest.self, from: Data(text.utf8))
            #expect(try canonical(quick) == canonical(slow), "\(text)")
        }
    }

    @Test func numbersReadToTheSameBitsAsStrtod() throws {
        // Exact fast path (up to 15 digits, 10^±22) and strtod for the rest: both must give strtod's double.
        var random = SplitMix64(seed: 20261202)
        var texts = ["0", "-0", "0.0", "1e22", "1e23", "9007199254740993", "123456789012345", "1234567890123456", "0.1", "0.3",
                     "2.2250738585072014e-308", "4.9e-324", "1.7976931348623157e308", "17.99", "0.000001", "1E-22", "1e-23", "-3.5e+2"]
        for _ in 0..<4000 {
            let digits = Int(random.next() % 18) + 1
            var significand = String(random.next() % 9 + 1)
            for _ in 1..<digits { significand += String(random.next() % 10) }
            let point = Int(random.next() % UInt64(digits + 1))
            var text = point == 0 ? "0." + significand : point == digits ? significand : String(significand.prefix(point)) + "." + significand.dropFirst(point)
            if random.next() % 3 == 0 { text += (random.next() % 2 == 0 ? "e" : "E-") + String(random.next() % 31) }
            if random.next() % 2 == 0 { text = "-" + text }
            texts.append(text)
        }
        for text in texts {
            let body = #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": [\#(text)]}]}"#
            let request = try #require(fast(body), "the fast reader gave up on \(text)")
            guard case .numbers(let values) = request.inputs[0].data, let value = values.first else { Issue.record("no number for \(text)"); continue }
            let expected = try #require(Double(text))
            #expect(value.bitPattern == expected.bitPattern, "\(text): \(value) instead of \(expected)")
        }
    }

    @Test func unusualOrBrokenBodiesAreLeftToJSONDecoder() throws {
        let unusual = [
            #"{"id": null, "inputs": []}"#, #"{"inputs": [], "inputs": []}"#, #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": [1, "a"]}]}"#,
            #"{"inputs": [{"name": "f", "shape": [1.5], "datatype": "FP64", "data": [1]}]}"#, #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": [01]}]}"#,
            #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": [1e999]}]}"#, #"{"inputs": [{"name": "f"}]}"#, #"{"inputs": [] } x"#,
            #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": 5}]}"#, #"["#, "", #"{"inputs": [{"name": "\ud800", "shape": [1], "datatype": "FP64", "data": [1]}]}"#,
            #"{"inputs": [{"name": "f", "shape": [1], "datatype": "FP64", "data": "#.appending(String(repeating: "[", count: 40) + "1" + String(repeating: "]", count: 40) + "}]}"),
        ]
        for text in unusual {
            #expect(fast(text) == nil, "\(text)")
        }
        // Invalid UTF-8 inside a string.
        var bytes = Array(#"{"inputs": [{"name": "f", "shape": [1], "datatype": "BYTES", "data": ["x"]}]}"#.utf8)
        bytes[bytes.firstIndex(of: UInt8(ascii: "x"))!] = 0xFF
        #expect(bytes.withUnsafeBytes { InferenceRequestParser.parse($0) } == nil)
    }

    @Test func mutatedBodiesNeverMeanSomethingElse() throws {
        var generator = SplitMix64(seed: 20261202)   // fixed: a failure replays
        let alphabet = Array(#"{}[]",:0123456789.eE-+ tfnaslru\"#.utf8)
        for _ in 0..<1500 {
            var bytes = Array(Self.common.randomElement(using: &generator)!.utf8)
            for _ in 0..<Int.random(in: 1...4, using: &generator) {
                let position = Int.random(in: 0..<bytes.count, using: &generator)
                switch Int.random(in: 0..<3, using: &generator) {
                case 0: bytes[position] = alphabet.randomElement(using: &generator)!
                case 1: bytes.remove(at: position)
                default: bytes.insert(alphabet.randomElement(using: &generator)!, at: position)
                }
                if bytes.isEmpty { break }
            }
            let text = String(decoding: bytes, as: UTF8.self)
            guard Array(text.utf8) == bytes else { continue }
            #expect(try agrees(text), "\(text)")
        }
        // Truncations of a valid body never crash and never read as a request.
        let whole = Array(Self.common[1].utf8)
        for end in 0..<whole.count {
            #expect(Array(whole[..<end]).withUnsafeBytes { InferenceRequestParser.parse($0) } == nil)
        }
    }

    @Test func theWrittenResponseReadsBackAsTheSameResponse() throws {
        let response = InferenceResponse(modelName: "churn \"api\"", modelVersion: "2", id: "r\n1", outputs: [
            .init(name: "label", shape: [2], datatype: .bytes, data: .strings(["yes", "nø \\ / \u{01}"])),
            .init(name: "probabilities", shape: [2, 2], datatype: .fp64, data: .numbers([0.9999997537411134, 2.462588865982102e-07, 1, -0.0])),
            .init(name: "embedding", shape: [1, 3], datatype: .fp32, data: .floats([0.1, -3.4028235e38, 1e-45])),
            .init(name: "ok", shape: [1], datatype: .bool, data: .bools([true])),
        ])
        let bytes = try #require(response.jsonBytes())
        let read = try JSONDecoder().decode(InferenceResponse.self, from: Data(bytes))
        #expect(read.modelName == response.modelName && read.modelVersion == "2" && read.id == "r\n1")
        #expect(read.outputs[0] == response.outputs[0] && read.outputs[1] == response.outputs[1] && read.outputs[3] == response.outputs[3])
        guard case .numbers(let floats) = read.outputs[2].data else { Issue.record("floats read as \(read.outputs[2].data)"); return }
        #expect(floats.map { Float($0) } == [0.1, -3.4028235e38, 1e-45])
        let bare = InferenceResponse(modelName: "m", modelVersion: nil, id: nil, outputs: [])
        #expect(String(decoding: try #require(bare.jsonBytes()), as: UTF8.self) == #"{"model_name":"m","outputs":[]}"#)
        let infinite = InferenceResponse(modelName: "m", modelVersion: nil, id: nil, outputs: [.init(name: "x", shape: [1], datatype: .fp64, data: .numbers([.infinity]))])
        #expect(infinite.jsonBytes() == nil)
    }
}
