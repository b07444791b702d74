import Foundation
import Logging
import ServiceLifecycle

/// The request logs of a server, one per served model name, run as one `Service`: put it in the
/// server's `ServiceGroup` before the application, so that on SIGTERM the server stops taking
/// requests first and then every log seals its open segment and hands it over.
public final class RequestLogs: Service, Sendable {
    /// The logs by model name.
    public let logs: [String: RequestLog]

    /// Logs for every name `models` serves, each spooling into `folder/<name>`.
    ///
    /// - Throws: ``ModelServingError`` when a name's requests cannot be logged (no version is a
    ///   tabular or sentence-embedding model), or a folder cannot be made.
    public init(models: ModelRepository, folder: String, options: RequestLogOptions, metrics: ServeMetrics,
                logger: Logger = Logger(label: "mlp.serve.request-log"),
                onSeal: @escaping @Sendable (SealedRequestLogSegment) async throws -> Void) throws {
        var logs: [String: RequestLog] = [:]
        for name in models.names {
            guard name != ".", name != "..", !name.contains("/") else {
                throw ModelServingError("model '\(name)': its requests cannot be logged under that name; pick a name that is not '.' or '..'")
            }
            let schema = models.versions(of: name).lazy.compactMap { try? RequestLogSchema(endpoint: models.endpoint(name, version: $0)) }.first
            guard let schema else {
                throw ModelServingError("model '\(name)': its requests cannot be logged (only tabular and sentence-embedding models are); serve it without request logging")
            }
            logs[name] = try RequestLog(model: name, schema: schema, folder: "\(folder)/\(name)", options: options, metrics: metrics,
                                        logger: logger, onSeal: onSeal)
        }
        self.logs = logs
    }

    /// Logs an answered request to `model`'s log (nothing when it has none).
    public func record(model: String, request: InferenceRequest, response: InferenceResponse, version: String) {
        logs[model]?.record(request: request, response: response, version: version)
    }

    /// Runs every log until graceful shutdown (or cancellation), then seals their open segments.
    public func run() async throws {
        await withGracefulShutdownHandler {
            await withTaskGroup(of: Void.self) { group in
                for log in logs.values { group.addTask { await log.run() } }
            }
        } onGracefulShutdown: {
            self.finish()
        }
    }

    /// Stops every log; ``run()`` returns once their open segments are sealed.
    public func finish() {
        for log in logs.values { log.finish() }
    }
}
