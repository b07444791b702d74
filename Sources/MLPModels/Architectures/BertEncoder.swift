import MLPTensor

/// A BERT encoder that turns token ids into sentence embeddings: embeddings, the encoder
/// layers (post-norm attention and GELU feed-forward), mean pooling over the real tokens and
/// L2 normalisation, as sentence-transformers' MiniLM models do.
///
/// A batch runs as packed groups (``PackedGroups``): each group's tokens are the rows of one
/// [tokens, hidden] matrix with no padding, so the linear layers, GELU and LayerNorm see only
/// real tokens, and attention is told where each sentence's rows start and end.
public final class BertEncoder: @unchecked Sendable {
    /// The model's shape.
    public let config: BertConfig
    /// The weights, in the layout the forward pass reads.
    public let weights: BertWeights
    /// The threads the kernels (and OpenBLAS) run on.
    public let pool: ThreadPool
    /// Each layer's matmul weights prepared for the kernels once (quantized ones repacked):
    /// query/key/value, attention output, intermediate, output.
    private let linearWeights: [(qkv: LinearWeight, attentionOutput: LinearWeight, intermediate: LinearWeight, output: LinearWeight)]
    /// The most tokens one packed group may hold (bounds the activation memory).
    public var maxTokensPerGroup = 4096

    /// An encoder over `weights` running on `threads` threads.
    public init(config: BertConfig, weights: BertWeights, threads: Int) throws {
        try config.validate()
        self.config = config
        self.weights = weights
        pool = try ThreadPool(threadCount: threads)
        linearWeights = try weights.layers.map { [pool] layer in
            (try LinearWeight(layer.qkvWeight, pool: pool), try LinearWeight(layer.attentionOutputWeight, pool: pool),
             try LinearWeight(layer.intermediateWeight, pool: pool), try LinearWeight(layer.outputWeight, pool: pool))
        }
    }

    /// An encoder whose weights come from `source` (see ``BertWeights/init(config:source:)``).
    public convenience init(config: BertConfig, source: some TensorSource, threads: Int) throws {
        try self.init(config: config, weights: try BertWeights(config: config, source: source), threads: threads)
    }

    /// One L2-normalised, mean-pooled embedding per sentence, in the order given. Each sentence
    /// is its token ids including [CLS] and [SEP]; `tokenTypes` (same lengths) defaults to zeros.
    public func encode(_ sentences: [[Int32]], tokenTypes: [[Int32]]? = nil) throws -> [[Float]] {
        try check(sentences, tokenTypes: tokenTypes)
        var embeddings = [[Float]](repeating: [], count: sentences.count)
        for group in PackedGroups.ranges(lengths: sentences.map(\.count), maxTokensPerGroup: maxTokensPerGroup) {
            let pooled = try forward(Array(sentences[group]), tokenTypes: group.map { tokenTypes?[$0] })
            for (slot, index) in group.enumerated() { embeddings[index] = pooled[slot] }
        }
        return embeddings
    }

    /// The final hidden states of one packed group, [total tokens, hidden]: sentence b is rows
    /// `offsets[b] ..< offsets[b + 1]`.
    func hiddenStates(_ sentences: [[Int32]], tokenTypes: [[Int32]?]) throws -> (states: Tensor, offsets: [Int]) {
        let h = config.hiddenSize
        let offsets = sentences.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        let rows = offsets.last!
        let x = try Tensor(zeros: [rows, h])
        let words = weights.wordEmbeddings.floatPointer, positions = weights.positionEmbeddings.floatPointer
        let types = weights.tokenTypeEmbeddings.floatPointer
        for (b, ids) in sentences.enumerated() {
            for (j, id) in ids.enumerated() {
                let row = x.floatPointer + (offsets[b] + j) * h
                let word = words + Int(id) * h, position = positions + j * h
                let type = types + Int(tokenTypes[b]?[j] ?? 0) * h
                for c in 0..<h { row[c] = word[c] + position[c] + type[c] }
            }
        }
        try x.layerNorm(gamma: weights.embeddingNormGamma, beta: weights.embeddingNormBeta, epsilon: config.layerNormEps)

        let qkv = try Tensor(zeros: [rows, 3 * h])
        let context = try Tensor(zeros: [rows, h])
        let attended = try Tensor(zeros: [rows, h])
        let intermediate = try Tensor(zeros: [rows, config.intermediateSize])
        for (layer, linear) in zip(weights.layers, linearWeights) {
            try Tensor.linear(x, weight: linear.qkv, bias: layer.qkvBias, into: qkv, pool: pool)
            try Tensor.attention(query: try qkv.columns(0..<h), key: try qkv.columns(h..<(2 * h)), value: try qkv.columns((2 * h)..<(3 * h)),
                                 into: context, sequenceOffsets: offsets, heads: config.numAttentionHeads, pool: pool)
            try Tensor.linear(context, weight: linear.attentionOutput, bias: layer.attentionOutputBias, residual: x, into: attended, pool: pool)
            try attended.layerNorm(gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta, epsilon: config.layerNormEps)
            try Tensor.linearGELU(attended, weight: linear.intermediate, bias: layer.intermediateBias, into: intermediate, pool: pool)
            try Tensor.linear(intermediate, weight: linear.output, bias: layer.outputBias, residual: attended, into: x, pool: pool)
            try x.layerNorm(gamma: layer.outputNormGamma, beta: layer.outputNormBeta, epsilon: config.layerNormEps)
        }
        return (x, offsets)
    }

    private func forward(_ sentences: [[Int32]], tokenTypes: [[Int32]?]) throws -> [[Float]] {
        let (states, offsets) = try hiddenStates(sentences, tokenTypes: tokenTypes)
        let h = config.hiddenSize
        return sentences.indices.map { b in
            var sum = [Double](repeating: 0, count: h)
            for r in offsets[b]..<offsets[b + 1] {
                let row = states.floatPointer + r * h
                for c in 0..<h { sum[c] += Double(row[c]) }
            }
            let mean = sum.map { $0 / Double(max(offsets[b + 1] - offsets[b], 1)) }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return mean.map { Float($0 / max(norm, 1e-12)) }
        }
    }

    private func check(_ sentences: [[Int32]], tokenTypes: [[Int32]]?) throws {
        if let tokenTypes, tokenTypes.count != sentences.count {
            throw BertModelError.invalidInput("\(tokenTypes.count) token-type lists for \(sentences.count) sentences")
        }
        for (index, ids) in sentences.enumerated() {
            guard !ids.isEmpty, ids.count <= config.maxPositionEmbeddings else {
                throw BertModelError.invalidInput("sentence \(index) has \(ids.count) tokens; the model takes 1 to \(config.maxPositionEmbeddings) (truncate longer input)")
            }
            if let bad = ids.first(where: { $0 < 0 || Int($0) >= config.vocabSize }) {
                throw BertModelError.invalidInput("sentence \(index) has token id \(bad), outside the vocabulary of \(config.vocabSize)")
            }
            if let types = tokenTypes?[index] {
                guard types.count == ids.count else {
                    throw BertModelError.invalidInput("sentence \(index) has \(ids.count) tokens but \(types.count) token types")
                }
                if let bad = types.first(where: { $0 < 0 || Int($0) >= config.typeVocabSize }) {
                    throw BertModelError.invalidInput("sentence \(index) has token type \(bad); the model has \(config.typeVocabSize)")
                }
            }
        }
    }
}
