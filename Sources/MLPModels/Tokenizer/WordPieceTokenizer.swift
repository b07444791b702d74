import Foundation

/// BERT's WordPiece tokenizer (uncased by default), matching Hugging Face `tokenizers` id for id.
///
/// Encoding runs: special tokens found in the raw text (`[MASK]`, `[SEP]`, … kept whole, as the
/// reference does for its un-normalized added tokens); ``BertTextSplitter`` on the text between
/// them; greedy longest-match-first WordPiece on each word (continuations prefixed `##`, a word
/// over ``maxCharactersPerWord`` characters or with no match becomes `[UNK]`); truncation to
/// ``maxLength`` including `[CLS]` and `[SEP]`.
public struct WordPieceTokenizer: Sendable {
    /// The vocabulary.
    public let vocabulary: WordPieceVocabulary
    /// The text clean-up and word splitting settings.
    public var splitter: BertTextSplitter
    /// The most tokens an encoding holds, `[CLS]` and `[SEP]` included.
    public private(set) var maxLength: Int
    /// Longer words become `[UNK]` whole.
    public var maxCharactersPerWord = 100
    /// The prefix of a word-continuing piece.
    public var continuationPrefix = "##"
    /// The ids of `[UNK]`, `[CLS]`, `[SEP]` and `[PAD]`.
    public let unknownID: Int, classifierID: Int, separatorID: Int, paddingID: Int
    /// Tokens matched whole in the raw text, longest first, with their ids.
    private let specialTokens: [(bytes: [UInt8], id: Int)]

    /// The default ``maxLength``: BERT's 512 positions.
    public static let defaultMaxLength = 512

    /// A tokenizer over `vocabulary`.
    /// - Parameters:
    ///   - specialTokens: tokens to keep whole when they appear in the text; by default the
    ///     vocabulary's `[PAD]`, `[UNK]`, `[CLS]`, `[SEP]` and `[MASK]`.
    /// - Throws: ``TokenizerError/missingToken(token:role:)`` when a required token is not in the
    ///   vocabulary, ``TokenizerError/invalidSetting(name:detail:)`` for a `maxLength` under 2.
    public init(vocabulary: WordPieceVocabulary, splitter: BertTextSplitter = BertTextSplitter(),
                maxLength: Int = defaultMaxLength, unknownToken: String = "[UNK]", classifierToken: String = "[CLS]",
                separatorToken: String = "[SEP]", paddingToken: String = "[PAD]", specialTokens: [String]? = nil) throws {
        guard maxLength >= 2 else { throw TokenizerError.invalidSetting(name: "maxLength", detail: "\(maxLength) leaves no room for [CLS] and [SEP]; use at least 2") }
        func id(_ token: String, _ role: String) throws -> Int {
            guard let id = vocabulary.id(of: token) else { throw TokenizerError.missingToken(token: token, role: role) }
            return id
        }
        self.vocabulary = vocabulary
        self.splitter = splitter
        self.maxLength = maxLength
        unknownID = try id(unknownToken, "unknown")
        classifierID = try id(classifierToken, "classifier")
        separatorID = try id(separatorToken, "separator")
        paddingID = try id(paddingToken, "padding")
        let special = specialTokens ?? [paddingToken, unknownToken, classifierToken, separatorToken, "[MASK]"].filter { vocabulary.id(of: $0) != nil }
        self.specialTokens = try special.filter { !$0.isEmpty }
            .map { (bytes: Array($0.utf8), id: try id($0, "special")) }
            .sorted { $0.bytes.count > $1.bytes.count }
    }

    /// This tokenizer with ``maxLength`` set to `maxLength`.
    /// - Throws: ``TokenizerError/invalidSetting(name:detail:)`` for a length under 2.
    public func truncating(to maxLength: Int) throws -> WordPieceTokenizer {
        guard maxLength >= 2 else { throw TokenizerError.invalidSetting(name: "maxLength", detail: "\(maxLength) leaves no room for [CLS] and [SEP]; use at least 2") }
        var copy = self
        copy.maxLength = maxLength
        return copy
    }

