/// Merges the rows of concurrent requests to one model into one forward pass and hands each
/// request its own outputs back.
///
/// A request waits until the queued rows reach ``BatchingOptions/maxBatchSize`` or the oldest
/// queued request has waited ``BatchingOptions/maxDelay``, whichever comes first. One forward
/// pass runs at a time (off the actor, so requests keep queueing while it runs); requests that
/// arrive meanwhile form the next batch. Whole requests are batched: a request is never split
/// across passes.
public actor DynamicBatcher<Model: BatchableModel> {
    /// The model run.
    public nonisolated let model: Model
    /// The limits on a batch.
    public nonisolated let options: BatchingOptions
    private let onBatch: @Sendable (_ rows: Int, _ seconds: Double) -> Void

    private struct Waiting {
        let rows: [Model.Row]
        let arrived: ContinuousClock.Instant
        let continuation: CheckedContinuation<[Model.RowOutput], any Error>
    }

    private var queue: [Waiting] = []
    private var queuedRows = 0
    private var running = false
    private var timer: Task<Void, Never>?
    /// Forward passes run so far.
    public private(set) var forwardPasses = 0
    /// Rows run so far.
    public private(set) var rowsRun = 0

    /// A batcher for `model`; `onBatch` is told each pass's row count and duration (for metrics).
    public init(model: Model, options: BatchingOptions, onBatch: @escaping @Sendable (_ rows: Int, _ seconds: Double) -> Void = { _, _ in }) {
        self.model = model
        self.options = options
        self.onBatch = onBatch
    }

    /// Runs `rows` in the next batch and returns their outputs, in order.
    ///
    /// - Throws: what the model's forward pass threw (every request of that batch gets the error).
    public func submit(_ rows: [Model.Row]) async throws -> [Model.RowOutput] {
        guard !rows.isEmpty else { return [] }
        return try await withCheckedThrowingContinuation { continuation in
            queue.append(Waiting(rows: rows, arrived: .now, continuation: continuation))
            queuedRows += rows.count
            startIfDue()
        }
    }

    /// Starts a pass if the model is free and the queue is full or has waited long enough;
    /// otherwise arms a timer for when the oldest request's wait runs out.
    private func startIfDue() {
        guard !running, let oldest = queue.first else { return }
        let due = oldest.arrived.advanced(by: options.maxDelay)
        if queuedRows >= options.maxBatchSize || ContinuousClock.now >= due {
            startPass()
            return
        }
        guard timer == nil else { return }
        timer = Task { [weak self] in
            try? await Task.sleep(until: due, clock: .continuous)
            await self?.timerFired()
        }
    }

    private func timerFired() {
        timer = nil
        startIfDue()
    }

    private func startPass() {
        timer?.cancel()
        timer = nil
        var taken: [Waiting] = []
        var rowCount = 0
        var end = 0
        while end < queue.count, taken.isEmpty || rowCount + queue[end].rows.count <= options.maxBatchSize {
            taken.append(queue[end])
            rowCount += queue[end].rows.count
            end += 1
        }
        queue.removeFirst(end)
        queuedRows -= rowCount
        running = true
        forwardPasses += 1
        rowsRun += rowCount
        let model = self.model, onBatch = self.onBatch
        Task.detached { [weak self] in
            let rows = taken.count == 1 ? taken[0].rows : taken.flatMap(\.rows)
            let started = ContinuousClock.now
            let result = Result { try model.forward(rows) }
            let elapsed = ContinuousClock.now - started
            onBatch(rows.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
            Self.deliver(result, to: taken, rowCount: rows.count)
            await self?.passFinished()
        }
    }

    private func passFinished() {
        running = false
        startIfDue()
    }

    /// Hands each request its slice of the outputs (or the error).
    private static func deliver(_ result: Result<[Model.RowOutput], any Error>, to taken: [Waiting], rowCount: Int) {
        switch result {
        case .failure(let error):
            for waiting in taken { waiting.continuation.resume(throwing: error) }
        case .success(let outputs):
            guard outputs.count == rowCount else {
                let error = ModelServingError("the model returned \(outputs.count) outputs for \(rowCount) rows")
                for waiting in taken { waiting.continuation.resume(throwing: error) }
                return
            }
            var start = 0
            for waiting in taken {
                let end = start + waiting.rows.count
                waiting.continuation.resume(returning: Array(outputs[start..<end]))
                start = end
            }
        }
    }
}
