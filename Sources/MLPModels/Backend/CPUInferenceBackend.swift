import Foundation
import MLPCore
import MLPTensor

/// The CPU inference backend (`cpu`): BERT sentence-embedding models in f32 (f16 weights
/// widened), Q8_0 or Q4_0, from a model folder or a GGUF file. Only the `bert` architecture is
/// implemented.
public struct CPUInferenceBackend: InferenceBackend {
    /// `cpu`.
    public let name = "cpu"
    /// The threads each loaded model's kernels run on.
    public let threads: Int

    /// A backend whose models run on `threads` threads (default: the machine's cores).
    public init(threads: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.threads = max(1, threads)
    }

    /// Registers a CPU backend in `registry`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(backend: CPUInferenceBackend())
    }

    /// True for the dtypes `f32`, `f16`, `q8_0`, `q4_0` and the architecture `bert`.
    public func supports(_ capability: BackendCapability) -> Bool {
        switch capability {
        case .dtype(let name): return ["f32", "f16", "q8_0", "q4_0"].contains(name)
        case .architecture(let name): return name == "bert"
        }
    }

    /// Loads the BERT model at `path` (folder or GGUF file) as stored.
    public func load(path: String) async throws -> any LoadedModel {
        CPUSentenceEmbedder(model: try SentenceEmbeddingModel.load(path: path, threads: threads))
    }
}

/// A sentence-embedding model served by ``CPUInferenceBackend``: input `text` (BYTES, [n], UTF-8),
/// output `embedding` (FP32, [n, hidden]).
public struct CPUSentenceEmbedder: LoadedModel {
    /// The model behind it.
    public let model: SentenceEmbeddingModel

    /// Wraps `model`.
    public init(model: SentenceEmbeddingModel) { self.model = model }

    /// `bert`; one BYTES input `text` [-1], one FP32 output `embedding` [-1, hidden].
    public var signature: ModelSignature {
        ModelSignature(architecture: "bert", inputs: [(name: "text", datatype: "BYTES", shape: [-1])],
                       outputs: [(name: "embedding", datatype: "FP32", shape: [-1, model.dimension])])
    }

    /// Embeds the texts of the one BYTES input.
    /// - Throws: ``InferenceInputError`` for a missing, non-BYTES or non-UTF-8 input.
    public func infer(_ inputs: [NamedTensor]) async throws -> [NamedTensor] {
        guard inputs.count == 1, let input = inputs.first else {
            throw InferenceInputError("expected one input tensor `text` (BYTES), got \(inputs.count)")
        }
        guard case .bytes(let items) = input.storage else {
            throw InferenceInputError("input \(input.name) is \(input.datatype); send the sentences as BYTES (UTF-8)")
        }
        let texts = try items.enumerated().map { index, bytes in
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw InferenceInputError("input \(input.name)[\(index)] is not valid UTF-8")
            }
            return text
        }
        let embeddings = try model.embed(texts)
        return [NamedTensor(name: "embedding", shape: [texts.count, model.dimension], storage: .float32(embeddings.flatMap { $0 }))]
    }
}

/// A request a loaded model cannot answer: what was wrong with its inputs.
public struct InferenceInputError: Error, CustomStringConvertible, Equatable {
    /// The message.
    public let description: String
    /// An error with `description`.
    public init(_ description: String) { self.description = description }
}
