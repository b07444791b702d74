/// An `mlpds` file that cannot be read or written, with where the problem is.
public struct DatasetFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// The column the problem is in, when it is in one.
    public let column: String?
    /// The byte offset in the file the problem is at, when known.
    public let offset: Int?
    /// What is wrong.
    public let message: String

    /// An error about `path`.
    public init(path: String, column: String? = nil, offset: Int? = nil, _ message: String) {
        self.path = path
        self.column = column
        self.offset = offset
        self.message = message
    }

    public var description: String {
        var text = "\(path): "
        if let column { text += "column '\(column)': " }
        text += message
        if let offset { text += " (at byte \(offset))" }
        return text
    }
}
