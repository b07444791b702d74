import Hummingbird
import HummingbirdCore
import Logging

/// The inference server: the Open Inference Protocol over `models`, `/metrics`, `{"error": ...}`
/// answers for every failure, and the bearer token (when `arguments` has one) on every endpoint
/// but `/v2/health/*`. Run it with `runService()` or inside a `ServiceGroup` (graceful shutdown
/// on SIGTERM / SIGINT).
///
/// - Parameter onServerRunning: called once listening, with the port (the chosen one for port 0).
/// - Parameter requestLogs: where answered infer requests are logged (run it as a service too).
public func buildServeApplication(
    _ arguments: some ServeArguments, models: ModelRepository, metrics: ServeMetrics, requestLogs: RequestLogs? = nil,
    logger: Logger = Logger(label: "mlp.serve"),
    onServerRunning: @escaping @Sendable (_ port: Int) async -> Void = { _ in }
) -> some ApplicationProtocol {
    let router = Router(context: BasicRequestContext.self)
    router.add(middleware: ErrorAnswerMiddleware())
    HealthController(models: models).addRoutes(to: router.group("v2/health"))
    let guarded = router.group()
    if let token = arguments.token { guarded.add(middleware: BearerTokenMiddleware(token: token)) }
    let server = ServerMetadata(name: "mlp", version: arguments.serverVersion, extensions: ["binary_tensor_data", RepositoryController<BasicRequestContext>.extensionName])
    InferenceController(models: models, metrics: metrics, server: server, maxBodyBytes: arguments.maxBodyBytes, requestLogs: requestLogs).addRoutes(to: guarded)
    MetricsController(metrics: metrics).addRoutes(to: guarded)
    RepositoryController(models: models).addRoutes(to: guarded)
    for name in models.names {
        for version in models.versions(of: name) { metrics.register(model: name, version: version) }
    }
    // Infer requests for models that answer inline never reach the router: the fast path answers
    // them on the connection's event loop and hands everything else on.
    let fastPath = InferFastPathHandler.Settings(
        models: models, metrics: metrics, requestLogs: requestLogs, maxBodyBytes: arguments.maxBodyBytes,
        authorization: arguments.token.map { Array("Bearer \($0)".utf8) }, serverName: "mlp", logger: logger,
        limits: arguments.connectionLimits)
    return Application(
        router: router,
        server: HTTPServerBuilder { responder in InferenceHTTP1Channel(responder: responder, fastPath: fastPath) },
        configuration: ApplicationConfiguration(
            address: .hostname(arguments.host, port: arguments.port), serverName: "mlp",
            availableConnectionsDelegate: MaximumAvailableConnections(arguments.connectionLimits.maxConnections, logger: logger)),
        onServerRunning: { channel in await onServerRunning(channel.localAddress?.port ?? arguments.port) },
        logger: logger)
}
