import Hummingbird

/// `GET /v2/health/live` and `GET /v2/health/ready`: open to all (no token), for probes. As the
/// protocol says, 200 means yes and a 4xx (400 here) means no. Ready means every model is ready
/// but those unloaded through the repository extension (as Triton's, whose unloaded models leave
/// its readiness alone).
struct HealthController<Context: RequestContext> {
    let models: ModelRepository

    private struct Live: Encodable { let live: Bool }
    private struct Ready: Encodable { let ready: Bool }

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("live") { _, _ in try JSONAnswer.encode(Live(live: true)) }
        group.get("ready") { _, _ in
            // A model unloaded through the repository extension (or whose reload failed) is out of
            // service on purpose: the index and its own readiness say so; the server stays ready.
            for endpoint in models.allEndpoints where (endpoint as? ReloadableModelEndpoint)?.state.state != .unavailable {
                guard await endpoint.isReady else {
                    return JSONAnswer.error(.badRequest, "model '\(endpoint.name)' version \(endpoint.version) is not ready")
                }
            }
            return try JSONAnswer.encode(Ready(ready: true))
        }
    }
}
