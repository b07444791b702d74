import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import MLPServe

/// The V2 model repository extension: index, load, unload, per-model readiness, and unloads
/// racing infers.
@Suite struct ModelRepositoryExtensionTests {
    static let row = #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1.5, 0.5]}]}"#

    /// `iris` versions 1 (batched) and 2 (inline), read from a model file at `path`.
    static func repository(_ path: String, metrics: ServeMetrics) throws -> ModelRepository {
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: metrics))
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: .unbatched, metrics: metrics))
        return models
    }

    static func index(_ response: TestResponse) throws -> [[String: String]] {
        try #require(try JSONSerialization.jsonObject(with: Data(response.body.readableBytesView)) as? [[String: String]])
    }

    static func error(_ response: TestResponse) -> String {
        ((try? JSONSerialization.jsonObject(with: Data(response.body.readableBytesView))) as? [String: Any])?["error"] as? String ?? ""
    }

    @Test func indexLoadUnloadAndReadinessFollowTheExtension() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let app = buildServeApplication(ServeSettings(host: "127.0.0.1", port: 0), models: try Self.repository(path, metrics: metrics), metrics: metrics)
        // `.live`: the real server, so version 2's infers take the inline fast path.
        try await app.test(.live) { client in
            try await client.execute(uri: "/v2/repository/index", method: .post) { response in
                #expect(response.status == .ok)
                let index = try Self.index(response)
                #expect(index == [["name": "iris", "version": "1", "state": "READY", "reason": ""],
                                                     ["name": "iris", "version": "2", "state": "READY", "reason": ""]])
            }
            try await client.execute(uri: "/v2/repository/models/iris/unload", method: .post, body: ByteBuffer(string: #"{"parameters": {"unload_dependents": false}}"#)) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{}")
            }
            try await client.execute(uri: "/v2/repository/index", method: .post) { response in
                let index = try Self.index(response)
                #expect(index.map { $0["state"] } == ["UNAVAILABLE", "UNAVAILABLE"] && index.allSatisfy { $0["reason"] == "unloaded by request" })
            }
            try await client.execute(uri: "/v2/repository/index", method: .post, body: ByteBuffer(string: #"{"ready": true}"#)) { response in
                let index = try Self.index(response)
                #expect(index.isEmpty)
            }
            for uri in ["/v2/models/iris/ready", "/v2/models/iris/versions/2/ready"] {
                try await client.execute(uri: uri, method: .get) { #expect($0.status == .badRequest, "\(uri)") }
            }
            // An unloaded model is out of service on purpose: the server itself stays ready.
            try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .ok) }
            for uri in ["/v2/models/iris/infer", "/v2/models/iris/versions/1/infer", "/v2/models/iris/versions/2/infer"] {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: Self.row)) { response in
                    #expect(response.status == .serviceUnavailable, "\(uri)")
                    #expect(Self.error(response).contains("model 'iris' version") && Self.error(response).contains("is unloaded"), "\(uri)")
                }
            }
            // Metadata still answers (the last loaded model's), as Triton's does for an unloaded model.
            try await client.execute(uri: "/v2/models/iris", method: .get) { #expect($0.status == .ok) }

            try await client.execute(uri: "/v2/repository/models/iris/load", method: .post, body: ByteBuffer(string: "{}")) { response in
                #expect(response.status == .ok && String(buffer: response.body) == "{}")
            }
            try await client.execute(uri: "/v2/repository/index", method: .post, body: ByteBuffer(string: #"{"ready": true}"#)) { response in
                let index = try Self.index(response)
                #expect(index.map { $0["state"] } == ["READY", "READY"])
            }
            try await client.execute(uri: "/v2/models/iris/ready", method: .get) { #expect($0.status == .ok) }
            for uri in ["/v2/models/iris/infer", "/v2/models/iris/versions/2/infer"] {
                try await client.execute(uri: uri, method: .post, body: ByteBuffer(string: Self.row)) { response in
                    #expect(response.status == .ok, "\(uri): \(String(buffer: response.body))")
                    let answer = try JSONDecoder().decode(InferenceResponse.self, from: Data(response.body.readableBytesView))
                    #expect(answer.outputs.first?.data == .strings(["high"]))
                }
            }

            // Nothing a request names reaches the loader: no parameters (a path, a config) on load;
            // unknown models are 404s.
            try await client.execute(uri: "/v2/repository/models/iris/load", method: .post,
                                      body: ByteBuffer(string: #"{"parameters": {"file:1/model.json": "e30=", "config": "{}"}}"#)) { response in
                #expect(response.status == .badRequest && Self.error(response).contains("load takes no parameters (given: config, file:1/model.json)"))
            }
            for action in ["load", "unload"] {
                try await client.execute(uri: "/v2/repository/models/..%2Fetc/\(action)", method: .post) { #expect($0.status == .notFound) }
                try await client.execute(uri: "/v2/repository/models/nope/\(action)", method: .post) { response in
                    #expect(response.status == .notFound && Self.error(response).contains("no model 'nope' is served"))
                }
            }
            try await client.execute(uri: "/v2/repository/index", method: .post, body: ByteBuffer(string: "[1")) { response in
                #expect(response.status == .badRequest && Self.error(response).contains("send {} or leave it empty"))
            }
        }
    }

    @Test func aLoadThatFailsLeavesTheModelUnavailableWithTheReason() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let models = try Self.repository(path, metrics: metrics)
        let endpoint = try #require(models.reloadable("iris").last)
        #expect(endpoint.source.path == path && endpoint.state.state == .ready)
        try FileManager.default.removeItem(atPath: path)
        await #expect(throws: ModelServingError.self) { try await endpoint.load() }
        let (state, reason) = endpoint.state
        #expect(state == .unavailable && reason.contains("load failed") && reason.contains("does not exist"))
        #expect(await endpoint.isReady == false)
        #expect(throws: ServeError.self) { try endpoint.inferInline(featuresRequest([[1.5, 0.5]])) }
    }

    @Test func unloadsAndLoadsRacingInfersNeverCrashAndEveryInferIsAnsweredOrRefused() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let models = try Self.repository(path, metrics: metrics)
        let endpoints = models.reloadable("iris")
        #expect(endpoints.count == 2)
        let request = featuresRequest([[1.5, 0.5], [-1.8, -0.9]])
        let (answered, refused, loads) = try await withThrowingTaskGroup(of: (Int, Int, Int).self) { group in
            for worker in 0..<8 {
                group.addTask {
                    var answered = 0, refused = 0
                    for _ in 0..<400 {
                        do {
                            let answer: InferenceResponse
                            if worker % 2 == 0 { answer = try endpoints[1].inferInline(request) } else { answer = try await endpoints[worker % 4 == 1 ? 0 : 1].infer(request) }
                            #expect(answer.outputs.first?.data == .strings(["high", "low"]))
                            answered += 1
                        } catch let error as ServeError {
                            #expect(error.status == .serviceUnavailable && error.message.contains("is unloaded"))
                            refused += 1
                        }
                    }
                    return (answered, refused, 0)
                }
            }
            for _ in 0..<2 {
                group.addTask {
                    var loads = 0
                    for _ in 0..<20 {
                        for endpoint in endpoints { endpoint.unload() }
                        try await Task.sleep(for: .microseconds(200))
                        // Several loads at once share one.
                        try await withThrowingTaskGroup(of: Void.self) { loaders in
                            for endpoint in endpoints { for _ in 0..<3 { loaders.addTask { try await endpoint.load() } } }
                            try await loaders.waitForAll()
                        }
                        loads += 1
                    }
                    return (0, 0, loads)
                }
            }
            return try await group.reduce((0, 0, 0)) { ($0.0 + $1.0, $0.1 + $1.1, $0.2 + $1.2) }
        }
        #expect(answered + refused == 8 * 400 && loads == 40)
        #expect(answered > 0)
        for endpoint in endpoints { #expect(endpoint.state.state == .ready) }
        let last = try endpoints[1].inferInline(request)
        #expect(last.outputs.first?.data == .strings(["high", "low"]))
    }
}
