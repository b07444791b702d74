import Dispatch
import Foundation
import MLPTensor

/// The weights of a BERT encoder, checked against its config and laid out for the forward pass:
/// embeddings, biases and LayerNorm parameters in f32; the matmul weights ([out, in]) in f32,
/// Q8_0 or Q4_0 as stored (f16 / bf16 are widened to f32); each layer's query, key and value
/// weights stacked into one [3·hidden, hidden] matrix so one matmul computes all three.
public struct BertWeights: @unchecked Sendable {
    /// One encoder layer.
    public struct Layer: @unchecked Sendable {
        /// Query, key and value projections stacked: [3·hidden, hidden].
        public var qkvWeight: Tensor
        /// Their biases stacked: [3·hidden].
        public var qkvBias: Tensor
        /// The attention output projection [hidden, hidden] and its bias.
        public var attentionOutputWeight: Tensor, attentionOutputBias: Tensor
        /// The LayerNorm after attention.
        public var attentionNormGamma: Tensor, attentionNormBeta: Tensor
        /// The feed-forward input projection [intermediate, hidden] and its bias.
        public var intermediateWeight: Tensor, intermediateBias: Tensor
        /// The feed-forward output projection [hidden, intermediate] and its bias.
        public var outputWeight: Tensor, outputBias: Tensor
        /// The LayerNorm after the feed-forward block.
        public var outputNormGamma: Tensor, outputNormBeta: Tensor
    }

    /// [vocab, hidden], [maxPositions, hidden], [typeVocab, hidden].
    public var wordEmbeddings: Tensor, positionEmbeddings: Tensor, tokenTypeEmbeddings: Tensor
    /// The embedding LayerNorm.
    public var embeddingNormGamma: Tensor, embeddingNormBeta: Tensor
    /// The encoder layers in order.
    public var layers: [Layer]

    /// The matmul weights' names in a layer, relative to `encoder.layer.N.`.
    public static let matmulWeightSuffixes = [
        "attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight",
        "attention.output.dense.weight", "intermediate.dense.weight", "output.dense.weight",
    ]

    /// Loads and checks every weight `config` needs from `source`, under its Hugging Face name
    /// with or without the `bert.` prefix.
    public init(config: BertConfig, source: some TensorSource) throws {
        try config.validate()
        let (h, i) = (config.hiddenSize, config.intermediateSize)
        func dense(_ name: String, _ shape: [Int]) throws -> Tensor { try BertWeights.load(name, shape: shape, from: source, keepQuantized: false) }
        wordEmbeddings = try dense("embeddings.word_embeddings.weight", [config.vocabSize, h])
        positionEmbeddings = try dense("embeddings.position_embeddings.weight", [config.maxPositionEmbeddings, h])
        tokenTypeEmbeddings = try dense("embeddings.token_type_embeddings.weight", [config.typeVocabSize, h])
        embeddingNormGamma = try dense("embeddings.LayerNorm.weight", [h])
        embeddingNormBeta = try dense("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.numHiddenLayers).map { n in
            let p = "encoder.layer.\(n)."
            func matrix(_ name: String, _ shape: [Int]) throws -> Tensor { try BertWeights.load(p + name, shape: shape, from: source, keepQuantized: true) }
            func vector(_ name: String, _ count: Int) throws -> Tensor { try dense(p + name, [count]) }
            let q = try matrix("attention.self.query.weight", [h, h])
            let k = try matrix("attention.self.key.weight", [h, h])
            let v = try matrix("attention.self.value.weight", [h, h])
            let biases = try ["query", "key", "value"].map { try vector("attention.self.\($0).bias", h) }
            return Layer(
                qkvWeight: try BertWeights.stackRows([q, k, v]),
                qkvBias: try BertWeights.stackRows(biases),
                attentionOutputWeight: try matrix("attention.output.dense.weight", [h, h]),
                attentionOutputBias: try vector("attention.output.dense.bias", h),
                attentionNormGamma: try vector("attention.output.LayerNorm.weight", h),
                attentionNormBeta: try vector("attention.output.LayerNorm.bias", h),
                intermediateWeight: try matrix("intermediate.dense.weight", [i, h]),
                intermediateBias: try vector("intermediate.dense.bias", i),
                outputWeight: try matrix("output.dense.weight", [h, i]),
                outputBias: try vector("output.dense.bias", h),
                outputNormGamma: try vector("output.LayerNorm.weight", h),
                outputNormBeta: try vector("output.LayerNorm.bias", h))
        }
    }

    /// The matmul weights (suffixes of ``matmulWeightSuffixes``) that a `q4_0` model keeps in
    /// `q8_0`, as llama.cpp's mixed 4-bit types keep their most sensitive tensors at more bits.
    /// Chosen by measurement: Benchmarks/embed/q4_sensitivity.py quantizes every matmul weight to
    /// Q4_0 but one kind and scores the embeddings against sentence-transformers' (see
    /// Benchmarks/embed/README.md for the table).
    /// Query, key and value stay together because the encoder multiplies them as one stacked
    /// matrix of one type.
    public static let q4_0KeptAtQ8_0Suffixes = [
        "attention.self.query.weight", "attention.self.key.weight", "attention.self.value.weight", "intermediate.dense.weight",
    ]

