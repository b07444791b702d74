import Foundation
import Hummingbird
import NIOConcurrencyHelpers
import Prometheus

/// The server's Prometheus metrics (`GET /metrics`), in a registry of its own:
///
/// - `mlp_server_requests_total{route,method,status}`: requests answered, by the route's pattern
///   (`/api/v1/projects/{project}/runs/{id}`, or `unmatched`), never by the raw path
/// - `mlp_server_request_duration_seconds{route,method}`: histogram of the time to the answer's head
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let counters = NIOLockedValueBox<[String: Prometheus.Counter]>([:])
    private let histograms = NIOLockedValueBox<[String: DurationHistogram]>([:])
    static let buckets: [Duration] = [.microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5), .milliseconds(10),
                                      .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250), .milliseconds(500),
                                      .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)]

    public init() {}

    func record(route: String, method: String, status: Int, duration: Duration) {
        let countKey = "\(route) \(method) \(status)"
        let counter = counters.withLockedValue { table in
            if let existing = table[countKey] { return existing }
            let made = registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "mlp", subsystem: "server", metricName: "requests", unitName: "total", helpText: "Requests answered, by route pattern, method and status."),
                                            labels: [("route", route), ("method", method), ("status", String(status))])
            table[countKey] = made
            return made
        }
        counter.increment()
        let timeKey = "\(route) \(method)"
        let histogram = histograms.withLockedValue { table in
            if let existing = table[timeKey] { return existing }
            let made = registry.makeDurationHistogram(descriptor: MetricNameDescriptor(namespace: "mlp", subsystem: "server", metricName: "request_duration", unitName: "seconds", helpText: "Time to the answer's head, by route pattern and method."),
                                                      labels: [("route", route), ("method", method)], buckets: Self.buckets)
            table[timeKey] = made
            return made
        }
        histogram.record(duration)
    }

    /// The Prometheus text exposition.
    public func exposition() -> [UInt8] { registry.emitToBuffer() }
}

/// Records every answer in ``ServerMetrics`` (outermost, so error answers count with their status).
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: ServerMetrics

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response: Response
        do {
            response = try await next(request, context)
        } catch {
            let status = (error as? any HTTPResponseError)?.status.code ?? 500
            metrics.record(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: status, duration: ContinuousClock.now - start)
            throw error
        }
        metrics.record(route: context.endpointPath ?? "unmatched", method: request.method.rawValue, status: response.status.code, duration: ContinuousClock.now - start)
        return response
    }
}
