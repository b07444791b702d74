/// Why `connector/sqlite` could not read its query.
public enum SQLiteConnectorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A `with:` input is missing or of the wrong shape.
    case input(name: String, message: String)
    /// The database file does not exist.
    case missingFile(path: String)
    /// SQLite could not open the file.
    case cannotOpen(path: String, message: String)
    /// SQLite refused the query, or failed while running it.
    case badQuery(query: String, message: String)
    /// A column holds text in some rows and numbers in others (`row` is 0-based).
    case mixedTypes(column: String, row: Int, value: String, kind: String, earlier: String)
    /// A column holds a BLOB, which a dataset cannot hold.
    case blob(column: String, row: Int)
    /// A TEXT value is not valid UTF-8.
    case invalidText(column: String, row: Int)

    public var description: String {
        switch self {
        case .input(let name, let message):
            return "connector/sqlite: input '\(name)' \(message)"
        case .missingFile(let path):
            return "connector/sqlite: no database file at \(path); 'path' is relative to the project folder"
        case .cannotOpen(let path, let message):
            return "connector/sqlite: cannot open \(path) read-only: \(message)"
        case .badQuery(let query, let message):
            return "connector/sqlite: the query failed: \(message)\n  query: \(query)"
        case .mixedTypes(let column, let row, let value, let kind, let earlier):
            return "connector/sqlite: column '\(column)' mixes text and numbers: result row \(row + 1) holds \(kind) (\(value.prefix(40))) "
                + "after \(earlier) in earlier rows; CAST the column in the query (CAST(\(column) AS TEXT) or AS REAL) to choose one type"
        case .blob(let column, let row):
            return "connector/sqlite: column '\(column)' holds a BLOB at result row \(row + 1); datasets hold no binary values — "
                + "select hex(\(column)) or leave the column out"
        case .invalidText(let column, let row):
            return "connector/sqlite: column '\(column)' holds text that is not valid UTF-8 at result row \(row + 1); "
                + "select hex(\(column)) or fix the stored value"
        }
    }
}
