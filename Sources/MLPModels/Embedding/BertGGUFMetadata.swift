import Foundation
import MLPTensor

/// Reads and writes a BERT model's config and tokenizer as GGUF metadata (see ``BertGGUFKeys``).
public struct BertGGUFMetadata {
    private let lookup: (String) -> GGUFValue?
    private let path: String

    /// The metadata of `file`.
    public init(file: GGUFFile) {
        lookup = { file[$0] }
        path = file.path
    }

    /// The config the hyper-parameter keys describe.
    /// - Throws: ``ModelLoadError/badMetadata(path:key:detail:)`` for a missing or ill-typed key.
    public func config() throws -> BertConfig {
        let architecture = try string(BertGGUFKeys.architecture)
        guard architecture == "bert" else {
            throw ModelLoadError.badMetadata(path: path, key: BertGGUFKeys.architecture, detail: "is \"\(architecture)\"; only \"bert\" models load")
        }
        guard case .float32(let epsilon) = try value(BertGGUFKeys.layerNormEpsilon) else {
            throw ModelLoadError.badMetadata(path: path, key: BertGGUFKeys.layerNormEpsilon, detail: "is not a float32")
        }
        let config = BertConfig(vocabSize: try int(BertGGUFKeys.vocabSize), hiddenSize: try int(BertGGUFKeys.embeddingLength),
                                numHiddenLayers: try int(BertGGUFKeys.blockCount), numAttentionHeads: try int(BertGGUFKeys.headCount),
                                intermediateSize: try int(BertGGUFKeys.feedForwardLength), maxPositionEmbeddings: try int(BertGGUFKeys.contextLength),
                                typeVocabSize: try int(BertGGUFKeys.tokenTypeCount), layerNormEps: epsilon,
                                hiddenAct: try string(BertGGUFKeys.hiddenActivation))
        try config.validate(source: path)
        return config
    }

