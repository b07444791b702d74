import Hummingbird
import Logging
import ServiceLifecycle

/// A service run beside the server by ``InferenceServer/run(_:models:metrics:services:logger:onServerRunning:)``.
public typealias ServerService = Service

/// Runs the inference server until SIGTERM or SIGINT, then shuts it down gracefully: the listener
/// closes and requests in flight finish before this returns.
public enum InferenceServer {
    /// Builds the server (``buildServeApplication(_:models:metrics:logger:onServerRunning:)``) and
    /// runs it in a `ServiceGroup` with graceful shutdown on SIGTERM / SIGINT.
    ///
    /// - Parameter services: more services to run beside the server and stop with it (a ``DeploymentFollower``).
    public static func run(_ arguments: some ServeArguments, models: ModelRepository, metrics: ServeMetrics,
                           services: [any ServerService] = [],
                           logger: Logger = Logger(label: "mlp.serve"),
                           onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
        let app = buildServeApplication(arguments, models: models, metrics: metrics, logger: logger, onServerRunning: onServerRunning)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [app] + services, gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}
