/// A Parquet file that cannot be read or written, with where the problem is.
public struct ParquetError: Error, CustomStringConvertible, Sendable {
    /// The file, or `<bytes>` for input from memory.
    public let source: String
    /// The column the problem is in, when it is in one.
    public let column: String?
    /// The byte offset in the file the problem is at, when known.
    public let offset: Int?
    /// What is wrong, and what to do when something can be done.
    public let message: String

    /// An error about `source`.
    public init(source: String, column: String? = nil, offset: Int? = nil, _ message: String) {
        self.source = source
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var text = "\(source): "
        if let column { text += "column '\(column)': " }
        text += message
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
