import Hummingbird
import Logging
import ServiceLifecycle

/// A service run beside the server by ``InferenceServer/run(_:models:metrics:requestLogs:services:logger:onServerRunning:)``.
public typealias ServerService = Service

/// Runs the inference server until SIGTERM or SIGINT, then shuts it down gracefully: the listener
/// closes and requests in flight finish before this returns.
public enum InferenceServer {
    /// Builds the server (``buildServeApplication(_:models:metrics:logger:onServerRunning:)``) and
    /// runs it in a `ServiceGroup` with graceful shutdown on SIGTERM / SIGINT. `requestLogs` runs in
    /// the group too, stopped after the server, so their open segments are sealed before this returns.
    ///
    /// - Parameter services: more services to run beside the server and stop with it (a ``DeploymentFollower``).
    public static func run(_ arguments: some ServeArguments, models: ModelRepository, metrics: ServeMetrics, requestLogs: RequestLogs? = nil,
                           services: [any ServerService] = [],
                           logger: Logger = Logger(label: "mlp.serve"),
                           onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
        let app = buildServeApplication(arguments, models: models, metrics: metrics, requestLogs: requestLogs, logger: logger, onServerRunning: onServerRunning)
        // A group stops its services in reverse order: the others and the server first, then the logs.
        let services: [any Service] = (requestLogs.map { [$0] } ?? []) + [app] + services
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
