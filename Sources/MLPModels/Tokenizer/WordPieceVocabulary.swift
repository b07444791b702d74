import Foundation

/// A WordPiece vocabulary: token strings and their ids (the line number in `vocab.txt`).
///
/// Tokens are looked up by their exact UTF-8 bytes, as Hugging Face `tokenizers` does; Swift's
/// `String` equality would treat canonically equivalent spellings (a precomposed `é` and `e` plus
/// a combining accent) as one token, which the reference does not.
public struct WordPieceVocabulary: Sendable {
    private var ids: [[UInt8]: Int] = [:]
    /// The tokens by id.
    public private(set) var tokens: [String] = []
    /// The longest token in UTF-8 bytes (longer candidates need not be looked up).
    private(set) var longestTokenBytes = 0

    /// A vocabulary of `tokens`, the id of each being its position; a repeated token keeps its last id.
    public init(tokens: [String]) {
        self.tokens = tokens
        ids.reserveCapacity(tokens.count)
        for (id, token) in tokens.enumerated() {
            let bytes = Array(token.utf8)
            ids[bytes] = id
            longestTokenBytes = max(longestTokenBytes, bytes.count)
        }
    }

    /// Reads `vocab.txt`: one token a line, trailing whitespace dropped.
    /// - Throws: ``TokenizerError`` when the file is missing, not UTF-8 or empty.
    public init(contentsOf path: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw TokenizerError.unreadable(path: path, detail: "no such file or not readable")
        }
        // Split on the newline byte: a String would hold "\r\n" as one Character.
        var lines: [String] = []
        for (number, line) in data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).enumerated() {
            guard var token = String(validating: line, as: UTF8.self) else {
                throw TokenizerError.invalidVocabulary(path: path, detail: "line \(number + 1) is not valid UTF-8")
            }
            while let last = token.unicodeScalars.last, last.properties.isWhitespace { token.unicodeScalars.removeLast() }
            lines.append(token)
        }
        if lines.last == "" { lines.removeLast() }
        guard !lines.isEmpty else { throw TokenizerError.invalidVocabulary(path: path, detail: "the file holds no tokens") }
        self.init(tokens: lines)
    }

    /// The number of tokens.
    public var count: Int { tokens.count }

    /// The id of `token`, or nil.
    public func id(of token: String) -> Int? { ids[Array(token.utf8)] }

    /// The id of the token with these UTF-8 bytes, or nil.
    func id(ofBytes bytes: [UInt8]) -> Int? { ids[bytes] }
}
