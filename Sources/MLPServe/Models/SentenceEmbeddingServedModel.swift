import MLPModels

/// A BERT sentence-embedding model (MiniLM) behind the protocol: input `text`, BYTES `[batch]`
/// (or `[batch, 1]`), one UTF-8 sentence per row; output `embedding`, FP32 `[batch, dimension]`,
/// L2-normalised. Rows are tokenised on the request's task; the batch runs the encoder once.
public struct SentenceEmbeddingServedModel: BatchableModel {
    /// The input's name.
    public static let inputName = "text"
    /// The output's name.
    public static let outputName = "embedding"

    /// The loaded model.
    public let model: SentenceEmbeddingModel

    /// Wraps a loaded model.
    public init(model: SentenceEmbeddingModel) { self.model = model }

    /// Loads the model folder or `.gguf` file at `path`, running its kernels on `threads` threads.
    public init(path: String, threads: Int) throws {
        self.init(model: try SentenceEmbeddingModel.load(path: path, threads: threads))
    }

    /// `mlp-sentence-embedding`.
    public var platform: String { "mlp-sentence-embedding" }

    /// `text`, BYTES, `[-1]`.
    public var inputs: [TensorMetadata] { [TensorMetadata(name: Self.inputName, datatype: .bytes, shape: [-1])] }

    /// `embedding`, FP32, `[-1, dimension]`.
    public var outputs: [TensorMetadata] { [TensorMetadata(name: Self.outputName, datatype: .fp32, shape: [-1, model.dimension])] }

    /// Each sentence's token ids.
    public func rows(from request: InferenceRequest) throws -> [[Int32]] {
        let input = try request.input(named: Self.inputName, among: inputs)
        _ = try input.validated(allowed: [.bytes])
        guard input.shape.count == 1 || (input.shape.count == 2 && input.shape[1] == 1) else {
            throw ServeError.badRequest("input '\(Self.inputName)' must have shape [batch] or [batch, 1] (one sentence per row), not \(input.shape)")
        }
        guard case .strings(let texts) = input.data else { return [] }
        return model.tokenIDs(texts)
    }

    /// One embedding per row.
    public func forward(_ rows: [[Int32]]) throws -> [[Float]] {
        try model.encoder.encode(rows)
    }

    /// `embedding`, `[batch, dimension]`.
    public func outputTensors(for results: [[Float]]) throws -> [InferenceResponse.OutputTensor] {
        [.init(name: Self.outputName, shape: [results.count, model.dimension], datatype: .fp32, data: .floats(results.flatMap { $0 }))]
    }
}
