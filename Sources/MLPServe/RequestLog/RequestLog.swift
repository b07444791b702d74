import Foundation
import Logging

/// The request log of one served model name.
///
/// ``record(request:response:version:)`` runs on the request path and never blocks or fails it:
/// it samples the request, and puts a sampled one in a bounded buffer (or, when the buffer is
/// full, drops its rows and counts them). ``run()`` drains the buffer into CSV segments in the
/// spool folder (``RequestLogSpool``), seals them by rows, bytes or age, and on ``finish()`` seals
/// the open one before it returns. Rows are counted in `mlp_request_log_rows_total{model,outcome}`
/// (`logged`, `dropped`, `unsampled`).
public final class RequestLog: @unchecked Sendable {
    /// The model name.
    public let model: String
    /// What a row holds.
    public let schema: RequestLogSchema
    /// Sampling and limits.
    public let options: RequestLogOptions
    let spool: RequestLogSpool
    private let counters: RequestLogCounters
    private let lock = NSLock()
    private var pending: [RequestLogEntry] = []
    private var pendingRows = 0
    private var finished = false
    private let wakes: AsyncStream<Void>
    private let wake: AsyncStream<Void>.Continuation

    /// A log writing segments of `model`'s requests into `folder` (created if missing).
    ///
    /// - Parameter onSeal: given each sealed segment; it takes the file (see ``SealedRequestLogSegment``).
    /// - Throws: when the folder cannot be created.
    public init(model: String, schema: RequestLogSchema, folder: String, options: RequestLogOptions, metrics: ServeMetrics,
                logger: Logger = Logger(label: "mlp.serve.request-log"),
                onSeal: @escaping @Sendable (SealedRequestLogSegment) async throws -> Void) throws {
        self.model = model
        self.schema = schema
        self.options = options
        counters = metrics.requestLogCounters(model: model)
        spool = try RequestLogSpool(folder: folder, model: model, schema: schema, options: options, counters: counters, logger: logger, onSeal: onSeal)
        (wakes, wake) = AsyncStream<Void>.makeStream(bufferingPolicy: .bufferingNewest(1))
    }

    /// Logs an answered request if it is sampled and there is room; never waits.
    public func record(request: InferenceRequest, response: InferenceResponse, version: String) {
        let rows = schema.rowCount(of: request)
        guard rows > 0 else { return }
        guard options.sampleRate >= 1 || Double.random(in: 0..<1) < options.sampleRate else {
            counters.unsampled.increment(by: Int64(rows))
            return
        }
        let entry = RequestLogEntry(time: Date().timeIntervalSince1970, version: version, request: request, response: response)
        lock.lock()
        guard !finished, pendingRows + rows <= options.bufferRows else {
            lock.unlock()
            counters.dropped.increment(by: Int64(rows))
            return
        }
        pending.append(entry)
        pendingRows += rows
        lock.unlock()
        wake.yield()
    }

    /// Writes buffered rows until ``finish()`` (or cancellation), sealing segments as they fill or
    /// age; then writes what is left and seals the open segment before returning.
    public func run() async {
        await spool.recover()
        let tick = min(options.sealAfter, .seconds(1))
        await withTaskGroup(of: Void.self) { group in
            group.addTask { [wake] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: tick)
                    wake.yield()
                }
            }
            for await _ in wakes {
                await spool.append(takePending())
                await spool.sealIfDue()
            }
            group.cancelAll()
        }
        await flush()
    }

    /// Stops taking rows (later ones are dropped and counted) and lets ``run()`` seal and return.
    public func finish() {
        lock.lock()
        finished = true
        lock.unlock()
        wake.finish()
    }

    /// Writes the buffered rows and seals the open segment now.
    public func flush() async {
        await spool.append(takePending())
        await spool.seal()
    }

    private func takePending() -> [RequestLogEntry] {
        lock.lock()
        defer { lock.unlock() }
        let taken = pending
        pending = []
        pendingRows = 0
        return taken
    }
}
