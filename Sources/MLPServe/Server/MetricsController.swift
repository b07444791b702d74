import Hummingbird

/// `GET /metrics`: the Prometheus text exposition.
struct MetricsController<Context: RequestContext> {
    let metrics: ServeMetrics

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("metrics") { _, _ in
            Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                     body: ResponseBody(byteBuffer: ByteBuffer(bytes: metrics.exposition())))
        }
    }
}
