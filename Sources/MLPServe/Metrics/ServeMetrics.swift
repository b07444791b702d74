import CoreMetrics
import Foundation
import Prometheus

/// The server's Prometheus metrics, recorded through swift-metrics with an explicit factory (so
/// several servers, as in tests, keep separate registries):
///
/// - `mlp_inference_requests_total{model,version}`: infer requests answered (any status)
/// - `mlp_inference_errors_total{model,version,status}`: those answered with an error
/// - `mlp_inference_request_duration_seconds{model,version}`: histogram of request latency
/// - `mlp_batch_size{model,version}`: histogram of rows per forward pass
/// - `mlp_forward_duration_seconds{model,version}`: histogram of forward-pass time
/// - `mlp_deployment_requests_total{deployment,version,role}`: requests a deployment routed to
///   its stable or candidate version (`role="stable|candidate"`): the canary split
/// - `mlp_deployment_candidate_percent{deployment}`: the share of requests the current plan sends
///   to the candidate (0 for direct and shadow)
/// - `mlp_deployment_fallbacks_total{deployment,version}`: canary requests whose candidate
///   (`version`) failed and that stable answered instead
/// - `mlp_shadow_requests_total{deployment,outcome}`: mirrored copies by outcome
///   (`agree|disagree|error|dropped`)
/// - `mlp_deployment_auto_rollbacks_total{deployment}`: automatic rollbacks
/// - `mlp_request_log_rows_total{model,outcome}`: request-log rows (see ``RequestLog``)
public final class ServeMetrics: @unchecked Sendable {
    /// Where the metrics live; ``exposition()`` renders it.
    public let registry: PrometheusCollectorRegistry
    let factory: PrometheusMetricsFactory
    private let lock = NSLock()
    private var byEndpoint: [EndpointKey: EndpointMetrics] = [:]
    private var endpointOrder: [EndpointMetrics] = []   // byEndpoint's values, oldest first (a stable exposition order)
    private var errors: [ErrorKey: CoreMetrics.Counter] = [:]
    private var counters: [SeriesKey: CoreMetrics.Counter] = [:]
    private var gauges: [SeriesKey: CoreMetrics.Gauge] = [:]

    static let requests = "mlp_inference_requests_total"
    static let errorsTotal = "mlp_inference_errors_total"
    static let requestDuration = "mlp_inference_request_duration_seconds"
    static let batchSize = "mlp_batch_size"
    static let forwardDuration = "mlp_forward_duration_seconds"
    static let deploymentRequests = "mlp_deployment_requests_total"
    static let candidatePercent = "mlp_deployment_candidate_percent"
    static let deploymentFallbacks = "mlp_deployment_fallbacks_total"
    static let shadowRequests = "mlp_shadow_requests_total"
    static let autoRollbacks = "mlp_deployment_auto_rollbacks_total"

    /// A fresh registry.
    public init() {
        registry = PrometheusCollectorRegistry()
        factory = PrometheusMetricsFactory(registry: registry)
    }

    /// The latency histograms' bucket bounds, in nanoseconds: 250 µs to 10 s.
    static let latencyBoundsNanoseconds: [Int64] = [
        250_000, 500_000, 1_000_000, 2_500_000, 5_000_000, 10_000_000, 25_000_000, 50_000_000, 100_000_000, 250_000_000,
        500_000_000, 1_000_000_000, 2_500_000_000, 5_000_000_000, 10_000_000_000,
    ]
    /// The batch-size histogram's bucket bounds, in rows.
    static let batchSizeBounds: [Int64] = [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024]

    private struct EndpointKey: Hashable {
        let model: String
        let version: String
    }

    private struct ErrorKey: Hashable {
        let model: String
        let version: String
        let status: Int
    }

    private struct SeriesKey: Hashable {
        let label: String
        let dimensions: [String]
    }

    /// One model version's series. The histograms are ``ServeHistogram``s (recorded on every
    /// request without a lock), rendered after the registry's metrics by ``exposition()``.
    fileprivate struct EndpointMetrics: @unchecked Sendable {
        let requests: CoreMetrics.Counter
        let latency: ServeHistogram
        let batchSize: ServeHistogram
        let forward: ServeHistogram
    }

