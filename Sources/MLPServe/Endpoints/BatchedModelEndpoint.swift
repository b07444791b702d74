/// One model version served directly: requests are checked, their rows batched with other
/// requests' by a ``DynamicBatcher``, and each answer cut back out. A model cheap enough to run
/// inline (``BatchableModel/runsInline``) served with no batching delay also answers on the
/// caller's thread (``InlineModelEndpoint``): with no delay there is nothing to wait for.
public struct BatchedModelEndpoint<Model: BatchableModel>: InlineModelEndpoint {
    /// The model name.
    public let name: String
    /// The version.
    public let version: String
    /// The batcher that runs the model.
    public let batcher: DynamicBatcher<Model>
    private let onBatch: @Sendable (_ rows: Int, _ seconds: Double) -> Void
    /// Where the model was read from, when ``ModelEndpointLoader`` loaded it: a repository
    /// (``ModelRepository/add(_:makeDefault:)``) then serves it unloadable and reloadable.
    public var source: ModelSource?

    /// An endpoint for `model`; `onBatch` is told each forward pass's rows and seconds.
    public init(name: String, version: String, model: Model, batching: BatchingOptions,
                onBatch: @escaping @Sendable (_ rows: Int, _ seconds: Double) -> Void = { _, _ in }) {
        self.name = name
        self.version = version
        batcher = DynamicBatcher(model: model, options: batching, onBatch: onBatch)
        self.onBatch = onBatch
    }

    /// The model's inputs and outputs, listing this version.
    public var metadata: ModelMetadata {
        ModelMetadata(name: name, versions: [version], platform: batcher.model.platform, inputs: batcher.model.inputs, outputs: batcher.model.outputs)
    }

    /// A loaded model is always ready.
    public var isReady: Bool { true }

    /// Checks the request, runs its rows in the next batch, and returns the outputs asked for.
    public func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        let rows = try rows(of: request)
        return try answer(request, try await batcher.submit(rows))
    }

    /// Whether requests are answered inline: the model is cheap (``BatchableModel/runsInline``)
    /// and the batching delay is zero.
    public var answersInline: Bool { batcher.model.runsInline && batcher.options.maxDelay == .zero }

    /// Checks the request and runs its rows in a forward pass of their own, on this thread.
    /// Specialised for tabular models: called through `any InlineModelEndpoint`, the generic
    /// body would look up its types' metadata at run time on every request.
    @_specialize(where Model == TabularServedModel)
    public func inferInline(_ request: InferenceRequest) throws -> InferenceResponse {
        let rows = try rows(of: request)
        let started = ContinuousClock.now
        let results = try batcher.model.forward(rows)
        let elapsed = ContinuousClock.now - started
        onBatch(rows.count, Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18)
        guard results.count == rows.count else { throw ModelServingError("the model returned \(results.count) outputs for \(rows.count) rows") }
        return try answer(request, results)
    }

    /// The request's rows, after checking the outputs it asks for exist.
    private func rows(of request: InferenceRequest) throws -> [Model.Row] {
        if let wanted = request.outputs, let unknown = wanted.first(where: { output in !batcher.model.outputs.contains { $0.name == output.name } }) {
            let known = batcher.model.outputs.map(\.name)
            throw ServeError.badRequest("the model has no output '\(unknown.name)'; its outputs are \(known.map { "'\($0)'" }.joined(separator: ", "))")
        }
        return try batcher.model.rows(from: request)
    }

    /// The response holding the outputs asked for.
    private func answer(_ request: InferenceRequest, _ results: [Model.RowOutput]) throws -> InferenceResponse {
        var tensors = try batcher.model.outputTensors(for: results)
        if let wanted = request.outputs?.map(\.name) { tensors = tensors.filter { wanted.contains($0.name) } }
        return InferenceResponse(modelName: name, modelVersion: version, id: request.id, outputs: tensors)
    }
}
