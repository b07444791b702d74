/// One model version served directly: requests are checked, their rows batched with other
/// requests' by a ``DynamicBatcher``, and each answer cut back out.
public struct BatchedModelEndpoint<Model: BatchableModel>: ModelEndpoint {
    /// The model name.
    public let name: String
    /// The version.
    public let version: String
    /// The batcher that runs the model.
    public let batcher: DynamicBatcher<Model>

    /// An endpoint for `model`; `onBatch` is told each forward pass's rows and seconds.
    public init(name: String, version: String, model: Model, batching: BatchingOptions,
                onBatch: @escaping @Sendable (_ rows: Int, _ seconds: Double) -> Void = { _, _ in }) {
        self.name = name
        self.version = version
        batcher = DynamicBatcher(model: model, options: batching, onBatch: onBatch)
    }

    /// The model's inputs and outputs, listing this version.
    public var metadata: ModelMetadata {
        ModelMetadata(name: name, versions: [version], platform: batcher.model.platform, inputs: batcher.model.inputs, outputs: batcher.model.outputs)
    }

    /// A loaded model is always ready.
    public var isReady: Bool { true }

    /// Checks the request, runs its rows in the next batch, and returns the outputs asked for.
    public func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        let model = batcher.model
        let known = model.outputs.map(\.name)
        if let unknown = request.outputs?.first(where: { !known.contains($0.name) }) {
            throw ServeError.badRequest("the model has no output '\(unknown.name)'; its outputs are \(known.map { "'\($0)'" }.joined(separator: ", "))")
        }
        let rows = try model.rows(from: request)
        let results = try await batcher.submit(rows)
        var tensors = try model.outputTensors(for: results)
        if let wanted = request.outputs?.map(\.name) { tensors = tensors.filter { wanted.contains($0.name) } }
        return InferenceResponse(modelName: name, modelVersion: version, id: request.id, outputs: tensors)
    }
}
