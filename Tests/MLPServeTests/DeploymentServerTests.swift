import Foundation
import Hummingbird
import HummingbirdTesting
import Testing
@testable import MLPServe

/// A deployment behind the real HTTP server, routing between two loaded tabular model versions.
@Suite struct DeploymentServerTests {
    static let request = ByteBuffer(string: #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1.9, 0.8]}]}"#)

    static func answer(_ response: TestResponse) throws -> InferenceResponse {
        try JSONDecoder().decode(InferenceResponse.self, from: Data(response.body.readableBytesView))
    }

    @Test func aCanaryAndAShadowServeThroughTheProtocol() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let stable = try ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: .unbatched, metrics: metrics)
        let candidate = try ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: .unbatched, metrics: metrics)
        let deployment = DeploymentEndpoint(name: "iris", plan: RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: 50, stickyHeader: "X-User"), generation: 1),
                                            metrics: metrics)
        var models = ModelRepository()
        try models.addDeployment(deployment)
        let app = buildServeApplication(ServeSettings(port: 0), models: models, metrics: metrics)

        try await app.test(.router) { client in
            try await client.execute(uri: "/v2/models/iris", method: .get) { response in
                let metadata = try JSONDecoder().decode(ModelMetadata.self, from: Data(response.body.readableBytesView))
                #expect(metadata.name == "iris" && metadata.versions == ["1", "2"] && metadata.platform == "mlp-tabular")
            }
            try await client.execute(uri: "/v2/health/ready", method: .get) { #expect($0.status == .ok) }

            // Each user stays on one version; the header's name matches in any case.
            var byUser: [String: Set<String>] = [:]
            for round in 0..<3 {
                for user in 0..<40 {
                    let header = round == 2 ? "x-user" : "X-User"
                    try await client.execute(uri: "/v2/models/iris/infer", method: .post, headers: [HTTPFields.Element.Name(header)!: "u\(user)"], body: Self.request) { response in
                        #expect(response.status == .ok)
                        let answer = try Self.answer(response)
                        #expect(answer.modelName == "iris" && answer.outputs[0].data == .strings(["high"]))
                        byUser["u\(user)", default: []].insert(answer.modelVersion ?? "none")
                    }
                }
            }
            #expect(byUser.values.allSatisfy { $0.count == 1 }, "users answered by more than one version: \(byUser.filter { $0.value.count > 1 })")
            let onCandidate = byUser.values.filter { $0 == ["2"] }.count
            #expect(onCandidate > 0 && onCandidate < 40, "\(onCandidate) of 40 users on the candidate at 50 %")

            // Each version stays addressable.
            for version in ["1", "2"] {
                try await client.execute(uri: "/v2/models/iris/versions/\(version)/infer", method: .post, body: Self.request) { response in
                    let answer = try Self.answer(response)
                    #expect(answer.modelVersion == version)
                }
            }
            try await client.execute(uri: "/v2/models/iris/versions/3/infer", method: .post, body: Self.request) { response in
                #expect(response.status == .notFound)
                #expect(String(buffer: response.body).contains("versions: 1, 2"))
            }

            let stableRequests = metricValue(metrics, #"mlp_deployment_requests_total{deployment="iris",version="1",role="stable"}"#)
            let candidateRequests = metricValue(metrics, #"mlp_deployment_requests_total{deployment="iris",version="2",role="candidate"}"#)
            #expect(stableRequests == Double(3 * (40 - onCandidate)) && candidateRequests == Double(3 * onCandidate))
            // Per-version request counts follow the version that answered (plus one direct call each).
            #expect(metricValue(metrics, #"mlp_inference_requests_total{model="iris",version="2"}"#) == Double(3 * onCandidate + 1))
            #expect(metricValue(metrics, #"mlp_inference_requests_total{model="iris",version="1"}"#) == Double(3 * (40 - onCandidate) + 1))

            // Shadow: stable answers every caller; the identical candidate agrees on every copy.
            deployment.apply(RoutePlan(stable: stable, candidate: candidate, mode: .shadow, generation: 2))
            for _ in 0..<20 {
                try await client.execute(uri: "/v2/models/iris/infer", method: .post, headers: [HTTPFields.Element.Name("X-User")!: "u1"], body: Self.request) { response in
                    let answer = try Self.answer(response)
                    #expect(answer.modelVersion == "1")
                }
            }
            try await waitForShadows(deployment)
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains(#"mlp_shadow_requests_total{deployment="iris",outcome="agree"} 20"#))
                #expect(text.contains(#"mlp_shadow_requests_total{deployment="iris",outcome="disagree"} 0"#))
                #expect(text.contains(#"mlp_deployment_candidate_percent{deployment="iris"} 0"#))
            }

            // Promotion: the candidate becomes stable; the old version is no longer routed to.
            deployment.apply(RoutePlan(stable: candidate, generation: 3))
            try await client.execute(uri: "/v2/models/iris/infer", method: .post, body: Self.request) { response in
                let answer = try Self.answer(response)
                #expect(answer.modelVersion == "2")
            }
            try await client.execute(uri: "/v2/models/iris", method: .get) { response in
                let metadata = try JSONDecoder().decode(ModelMetadata.self, from: Data(response.body.readableBytesView))
                #expect(metadata.versions == ["2"])
            }
        }
    }
}
