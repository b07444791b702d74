/// Something that answers infer requests for one model name: a single model version, or a
/// deployment (``DeploymentEndpoint``) that routes between versions. The server only talks to
/// endpoints, so a canary or shadow router sits in front of versions without the HTTP layer
/// changing.
public protocol ModelEndpoint: Sendable {
    /// The model name requests address.
    var name: String { get }
    /// The version this endpoint answers as (a router reports the version it routes to by default).
    var version: String { get }
    /// The inputs and outputs, for `GET /v2/models/{name}`.
    var metadata: ModelMetadata { get }
    /// Whether the endpoint can answer now.
    var isReady: Bool { get async }
    /// Answers one infer request.
    ///
    /// - Throws: ``ServeError`` (a 4xx) when the request does not fit the model.
    func infer(_ request: InferenceRequest) async throws -> InferenceResponse
}