    /// The type the matmul weight `name` gets when a model is quantized to `dtype`: `dtype`,
    /// except the ``q4_0KeptAtQ8_0Suffixes`` of a `q4_0` model, which get `q8_0`.
    public static func quantizedType(ofMatmulWeight name: String, requested dtype: DType) -> DType {
        dtype == .q4_0 && q4_0KeptAtQ8_0Suffixes.contains(where: { name.hasSuffix($0) }) ? .q8_0 : dtype
    }

    /// A copy of `weights` with every layer's matmul weights (see ``matmulWeightSuffixes``)
    /// quantized to `dtype` (Q8_0 or Q4_0; see ``quantizedType(ofMatmulWeight:requested:)``), the
    /// other tensors unchanged: how an f32 safetensors model runs with quantized kernels.
    public static func quantizingMatmulWeights(_ weights: [String: Tensor], to dtype: DType) throws -> [String: Tensor] {
        guard dtype == .q8_0 || dtype == .q4_0 else {
            throw BertModelError.invalidConfig("matmul weights can be quantized to q8_0 or q4_0, not \(dtype.rawValue)")
        }
        var out = weights
        let matmuls = weights.filter { name, _ in name.contains("encoder.layer.") && matmulWeightSuffixes.contains(where: { name.hasSuffix($0) }) }
            .sorted { $0.key < $1.key }
        for (name, tensor) in matmuls {
            let target = quantizedType(ofMatmulWeight: name, requested: dtype)
            guard tensor.shape.count == 2, tensor.shape[1] % target.blockSize == 0 else {
                throw BertModelError.badTensor(name: name, problem: "shape \(tensor.shape) cannot be quantized to \(target.rawValue): the input width must be a multiple of \(target.blockSize)")
            }
        }
        // One tensor per task, over the cores (Q4_0's scale search makes this worth it).
        let results = ConcurrentResults<Tensor>(count: matmuls.count)
        DispatchQueue.concurrentPerform(iterations: matmuls.count) { i in
            results.set(i, Result { try matmuls[i].value.converted(to: quantizedType(ofMatmulWeight: matmuls[i].key, requested: dtype)) })
        }
        for (i, entry) in matmuls.enumerated() { out[entry.key] = try results.get(i) }
        return out
    }

    private static func load(_ name: String, shape: [Int], from source: some TensorSource, keepQuantized: Bool) throws -> Tensor {
        let candidates = [name, "bert." + name]
        for candidate in candidates {
            guard let tensor = try source.tensor(named: candidate) else { continue }
            guard tensor.shape == shape else {
                throw BertModelError.badTensor(name: candidate, problem: "shape \(tensor.shape), expected \(shape) from the config")
            }
            switch tensor.dtype {
            case .f32: return try tensor.contiguous()
            case .q8_0, .q4_0: return keepQuantized ? tensor : try tensor.converted(to: .f32)
            case .f16, .bf16: return try tensor.converted(to: .f32)
            case .i8: throw BertModelError.badTensor(name: candidate, problem: "i8 weights carry no scale; use f32, f16, bf16, q8_0 or q4_0")
            }
        }
        throw BertModelError.missingTensor(name: name, tried: candidates)
    }

    /// Concatenates tensors along their first dimension (all of one dtype and row width);
    /// mixed dtypes are widened to f32 first.
    static func stackRows(_ parts: [Tensor]) throws -> Tensor {
        let sameType = parts.allSatisfy { $0.dtype == parts[0].dtype }
        let uniform = sameType ? parts : try parts.map { try $0.converted(to: .f32) }
        var shape = uniform[0].shape
        shape[0] = uniform.reduce(0) { $0 + $1.shape[0] }
        let out = try Tensor(zeros: shape, dtype: uniform[0].dtype)
        var offset = 0
        for part in uniform {
            let contiguous = try part.contiguous()
            (out.baseAddress + offset).copyMemory(from: contiguous.baseAddress, byteCount: contiguous.byteCount)
            offset += contiguous.byteCount
        }
        return out
    }
}

/// Results written by concurrent tasks, one slot each.
private final class ConcurrentResults<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var slots: [Result<Value, Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ index: Int, _ result: Result<Value, Error>) {
        lock.lock()
        slots[index] = result
        lock.unlock()
    }

    /// The value stored at `index`, or the error its task threw.
    func get(_ index: Int) throws -> Value {
        lock.lock()
        let result = slots[index]
        lock.unlock()
        guard let result else { preconditionFailure("task \(index) did not run") }
        return try result.get()
    }
}