    /// The tokenizer the vocabulary and tokenizer keys describe.
    public func tokenizer() throws -> WordPieceTokenizer {
        let model = try string(BertGGUFKeys.tokenizerModel)
        guard model == "bert" else {
            throw ModelLoadError.badMetadata(path: path, key: BertGGUFKeys.tokenizerModel, detail: "is \"\(model)\"; only \"bert\" (WordPiece) is supported")
        }
        let tokens = try strings(BertGGUFKeys.tokens)
        let special = try strings(BertGGUFKeys.specialTokens)
        func token(_ key: String) throws -> String {
            let id = try int(key)
            guard id < tokens.count else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "is \(id), past the \(tokens.count)-token vocabulary") }
            return tokens[id]
        }
        let splitter = BertTextSplitter(cleanText: try bool(BertGGUFKeys.cleanText), splitChineseCharacters: try bool(BertGGUFKeys.splitChineseCharacters),
                                        stripAccents: try bool(BertGGUFKeys.stripAccents), lowercase: try bool(BertGGUFKeys.lowercase))
        var tokenizer = try WordPieceTokenizer(vocabulary: WordPieceVocabulary(tokens: tokens), splitter: splitter, maxLength: try int(BertGGUFKeys.maxLength),
                                               unknownToken: try token(BertGGUFKeys.unknownID), classifierToken: try token(BertGGUFKeys.classifierID),
                                               separatorToken: try token(BertGGUFKeys.separatorID), paddingToken: try token(BertGGUFKeys.paddingID),
                                               specialTokens: special)
        tokenizer.continuationPrefix = try string(BertGGUFKeys.continuationPrefix)
        tokenizer.maxCharactersPerWord = try int(BertGGUFKeys.maxCharactersPerWord)
        return tokenizer
    }

    /// The matmul weights' element type the file records.
    public func weightType() throws -> DType {
        let name = try string(BertGGUFKeys.weightType)
        guard let type = DType(rawValue: name), [.f32, .f16, .q8_0, .q4_0].contains(type) else {
            throw ModelLoadError.badMetadata(path: path, key: BertGGUFKeys.weightType, detail: "is \"\(name)\", not f32, f16, q8_0 or q4_0")
        }
        return type
    }

    /// The metadata entries for a model: its config, tokenizer, the special tokens to match
    /// whole, and the matmul weights' type.
    public static func entries(name: String, config: BertConfig, tokenizer: WordPieceTokenizer, specialTokens: [String],
                               weightType: DType) -> [(key: String, value: GGUFValue)] {
        func u32(_ value: Int) -> GGUFValue { .uint32(UInt32(clamping: value)) }
        func strings(_ values: [String]) -> GGUFValue { .array(elementType: .string, values: values.map { .string($0) }) }
        return [
            (BertGGUFKeys.architecture, .string("bert")),
            (BertGGUFKeys.name, .string(name)),
            (BertGGUFKeys.weightType, .string(weightType.rawValue)),
            (BertGGUFKeys.vocabSize, u32(config.vocabSize)),
            (BertGGUFKeys.embeddingLength, u32(config.hiddenSize)),
            (BertGGUFKeys.blockCount, u32(config.numHiddenLayers)),
            (BertGGUFKeys.headCount, u32(config.numAttentionHeads)),
            (BertGGUFKeys.feedForwardLength, u32(config.intermediateSize)),
            (BertGGUFKeys.contextLength, u32(config.maxPositionEmbeddings)),
            (BertGGUFKeys.tokenTypeCount, u32(config.typeVocabSize)),
            (BertGGUFKeys.layerNormEpsilon, .float32(config.layerNormEps)),
            (BertGGUFKeys.hiddenActivation, .string(config.hiddenAct)),
            (BertGGUFKeys.tokenizerModel, .string("bert")),
            (BertGGUFKeys.tokens, strings(tokenizer.vocabulary.tokens)),
            (BertGGUFKeys.unknownID, u32(tokenizer.unknownID)),
            (BertGGUFKeys.classifierID, u32(tokenizer.classifierID)),
            (BertGGUFKeys.separatorID, u32(tokenizer.separatorID)),
            (BertGGUFKeys.paddingID, u32(tokenizer.paddingID)),
            (BertGGUFKeys.specialTokens, strings(specialTokens)),
            (BertGGUFKeys.lowercase, .bool(tokenizer.splitter.lowercase)),
            (BertGGUFKeys.stripAccents, .bool(tokenizer.splitter.stripAccents)),
            (BertGGUFKeys.cleanText, .bool(tokenizer.splitter.cleanText)),
            (BertGGUFKeys.splitChineseCharacters, .bool(tokenizer.splitter.splitChineseCharacters)),
            (BertGGUFKeys.maxLength, u32(tokenizer.maxLength)),
            (BertGGUFKeys.continuationPrefix, .string(tokenizer.continuationPrefix)),
            (BertGGUFKeys.maxCharactersPerWord, u32(tokenizer.maxCharactersPerWord)),
        ]
    }

    // MARK: Typed look-ups

    private func value(_ key: String) throws -> GGUFValue {
        guard let value = lookup(key) else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "is missing") }
        return value
    }

    private func int(_ key: String) throws -> Int {
        guard let number = try value(key).intValue, number >= 0 else {
            throw ModelLoadError.badMetadata(path: path, key: key, detail: "is not a non-negative integer")
        }
        return number
    }

    private func string(_ key: String) throws -> String {
        guard let text = try value(key).stringValue else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "is not a string") }
        return text
    }

    private func bool(_ key: String) throws -> Bool {
        guard case .bool(let flag) = try value(key) else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "is not a bool") }
        return flag
    }

    private func strings(_ key: String) throws -> [String] {
        guard case .array(_, let values) = try value(key) else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "is not an array") }
        return try values.map {
            guard let text = $0.stringValue else { throw ModelLoadError.badMetadata(path: path, key: key, detail: "holds a non-string") }
            return text
        }
    }
}
