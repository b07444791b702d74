import MLPTensor

/// A BERT encoder that turns token ids into sentence embeddings: embeddings, the encoder
/// layers (post-norm attention and GELU feed-forward), mean pooling over the real tokens and
/// L2 normalisation, as sentence-transformers' MiniLM models do.
///
/// A batch is split into groups of similar length (``LengthBuckets``); each group runs as one
/// padded [sentences × longest, hidden] matrix, with padded keys masked out of attention.
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
    /// The most padded tokens one group may hold (bounds the activation memory).
    public var maxTokensPerGroup = 4096
    /// The most padding a group may carry, as a fraction of its padded tokens.
    public var maxPaddingFraction = 0.2

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
        for group in LengthBuckets.groups(lengths: sentences.map(\.count), maxTokensPerGroup: maxTokensPerGroup, maxPaddingFraction: maxPaddingFraction) {
            let pooled = try forward(group.map { sentences[$0] }, tokenTypes: group.map { tokenTypes?[$0] })
            for (slot, index) in group.enumerated() { embeddings[index] = pooled[slot] }
        }
        return embeddings
    }

    /// The final hidden states of one group padded to its longest sentence, [count · longest,
    /// hidden], with the keep mask (1 for a real token).
    func hiddenStates(_ sentences: [[Int32]], tokenTypes: [[Int32]?]) throws -> (states: Tensor, keep: [UInt8], sequenceLength: Int) {
        let h = config.hiddenSize
        let seq = sentences.map(\.count).max() ?? 0
        let batch = sentences.count
        let rows = batch * seq
        var keep = [UInt8](repeating: 0, count: rows)
        let x = try Tensor(zeros: [rows, h])
        let words = weights.wordEmbeddings.floatPointer, positions = weights.positionEmbeddings.floatPointer
        let types = weights.tokenTypeEmbeddings.floatPointer
        for (b, ids) in sentences.enumerated() {
            for (j, id) in ids.enumerated() {
                let row = x.floatPointer + (b * seq + j) * h
                let word = words + Int(id) * h, position = positions + j * h
                let type = types + Int(tokenTypes[b]?[j] ?? 0) * h
                for c in 0..<h { row[c] = word[c] + position[c] + type[c] }
                keep[b * seq + j] = 1
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
                                 into: context, batch: batch, heads: config.numAttentionHeads, keep: keep, pool: pool)
            try Tensor.linear(context, weight: linear.attentionOutput, bias: nil, into: attended, pool: pool)
            try attended.addBiasAndResidual(layer.attentionOutputBias, residual: x)
            try attended.layerNorm(gamma: layer.attentionNormGamma, beta: layer.attentionNormBeta, epsilon: config.layerNormEps)
            try Tensor.linear(attended, weight: linear.intermediate, bias: nil, into: intermediate, pool: pool)
            try intermediate.addBiasGELU(layer.intermediateBias, pool: pool)
            try Tensor.linear(intermediate, weight: linear.output, bias: nil, into: x, pool: pool)
            try x.addBiasAndResidual(layer.outputBias, residual: attended)
            try x.layerNorm(gamma: layer.outputNormGamma, beta: layer.outputNormBeta, epsilon: config.layerNormEps)
        }
        return (x, keep, seq)
    }

    private func forward(_ sentences: [[Int32]], tokenTypes: [[Int32]?]) throws -> [[Float]] {
        let (states, keep, seq) = try hiddenStates(sentences, tokenTypes: tokenTypes)
        let h = config.hiddenSize
        return sentences.indices.map { b in
            var sum = [Double](repeating: 0, count: h)
            var count = 0
            for j in 0..<seq where keep[b * seq + j] != 0 {
                let row = states.floatPointer + (b * seq + j) * h
                for c in 0..<h { sum[c] += Double(row[c]) }
                count += 1
            }
            let mean = sum.map { $0 / Double(max(count, 1)) }
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
