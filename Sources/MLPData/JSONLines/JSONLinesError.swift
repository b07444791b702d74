/// A JSON-lines file that cannot be read, with the line of the problem.
public struct JSONLinesError: Error, CustomStringConvertible, Sendable {
    /// The file, or `<text>` for in-memory input.
    public let source: String
    /// The 1-based line.
    public let line: Int?
    /// The 1-based character (byte) in the line, when known.
    public let character: Int?
    /// What is wrong and what to do.
    public let message: String

    public init(source: String, line: Int? = nil, character: Int? = nil, _ message: String) {
        self.source = source
        self.line = line
        self.character = character
        self.message = message
    }

    public var description: String {
        var text = source
        if let line { text += ", line \(line)" }
        if let character { text += ", character \(character)" }
        return text + ": " + message
    }
}
