import Foundation
import Hummingbird

/// The Open Inference Protocol's model endpoints: server metadata, model metadata, model
/// readiness and infer, each with and without `/versions/{v}`.
struct InferenceController<Context: RequestContext> {
    let models: ModelRepository
    let metrics: ServeMetrics
    let server: ServerMetadata
    let maxBodyBytes: Int
    var requestLogs: RequestLogs? = nil

    private struct Ready: Encodable { let name: String; let ready: Bool }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("v2") { _, _ in try JSONAnswer.encode(server) }
        group.get("v2/models/:name") { _, context in try metadata(context, versioned: false) }
        group.get("v2/models/:name/versions/:version") { _, context in try metadata(context, versioned: true) }
        group.get("v2/models/:name/ready") { _, context in try await ready(context, versioned: false) }
        group.get("v2/models/:name/versions/:version/ready") { _, context in try await ready(context, versioned: true) }
        group.post("v2/models/:name/infer") { request, context in try await infer(request, context, versioned: false) }
        group.post("v2/models/:name/versions/:version/infer") { request, context in try await infer(request, context, versioned: true) }
    }

    private func endpoint(_ context: Context, versioned: Bool) throws -> any ModelEndpoint {
        let name = try context.parameters.require("name")
        return try models.endpoint(name, version: versioned ? try context.parameters.require("version") : nil)
    }

    private func metadata(_ context: Context, versioned: Bool) throws -> Response {
        let endpoint = try endpoint(context, versioned: versioned)
        var metadata = endpoint.metadata
        metadata.versions = models.versions(of: endpoint.name)
        return try JSONAnswer.encode(metadata)
    }

    private func ready(_ context: Context, versioned: Bool) async throws -> Response {
        let endpoint = try endpoint(context, versioned: versioned)
        guard await endpoint.isReady else {
            return JSONAnswer.error(.badRequest, "model '\(endpoint.name)' version \(endpoint.version) is not ready")
        }
        return try JSONAnswer.encode(Ready(name: endpoint.name, ready: true))
    }

    private func infer(_ request: Request, _ context: Context, versioned: Bool) async throws -> Response {
        let started = ContinuousClock.now
        let endpoint: any ModelEndpoint
        do { endpoint = try self.endpoint(context, versioned: versioned) } catch let error as ServeError {
            metrics.recordError(model: "unknown", version: "", status: Int(error.status.code))
            throw error
        }
        func seconds() -> Double {
            let elapsed = ContinuousClock.now - started
            return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
        }
        var version = endpoint.version
        do {
            let body = try await collectBody(request)
            let headerLength = request.headers[values: HTTPFields.Element.Name(BinaryTensorData.headerName)!].first
            let inference = try InferenceBody.decode(body, binaryHeaderLength: headerLength)
            let answer: InferenceResponse
            if let deployment = endpoint as? DeploymentEndpoint {
                let routed = await deployment.route(inference, routingKey: Self.routingKey(request, deployment))
                version = routed.version
                answer = try routed.result.get()
            } else {
                answer = try await endpoint.infer(inference)
            }
            requestLogs?.record(model: endpoint.name, request: inference, response: answer, version: answer.modelVersion ?? version)
            let response = try JSONAnswer.inference(answer, to: inference)
            metrics.recordRequest(model: endpoint.name, version: answer.modelVersion ?? version, seconds: seconds(), errorStatus: nil)
            return response
        } catch {
            metrics.recordRequest(model: endpoint.name, version: version, seconds: seconds(), errorStatus: DeploymentEndpoint.httpStatus(of: error))
            throw error
        }
    }

    /// The value of the deployment's sticky header in `request` (header names match regardless
    /// of case), or nil.
    static func routingKey(_ request: Request, _ deployment: DeploymentEndpoint) -> String? {
        guard let header = deployment.stickyHeader?.lowercased() else { return nil }
        return request.headers.first { $0.name.canonicalName == header }?.value
    }

    private func collectBody(_ request: Request) async throws -> ByteBuffer {
        var request = request
        do { return try await request.collectBody(upTo: maxBodyBytes) } catch let error as any HTTPResponseError where error.status == .contentTooLarge {
            throw InferenceBody.tooLarge(limit: maxBodyBytes)
        }
    }
}
