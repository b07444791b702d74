import Foundation
import Hummingbird
import HummingbirdTesting
import MLPTrain
import Testing
@testable import MLPServe

@Suite struct InferenceServerTests {
    struct Fixture {
        let app: any ApplicationProtocol
        let metrics: ServeMetrics
        let modelPath: String
    }

    func fixture(token: String? = nil, maxBodyBytes: Int = 1 << 20) async throws -> Fixture {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: metrics))
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: .unbatched, metrics: metrics))
        let app = buildServeApplication(ServeSettings(host: "127.0.0.1", port: 0, token: token, maxBodyBytes: maxBodyBytes, serverVersion: "9.9"),
                                        models: models, metrics: metrics)
        return Fixture(app: app, metrics: metrics, modelPath: path)
    }

    static func json(_ response: TestResponse) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [String: Any])
    }

    static func errorMessage(_ response: TestResponse) throws -> String {
        try #require(try json(response)["error"] as? String)
    }

    static func body(_ text: String) -> ByteBuffer { ByteBuffer(string: text) }

    @Test func healthServerAndModelMetadataFollowTheProtocol() async throws {
        let fixture = try await fixture()
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/v2/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2", method: .get) { response in
                let server = try Self.json(response)
                #expect(server["name"] as? String == "mlp" && server["version"] as? String == "9.9" && (server["extensions"] as? [String]) == ["binary_tensor_data", "model_repository"])
            }
            try await client.execute(uri: "/v2/models/iris", method: .get) { response in
                #expect(response.status == .ok)
                let metadata = try JSONDecoder().decode(ModelMetadata.self, from: Data(response.body.readableBytesView))
                #expect(metadata.name == "iris" && metadata.versions == ["1", "2"] && metadata.platform == "mlp-tabular")
                #expect(metadata.inputs == [TensorMetadata(name: "features", datatype: .fp64, shape: [-1, 2])])
                #expect(metadata.outputs == [TensorMetadata(name: "label", datatype: .bytes, shape: [-1]),
                                             TensorMetadata(name: "probabilities", datatype: .fp64, shape: [-1, 3])])
            }
            try await client.execute(uri: "/v2/models/iris/versions/2", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/models/iris/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/models/iris/versions/2/ready", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/models/iris/versions/3/ready", method: .get) { response in
                #expect(response.status == .notFound)
                let message = try Self.errorMessage(response)
                #expect(message.contains("no version '3'"))
            }
            try await client.execute(uri: "/v2/models/nope", method: .get) { response in
                #expect(response.status == .notFound)
                let message = try Self.errorMessage(response)
                #expect(message.contains("no model 'nope' is served (models: 'iris')"))
            }
            try await client.execute(uri: "/v3/whatever", method: .get) { response in
                #expect(response.status == .notFound)
                let message = try Self.errorMessage(response)
                #expect(message.contains("no endpoint GET /v3/whatever"))
            }
        }
    }

    @Test func inferAnswersWhatTheModelFilePredicts() async throws {
        let fixture = try await fixture()
        let model = try ModelFile.load(path: fixture.modelPath)
        let rows: [[Double]] = [[-1.8, -0.9], [0.1, 0.0], [1.9, 0.8]]
        guard case .classification(let classes, let probabilities) = try model.predict(FeatureMatrix(rows: 3, columns: 2, values: rows.flatMap { $0 })) else {
            Issue.record("a logistic model classifies")
            return
        }
        let expectedLabels = probabilities.map { row in classes[row.indices.max { row[$0] < row[$1] }!] }
        #expect(expectedLabels == ["low", "mid", "high"])
        try await fixture.app.test(.router) { client in
            for (uri, datatype, data) in [("/v2/models/iris/infer", "FP64", "[[-1.8, -0.9], [0.1, 0.0], [1.9, 0.8]]"),
                                          ("/v2/models/iris/versions/2/infer", "FP32", "[-1.8, -0.9, 0.1, 0.0, 1.9, 0.8]")] {
                let request = #"{"id": "q1", "inputs": [{"name": "features", "shape": [3, 2], "datatype": "\#(datatype)", "data": \#(data)}]}"#
                try await client.execute(uri: uri, method: .post, body: Self.body(request)) { response in
                    #expect(response.status == .ok)
                    let answer = try JSONDecoder().decode(InferenceResponse.self, from: Data(response.body.readableBytesView))
                    #expect(answer.modelName == "iris" && answer.id == "q1" && answer.modelVersion == (uri.contains("versions/2") ? "2" : "1"))
                    #expect(answer.outputs.map(\.name) == ["label", "probabilities"])
                    #expect(answer.outputs[0] == .init(name: "label", shape: [3], datatype: .bytes, data: .strings(expectedLabels)))
                    #expect(answer.outputs[1].shape == [3, 3] && answer.outputs[1].datatype == .fp64)
                    if datatype == "FP64" { #expect(answer.outputs[1].data == .numbers(probabilities.flatMap { $0 })) }
                }
            }
            let onlyLabels = #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [[1.9, 0.8]]}], "outputs": [{"name": "label"}]}"#
            try await client.execute(uri: "/v2/models/iris/infer", method: .post, body: Self.body(onlyLabels)) { response in
                let answer = try JSONDecoder().decode(InferenceResponse.self, from: Data(response.body.readableBytesView))
                #expect(answer.outputs == [.init(name: "label", shape: [1], datatype: .bytes, data: .strings(["high"]))])
            }
        }
    }

    @Test func badRequestsGet4xxWithAMessageSayingWhatIsWrong() async throws {
        let fixture = try await fixture(maxBodyBytes: 4096)
        let cases: [(body: String, status: HTTPResponse.Status, message: String)] = [
            ("{not json", .badRequest, "not a valid inference request"),
            ("", .badRequest, "the request body is empty"),
            (#"{"inputs": [{"name": "features", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}"#, .badRequest, "must have shape [batch, 2]"),
            (#"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP64", "data": [1, 2, 3]}]}"#, .badRequest, "holds 4 elements but data has 3"),
            (#"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]}]}"#, .badRequest, "has datatype INT64, but the model takes FP32 or FP64"),
            (#"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]}]}"#, .badRequest, "has datatype BYTES"),
            (#"{"inputs": [{"name": "text", "shape": [1], "datatype": "BYTES", "data": ["a"]}]}"#, .badRequest, "the model has no input 'text'"),
            (#"{"inputs": []}"#, .badRequest, "input 'features' is missing"),
            (#"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}], "outputs": [{"name": "score"}]}"#, .badRequest, "no output 'score'"),
            (#"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64"}]}"#, .badRequest, "missing field .inputs[0].data"),
            (#"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}], "pad": "\#(String(repeating: "x", count: 5000))"}"#,
             .contentTooLarge, "larger than the server's limit of 4096 bytes"),
        ]
        try await fixture.app.test(.router) { client in
            for item in cases {
                try await client.execute(uri: "/v2/models/iris/infer", method: .post, body: Self.body(item.body)) { response in
                    #expect(response.status == item.status, "\(item.body.prefix(80))")
                    let message = try Self.json(response)["error"] as? String
                    #expect(message?.contains(item.message) == true, "\(message ?? "no error field") should say \(item.message)")
                }
            }
            try await client.execute(uri: "/v2/models/iris/infer", method: .get) { #expect($0.status.code / 100 == 4) }
        }
        let exposition = String(decoding: fixture.metrics.exposition(), as: UTF8.self)
        #expect(exposition.contains(#"mlp_inference_errors_total{model="iris",version="1",status="400"} 10"#))
        #expect(exposition.contains(#"mlp_inference_errors_total{model="iris",version="1",status="413"} 1"#))
    }

    @Test func theTokenGuardsEverythingButHealth() async throws {
        let fixture = try await fixture(token: "s3cret")
        let request = #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1.9, 0.8]}]}"#
        try await fixture.app.test(.router) { client in
            try await client.execute(uri: "/v2/health/live", method: .get) { #expect($0.status == .ok) }
            try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .ok) }
            for uri in ["/v2", "/v2/models/iris", "/v2/models/iris/ready", "/metrics"] {
                try await client.execute(uri: uri, method: .get) { response in
                    #expect(response.status == .unauthorized, "\(uri)")
                    #expect(response.headers[.wwwAuthenticate] == "Bearer")
                    let message = try Self.errorMessage(response)
                    #expect(message.contains("no Authorization header"))
                }
            }
            try await client.execute(uri: "/v2/models/iris/infer", method: .post, headers: [.authorization: "Bearer wrong"], body: Self.body(request)) { response in
                #expect(response.status == .unauthorized)
                let message = try Self.errorMessage(response)
                #expect(message.contains("the bearer token is wrong"))
            }
            try await client.execute(uri: "/v2/models/iris/infer", method: .post, headers: [.authorization: "Bearer s3cret"], body: Self.body(request)) {
                #expect($0.status == .ok)
            }
            try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer s3cret"]) { #expect($0.status == .ok) }
        }
    }

    @Test func metricsCountRequestsLatencyAndBatchSizesPerVersion() async throws {
        let fixture = try await fixture()
        let request = #"{"inputs": [{"name": "features", "shape": [2, 2], "datatype": "FP64", "data": [1.9, 0.8, 0, 0]}]}"#
        try await fixture.app.test(.router) { client in
            for _ in 0..<3 {
                try await client.execute(uri: "/v2/models/iris/versions/2/infer", method: .post, body: Self.body(request)) { #expect($0.status == .ok) }
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType]?.hasPrefix("text/plain") == true)
                let text = String(buffer: response.body)
                #expect(text.contains(#"mlp_inference_requests_total{model="iris",version="2"} 3"#))
                #expect(text.contains(#"mlp_inference_requests_total{model="iris",version="1"} 0"#))
                #expect(text.contains(#"mlp_inference_request_duration_seconds_count{model="iris",version="2"} 3"#))
                #expect(text.contains(#"mlp_batch_size_bucket{model="iris",version="2",le="2.0"} 3"#))
                #expect(text.contains(#"mlp_batch_size_bucket{model="iris",version="2",le="1.0"} 0"#))
                #expect(text.contains(#"mlp_forward_duration_seconds_count{model="iris",version="2"} 3"#))
            }
        }
    }
}
