import Foundation
import Hummingbird
import Logging
import MLPStore
import ServiceLifecycle

/// What `mlp server` is built from; tests build it with their own values.
public protocol ServerArguments: Sendable {
    var host: String { get }
    /// 0: any free port (announced once listening).
    var port: Int { get }
    /// Failed authentications a client address may make per minute before it is refused (429).
    var authFailureLimit: Int { get }
}

/// ``ServerArguments`` as plain values.
public struct ServerSettings: ServerArguments {
    public var host: String
    public var port: Int
    public var authFailureLimit: Int
    public init(host: String = "127.0.0.1", port: Int = 8180, authFailureLimit: Int = 10) {
        self.host = host
        self.port = port
        self.authFailureLimit = authFailureLimit
    }
}

/// The shared server's router: every route under `/api/v1` (see ``StoreAPI`` and
/// docs/openapi.json), `/metrics`, envelopes for every error, the bearer token on everything but
/// health, readiness and the OpenAPI document.
public func buildServerRouter(stores: ServerStores, artifacts: ArtifactStore, metrics: ServerMetrics = ServerMetrics(),
                              limiter: AuthFailureLimiter = AuthFailureLimiter()) -> Router<ServerContext> {
    let router = Router(context: ServerContext.self)
    router.add(middleware: MetricsMiddleware(metrics: metrics))
    router.add(middleware: ErrorMiddleware())
    PublicController(stores: stores).addRoutes(to: router.group("api/v1"))
    let guarded = router.group().add(middleware: AuthMiddleware(stores: stores, limiter: limiter))
    MetricsController(metrics: metrics).addRoutes(to: guarded)
    let api = guarded.group("api/v1")
    AdminController(stores: stores).addRoutes(to: api)
    BlobController(stores: stores, artifacts: artifacts).addRoutes(to: api)
    let project = api.group("projects/{project}")
    ProjectController(stores: stores).addRoutes(to: project)
    LogController(stores: stores, artifactsRoot: artifacts.root).addRoutes(to: project)
    return router
}

/// The shared server as a Hummingbird application (run it in a `ServiceGroup`).
///
/// - Parameter onServerRunning: called once listening, with the port (the chosen one for port 0).
public func buildServerApplication(_ arguments: some ServerArguments, stores: ServerStores, artifacts: ArtifactStore,
                                   metrics: ServerMetrics = ServerMetrics(), logger: Logger = Logger(label: "mlp.server"),
                                   onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) -> some ApplicationProtocol {
    let router = buildServerRouter(stores: stores, artifacts: artifacts, metrics: metrics,
                                   limiter: AuthFailureLimiter(limit: arguments.authFailureLimit))
    return Application(
        router: router,
        configuration: ApplicationConfiguration(address: .hostname(arguments.host, port: arguments.port), serverName: "mlp"),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? arguments.port) },
        logger: logger)
}

/// Runs `mlp server` until SIGTERM or SIGINT, then shuts down gracefully: the listener closes,
/// requests in flight are answered, and the store executor drains before this returns.
public enum SharedServer {
    public static func run(_ arguments: some ServerArguments, backend: StoreBackend, artifactsRoot: String,
                           logger: Logger = Logger(label: "mlp.server"),
                           onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }) async throws {
        let executor = StoreExecutor()
        let stores: ServerStores
        let artifacts: ArtifactStore
        do {
            stores = try ServerStores(backend: backend, executor: executor)
            artifacts = try ArtifactStore(root: artifactsRoot)
            // Uploads cut by an earlier crash leave files in tmp/: nothing refers to them.
            artifacts.sweepTemporaryFiles()
        } catch {
            await executor.shutdown()
            throw error
        }
        let app = buildServerApplication(arguments, stores: stores, artifacts: artifacts, logger: logger, onServerRunning: onServerRunning)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try await group.run()
        } catch {
            await executor.shutdown()
            throw error
        }
        await executor.shutdown()
    }
}
