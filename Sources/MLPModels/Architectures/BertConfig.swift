import Foundation

/// The shape of a BERT encoder, read from a Hugging Face `config.json`.
public struct BertConfig: Codable, Equatable, Sendable {
    /// Rows of the word-embedding table.
    public var vocabSize: Int
    /// Width of every token's hidden state (384 for MiniLM-L6).
    public var hiddenSize: Int
    /// Number of encoder layers.
    public var numHiddenLayers: Int
    /// Attention heads per layer; `hiddenSize` must be a multiple of it.
    public var numAttentionHeads: Int
    /// Width of the feed-forward layer.
    public var intermediateSize: Int
    /// Rows of the position-embedding table: the longest sequence the model takes.
    public var maxPositionEmbeddings: Int
    /// Rows of the token-type (segment) embedding table.
    public var typeVocabSize: Int
    /// The epsilon added to the variance in every LayerNorm.
    public var layerNormEps: Float
    /// The feed-forward activation; only "gelu" (the erf form) is supported.
    public var hiddenAct: String

    enum CodingKeys: String, CodingKey {
        case vocabSize = "vocab_size", hiddenSize = "hidden_size", numHiddenLayers = "num_hidden_layers"
        case numAttentionHeads = "num_attention_heads", intermediateSize = "intermediate_size"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case layerNormEps = "layer_norm_eps", hiddenAct = "hidden_act"
    }

    /// A configuration from its values; call ``validate()`` before use.
    public init(vocabSize: Int, hiddenSize: Int, numHiddenLayers: Int, numAttentionHeads: Int, intermediateSize: Int,
                maxPositionEmbeddings: Int = 512, typeVocabSize: Int = 2, layerNormEps: Float = 1e-12, hiddenAct: String = "gelu") {
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.numHiddenLayers = numHiddenLayers
        self.numAttentionHeads = numAttentionHeads
        self.intermediateSize = intermediateSize
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.layerNormEps = layerNormEps
        self.hiddenAct = hiddenAct
    }

    /// Reads the keys above from a config.json; `type_vocab_size`, `max_position_embeddings`,
    /// `layer_norm_eps` and `hidden_act` take BERT's defaults when absent.
    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        self.init(vocabSize: try c.decode(Int.self, forKey: .vocabSize),
                  hiddenSize: try c.decode(Int.self, forKey: .hiddenSize),
                  numHiddenLayers: try c.decode(Int.self, forKey: .numHiddenLayers),
                  numAttentionHeads: try c.decode(Int.self, forKey: .numAttentionHeads),
                  intermediateSize: try c.decode(Int.self, forKey: .intermediateSize),
                  maxPositionEmbeddings: try c.decodeIfPresent(Int.self, forKey: .maxPositionEmbeddings) ?? 512,
                  typeVocabSize: try c.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2,
                  layerNormEps: try c.decodeIfPresent(Float.self, forKey: .layerNormEps) ?? 1e-12,
                  hiddenAct: try c.decodeIfPresent(String.self, forKey: .hiddenAct) ?? "gelu")
    }

    /// Parses and validates a config.json's bytes.
    public static func parse(_ json: Data, source: String = "config.json") throws -> BertConfig {
        let config: BertConfig
        do {
            config = try JSONDecoder().decode(BertConfig.self, from: json)
        } catch {
            throw BertModelError.invalidConfig("\(source): not a BERT config: \(error)")
        }
        try config.validate(source: source)
        return config
    }

    /// Throws unless every size is positive, the heads divide the hidden size and the activation is GELU.
    public func validate(source: String = "config") throws {
        let sizes = [("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", numHiddenLayers),
                     ("num_attention_heads", numAttentionHeads), ("intermediate_size", intermediateSize),
                     ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize)]
        for (key, value) in sizes where value <= 0 || value > 1 << 24 {
            throw BertModelError.invalidConfig("\(source): \(key) is \(value); it must be between 1 and \(1 << 24)")
        }
        guard hiddenSize % numAttentionHeads == 0 else {
            throw BertModelError.invalidConfig("\(source): hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(numAttentionHeads)")
        }
        guard hiddenAct == "gelu" else {
            throw BertModelError.invalidConfig("\(source): hidden_act \"\(hiddenAct)\" is not supported; only \"gelu\" (erf form) is")
        }
        guard layerNormEps.isFinite, layerNormEps >= 0 else {
            throw BertModelError.invalidConfig("\(source): layer_norm_eps \(layerNormEps) must be a finite non-negative number")
        }
    }

    /// Width of one attention head.
    public var headSize: Int { hiddenSize / numAttentionHeads }
}
