/// The GGUF metadata keys under which mlp stores a BERT sentence-embedding model, so that one
/// `.gguf` file holds the weights, the config and the tokenizer.
///
/// Hyper-parameters follow llama.cpp's names for BERT (`bert.*`); tokenizer settings llama.cpp
/// has no key for are under `tokenizer.mlp.*`. Tensors keep their Hugging Face names
/// (`encoder.layer.0.attention.self.query.weight`, ...), not llama.cpp's.
public enum BertGGUFKeys {
    /// `"bert"`.
    public static let architecture = "general.architecture"
    /// A free-form model name (the source folder's name).
    public static let name = "general.name"
    /// The matmul weights' element type (`f32`, `q8_0`, `q4_0`), as text.
    public static let weightType = "mlp.weight_type"
    /// `vocab_size` (uint32).
    public static let vocabSize = "bert.vocab_size"
    /// `hidden_size` (uint32).
    public static let embeddingLength = "bert.embedding_length"
    /// `num_hidden_layers` (uint32).
    public static let blockCount = "bert.block_count"
    /// `num_attention_heads` (uint32).
    public static let headCount = "bert.attention.head_count"
    /// `intermediate_size` (uint32).
    public static let feedForwardLength = "bert.feed_forward_length"
    /// `max_position_embeddings` (uint32).
    public static let contextLength = "bert.context_length"
    /// `type_vocab_size` (uint32).
    public static let tokenTypeCount = "bert.token_type_count"
    /// `layer_norm_eps` (float32).
    public static let layerNormEpsilon = "bert.attention.layer_norm_epsilon"
    /// `hidden_act` (string).
    public static let hiddenActivation = "bert.hidden_act"
    /// `"bert"` (WordPiece).
    public static let tokenizerModel = "tokenizer.ggml.model"
    /// The vocabulary in id order (array of strings).
    public static let tokens = "tokenizer.ggml.tokens"
    /// Token ids of [UNK], [CLS], [SEP], [PAD] (uint32).
    public static let unknownID = "tokenizer.ggml.unknown_token_id"
    public static let classifierID = "tokenizer.ggml.cls_token_id"
    public static let separatorID = "tokenizer.ggml.seperator_token_id"
    public static let paddingID = "tokenizer.ggml.padding_token_id"
    /// Tokens matched whole in raw text (array of strings).
    public static let specialTokens = "tokenizer.mlp.special_tokens"
    /// BertNormalizer flags (bool).
    public static let lowercase = "tokenizer.mlp.lowercase"
    public static let stripAccents = "tokenizer.mlp.strip_accents"
    public static let cleanText = "tokenizer.mlp.clean_text"
    public static let splitChineseCharacters = "tokenizer.mlp.split_chinese_characters"
    /// The most tokens per sentence, [CLS] and [SEP] included (uint32).
    public static let maxLength = "tokenizer.mlp.max_length"
    /// WordPiece's continuation prefix (string, `##`).
    public static let continuationPrefix = "tokenizer.mlp.continuation_prefix"
    /// Longer words become [UNK] (uint32).
    public static let maxCharactersPerWord = "tokenizer.mlp.max_characters_per_word"
}
