import CoreMetrics

extension ServeMetrics {
    /// The name of the request-log counter.
    static let requestLogRows = "mlp_request_log_rows_total"

    /// `mlp_request_log_rows_total{model,outcome}` for one model: rows `logged` (written to a
    /// segment), `dropped` (buffer full, spool over its byte budget, or a write failed) and
    /// `unsampled` (left out by the sample rate).
    func requestLogCounters(model: String) -> RequestLogCounters {
        func counter(_ outcome: String) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: Self.requestLogRows, dimensions: [("model", model), ("outcome", outcome)], factory: factory)
        }
        return RequestLogCounters(logged: counter("logged"), dropped: counter("dropped"), unsampled: counter("unsampled"))
    }
}