    private func metrics(model: String, version: String) -> EndpointMetrics {
        let key = EndpointKey(model: model, version: version)
        lock.lock()
        defer { lock.unlock() }
        if let found = byEndpoint[key] { return found }
        let dimensions = [("model", model), ("version", version)]
        let made = EndpointMetrics(
            requests: CoreMetrics.Counter(label: Self.requests, dimensions: dimensions, factory: factory),
            latency: ServeHistogram(name: Self.requestDuration, labels: dimensions, bounds: Self.latencyBoundsNanoseconds, divisor: 1e9),
            batchSize: ServeHistogram(name: Self.batchSize, labels: dimensions, bounds: Self.batchSizeBounds, divisor: 1),
            forward: ServeHistogram(name: Self.forwardDuration, labels: dimensions, bounds: Self.latencyBoundsNanoseconds, divisor: 1e9))
        byEndpoint[key] = made
        endpointOrder.append(made)
        return made
    }

    /// Records one answered infer request: its latency and, for an error, its status.
    public func recordRequest(model: String, version: String, seconds: Double, errorStatus: Int?) {
        recorder(model: model, version: version).recordRequest(seconds: seconds, errorStatus: errorStatus)
    }

    /// One model version's series, looked up once, for a hot path that records many requests.
    public struct EndpointRecorder: Sendable {
        /// The model name and version the series are labelled with.
        public let model: String, version: String
        fileprivate let metrics: ServeMetrics
        fileprivate let series: EndpointMetrics

        /// ``ServeMetrics/recordRequest(model:version:seconds:errorStatus:)`` for this endpoint.
        public func recordRequest(seconds: Double, errorStatus: Int?) {
            series.requests.increment()
            series.latency.record(Int64(seconds * 1e9))
            if let errorStatus { metrics.recordError(model: model, version: version, status: errorStatus) }
        }

        /// ``ServeMetrics/recordBatch(model:version:rows:seconds:)`` for this endpoint.
        public func recordBatch(rows: Int, seconds: Double) {
            series.batchSize.record(Int64(rows))
            series.forward.record(Int64(seconds * 1e9))
        }
    }

    /// The series of `model` `version` (made on first use), to record into without a lookup each time.
    public func recorder(model: String, version: String) -> EndpointRecorder {
        EndpointRecorder(model: model, version: version, metrics: self, series: metrics(model: model, version: version))
    }

    /// Records an error answered before a model version was chosen (unknown model: `model` is
    /// `"unknown"`, so callers cannot grow the label set).
    public func recordError(model: String, version: String, status: Int) {
        let key = ErrorKey(model: model, version: version, status: status)
        lock.lock()
        let counter: CoreMetrics.Counter
        if let found = errors[key] {
            counter = found
        } else {
            counter = CoreMetrics.Counter(label: Self.errorsTotal, dimensions: [("model", model), ("version", version), ("status", String(status))], factory: factory)
            errors[key] = counter
        }
        lock.unlock()
        counter.increment()
    }

    /// Records one forward pass of `rows` rows that took `seconds`.
    public func recordBatch(model: String, version: String, rows: Int, seconds: Double) {
        recorder(model: model, version: version).recordBatch(rows: rows, seconds: seconds)
    }

    /// The counter `label{dimensions}`, made on first use (a deployment keeps the ones it needs, so
    /// its hot path takes no lock here).
    func counter(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Counter {
        let key = SeriesKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        lock.lock()
        defer { lock.unlock() }
        if let found = counters[key] { return found }
        let made = CoreMetrics.Counter(label: label, dimensions: dimensions, factory: factory)
        counters[key] = made
        return made
    }

    /// The gauge `label{dimensions}`, made on first use.
    func gauge(_ label: String, _ dimensions: [(String, String)]) -> CoreMetrics.Gauge {
        let key = SeriesKey(label: label, dimensions: dimensions.flatMap { [$0.0, $0.1] })
        lock.lock()
        defer { lock.unlock() }
        if let found = gauges[key] { return found }
        let made = CoreMetrics.Gauge(label: label, dimensions: dimensions, factory: factory)
        gauges[key] = made
        return made
    }

    /// Makes every series of an endpoint appear (at zero) before its first request.
    public func register(model: String, version: String) {
        _ = metrics(model: model, version: version)
    }

    /// The Prometheus text exposition of every metric.
    public func exposition() -> [UInt8] {
        var buffer = registry.emitToBuffer()
        lock.lock()
        let endpoints = endpointOrder
        lock.unlock()
        guard !endpoints.isEmpty else { return buffer }
        for (name, series) in [(Self.requestDuration, \EndpointMetrics.latency), (Self.batchSize, \.batchSize), (Self.forwardDuration, \.forward)] {
            buffer.append(contentsOf: "# TYPE \(name) histogram\n".utf8)
            for endpoint in endpoints { endpoint[keyPath: series].emit(into: &buffer) }
        }
        return buffer
    }
}
