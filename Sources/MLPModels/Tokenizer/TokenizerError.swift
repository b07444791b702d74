/// What is wrong with a tokenizer's files or settings.
public enum TokenizerError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A file could not be read.
    case unreadable(path: String, detail: String)
    /// The vocabulary file is empty or not UTF-8.
    case invalidVocabulary(path: String, detail: String)
    /// A token the tokenizer needs (`[UNK]`, `[CLS]`, …) is not in the vocabulary.
    case missingToken(token: String, role: String)
    /// `tokenizer.json` or `tokenizer_config.json` is not what a BERT WordPiece tokenizer has.
    case invalidConfiguration(path: String, detail: String)
    /// A setting is out of range.
    case invalidSetting(name: String, detail: String)

    /// What is wrong, where, and what to do.
    public var description: String {
        switch self {
        case let .unreadable(path, detail):
            return "\(path): cannot read: \(detail)"
        case let .invalidVocabulary(path, detail):
            return "\(path): not a WordPiece vocabulary (one token a line, UTF-8): \(detail)"
        case let .missingToken(token, role):
            return "the vocabulary has no \(role) token '\(token)'; use the vocab.txt that came with the model"
        case let .invalidConfiguration(path, detail):
            return "\(path): \(detail); a BERT tokenizer.json has a WordPiece model and a BertNormalizer"
        case let .invalidSetting(name, detail):
            return "tokenizer setting \(name): \(detail)"
        }
    }
}
