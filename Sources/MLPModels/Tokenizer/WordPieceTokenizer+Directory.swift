import Foundation

extension WordPieceTokenizer {
    /// Loads the tokenizer of a Hugging Face BERT model folder: `vocab.txt` (required), with the
    /// settings of `tokenizer.json` where present (its `BertNormalizer`, WordPiece model, added
    /// tokens and truncation length), else of `tokenizer_config.json` (`do_lower_case`,
    /// `strip_accents`, `tokenize_chinese_chars`, `model_max_length`, special tokens).
    ///
    /// ``maxLength`` is `tokenizer.json`'s truncation length, else `model_max_length`, else 512.
    /// - Throws: ``TokenizerError`` naming the file and the setting that is wrong.
    public static func load(directory: String) throws -> WordPieceTokenizer {
        let folder = URL(fileURLWithPath: directory)
        let vocabulary = try WordPieceVocabulary(contentsOf: folder.appendingPathComponent("vocab.txt").path)
        var splitter = BertTextSplitter()
        var maxLength = defaultMaxLength
        var names = (unknown: "[UNK]", classifier: "[CLS]", separator: "[SEP]", padding: "[PAD]")
        var special: [String]?
        var maxCharactersPerWord = 100
        var continuationPrefix = "##"

        let configPath = folder.appendingPathComponent("tokenizer_config.json").path
        if let config = try readObject(configPath) {
            let lowercase = try bool(config["do_lower_case"], "do_lower_case", configPath) ?? true
            splitter.lowercase = lowercase
            splitter.stripAccents = try bool(config["strip_accents"], "strip_accents", configPath) ?? lowercase
            splitter.splitChineseCharacters = try bool(config["tokenize_chinese_chars"], "tokenize_chinese_chars", configPath) ?? true
            // Hugging Face writes a huge number (1e30) when a model sets no limit.
            if let length = config["model_max_length"] as? NSNumber, length.doubleValue >= 2, length.doubleValue <= 1_000_000 {
                maxLength = length.intValue
            }
            names.unknown = try string(config["unk_token"], "unk_token", configPath) ?? names.unknown
            names.classifier = try string(config["cls_token"], "cls_token", configPath) ?? names.classifier
            names.separator = try string(config["sep_token"], "sep_token", configPath) ?? names.separator
            names.padding = try string(config["pad_token"], "pad_token", configPath) ?? names.padding
        }

        let tokenizerPath = folder.appendingPathComponent("tokenizer.json").path
        if let tokenizer = try readObject(tokenizerPath) {
            if let model = tokenizer["model"] as? [String: Any] {
                guard (model["type"] as? String) == "WordPiece" else {
                    throw TokenizerError.invalidConfiguration(path: tokenizerPath, detail: "model.type is \(model["type"] ?? "missing"), not WordPiece")
                }
                names.unknown = try string(model["unk_token"], "model.unk_token", tokenizerPath) ?? names.unknown
                continuationPrefix = try string(model["continuing_subword_prefix"], "model.continuing_subword_prefix", tokenizerPath) ?? continuationPrefix
                if let limit = model["max_input_chars_per_word"] as? NSNumber { maxCharactersPerWord = limit.intValue }
            }
            if let normalizer = tokenizer["normalizer"] as? [String: Any] {
                guard (normalizer["type"] as? String) == "BertNormalizer" else {
                    throw TokenizerError.invalidConfiguration(path: tokenizerPath, detail: "normalizer.type is \(normalizer["type"] ?? "missing"), not BertNormalizer")
                }
                splitter.cleanText = try bool(normalizer["clean_text"], "normalizer.clean_text", tokenizerPath) ?? true
                splitter.splitChineseCharacters = try bool(normalizer["handle_chinese_chars"], "normalizer.handle_chinese_chars", tokenizerPath) ?? true
                splitter.lowercase = try bool(normalizer["lowercase"], "normalizer.lowercase", tokenizerPath) ?? true
                // strip_accents: null means "as lowercase".
                splitter.stripAccents = try bool(normalizer["strip_accents"], "normalizer.strip_accents", tokenizerPath) ?? splitter.lowercase
            }
            if let truncation = tokenizer["truncation"] as? [String: Any], let length = truncation["max_length"] as? NSNumber {
                maxLength = length.intValue
            }
            if let added = tokenizer["added_tokens"] as? [[String: Any]] {
                special = added.compactMap { $0["content"] as? String }
            }
            if let post = tokenizer["post_processor"] as? [String: Any], let tokens = post["special_tokens"] as? [String: Any] {
                if tokens["[CLS]"] == nil || tokens["[SEP]"] == nil {
                    throw TokenizerError.invalidConfiguration(path: tokenizerPath, detail: "post_processor.special_tokens lacks [CLS] or [SEP]")
                }
            }
        }

        guard maxCharactersPerWord >= 1 else {
            throw TokenizerError.invalidSetting(name: "max_input_chars_per_word", detail: "\(maxCharactersPerWord) must be at least 1")
        }
        var tokenizer = try WordPieceTokenizer(vocabulary: vocabulary, splitter: splitter, maxLength: maxLength,
                                               unknownToken: names.unknown, classifierToken: names.classifier,
                                               separatorToken: names.separator, paddingToken: names.padding, specialTokens: special)
        tokenizer.maxCharactersPerWord = maxCharactersPerWord
        tokenizer.continuationPrefix = continuationPrefix
        return tokenizer
    }

    /// The JSON object in `path`, or nil when there is no such file.
    private static func readObject(_ path: String) throws -> [String: Any]? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.unreadable(path: path, detail: "not readable")
        }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw TokenizerError.invalidConfiguration(path: path, detail: "not valid JSON (\(error.localizedDescription))")
        }
        guard let dictionary = object as? [String: Any] else {
            throw TokenizerError.invalidConfiguration(path: path, detail: "the top level is not a JSON object")
        }
        return dictionary
    }

    private static func bool(_ value: Any?, _ name: String, _ path: String) throws -> Bool? {
        guard let value, !(value is NSNull) else { return nil }
        guard let flag = value as? Bool else { throw TokenizerError.invalidConfiguration(path: path, detail: "\(name) is \(value), not true, false or null") }
        return flag
    }

    private static func string(_ value: Any?, _ name: String, _ path: String) throws -> String? {
        guard let value, !(value is NSNull) else { return nil }
        if let text = value as? String { return text }
        // Newer configs write special tokens as {"content": "[UNK]", ...}.
        if let object = value as? [String: Any], let content = object["content"] as? String { return content }
        throw TokenizerError.invalidConfiguration(path: path, detail: "\(name) is \(value), not a string")
    }
}
