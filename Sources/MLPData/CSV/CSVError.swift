/// A CSV file that cannot be read, with the line and column of the problem.
public struct CSVError: Error, CustomStringConvertible, Sendable {
    /// The file, or `<text>` for in-memory input.
    public let source: String
    /// The 1-based line the problem is on (counting newlines inside quoted fields).
    public let line: Int?
    /// The 1-based field number in the row, when the problem is in one field.
    public let column: Int?
    /// That field's column name, when the header gives one.
    public let columnName: String?
    /// What is wrong and what to do.
    public let message: String

    /// An error in `source`.
    public init(source: String, line: Int? = nil, column: Int? = nil, columnName: String? = nil, _ message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.columnName = columnName
        self.message = message
    }

    public var description: String {
        var text = source
        if let line { text += ", line \(line)" }
        if let column {
            text += ", column \(column)"
            if let columnName { text += " ('\(columnName)')" }
        }
        return text + ": " + message
    }
}