    /// The ids of `text`: `[CLS]`, its word pieces (cut to fit ``maxLength``), `[SEP]`.
    public func encode(_ text: String) -> TokenEncoding {
        var pieces = pieceIDs(text)
        let room = maxLength - 2
        let truncated = pieces.count > room
        if truncated { pieces.removeSubrange(room...) }
        return TokenEncoding(ids: [classifierID] + pieces + [separatorID], truncated: truncated)
    }

    /// Encodes each text and pads all to the longest with `[PAD]` (attention mask 0).
    public func encode(batch texts: [String]) -> [TokenEncoding] {
        var encodings = texts.map(encode)
        let longest = encodings.map(\.ids.count).max() ?? 0
        for index in encodings.indices { encodings[index].pad(to: longest, with: paddingID) }
        return encodings
    }

    /// The word-piece tokens of `text` without `[CLS]`, `[SEP]` or truncation, as strings.
    public func tokenize(_ text: String) -> [String] {
        pieceIDs(text).map { vocabulary.tokens[$0] }
    }

    /// The word-piece ids of `text`, special tokens included where the text has them.
    func pieceIDs(_ text: String) -> [Int] {
        var ids: [Int] = []
        for segment in splitOnSpecialTokens(text) {
            switch segment {
            case .special(let id): ids.append(id)
            case .text(let part):
                for word in splitter.words(part) { appendPieces(of: word, to: &ids) }
            }
        }
        return ids
    }

    private enum Segment { case text(String), special(Int) }

    /// Splits the raw text around special tokens, leftmost match first and longest at a position.
    private func splitOnSpecialTokens(_ text: String) -> [Segment] {
        guard !specialTokens.isEmpty else { return [.text(text)] }
        let bytes = Array(text.utf8)
        var segments: [Segment] = []
        var start = 0
        var position = 0
        while position < bytes.count {
            var matched: (length: Int, id: Int)?
            for token in specialTokens where token.bytes[0] == bytes[position] && token.bytes.count <= bytes.count - position {
                if bytes[position..<(position + token.bytes.count)].elementsEqual(token.bytes) {
                    matched = (token.bytes.count, token.id)
                    break
                }
            }
            if let matched {
                if start < position { segments.append(.text(String(decoding: bytes[start..<position], as: UTF8.self))) }
                segments.append(.special(matched.id))
                position += matched.length
                start = position
            } else {
                position += 1
            }
        }
        if start < bytes.count { segments.append(.text(String(decoding: bytes[start...], as: UTF8.self))) }
        return segments
    }

    /// Greedy longest-match-first WordPiece of one word.
    private func appendPieces(of word: [Unicode.Scalar], to ids: inout [Int]) {
        guard word.count <= maxCharactersPerWord else {
            ids.append(unknownID)
            return
        }
        // UTF-8 bytes of the word and the byte offset where each scalar starts.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(word.count)
        var boundaries: [Int] = []
        boundaries.reserveCapacity(word.count + 1)
        for scalar in word {
            boundaries.append(bytes.count)
            UTF8.encode(scalar) { bytes.append($0) }
        }
        boundaries.append(bytes.count)
        let prefix = Array(continuationPrefix.utf8)
        var pieces: [Int] = []
        var start = 0
        var candidate: [UInt8] = []
        while start < word.count {
            var found: (id: Int, end: Int)?
            let prefixLength = start > 0 ? prefix.count : 0
            // Candidates longer than the longest token cannot match; start from the longest that can.
            var end = word.count
            while end > start, prefixLength + boundaries[end] - boundaries[start] > vocabulary.longestTokenBytes { end -= 1 }
            while end > start {
                candidate.removeAll(keepingCapacity: true)
                if start > 0 { candidate.append(contentsOf: prefix) }
                candidate.append(contentsOf: bytes[boundaries[start]..<boundaries[end]])
                if let id = vocabulary.id(ofBytes: candidate) {
                    found = (id, end)
                    break
                }
                end -= 1
            }
            guard let found else {
                ids.append(unknownID)
                return
            }
            pieces.append(found.id)
            start = found.end
        }
        ids.append(contentsOf: pieces)
    }
}
