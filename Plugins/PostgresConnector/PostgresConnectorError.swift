/// Why `connector/postgres` could not run its query. Every message is free of the connection
/// string's password: texts from PostgreSQL or the network pass through ``PostgresSecrets/scrub(_:)``.
public enum PostgresConnectorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A `with:` input is missing, refused or of the wrong shape.
    case input(name: String, message: String)
    /// The connection string could not be found or read (names the variable or file, never the value).
    case connectionString(String)
    /// PostgreSQL could not be reached or refused the login (`target` is the URL without its password).
    case cannotConnect(target: String, message: String)
    /// PostgreSQL refused the query, or failed while running it.
    case badQuery(target: String, query: String, message: String)
    /// A result column of a type the connector does not map (`type` is PostgreSQL's name for it).
    case unmappedType(column: String, type: String)
    /// A value PostgreSQL sent could not be decoded as its column's type (`row` is 0-based).
    case undecodable(column: String, row: Int, type: String)

    public var description: String {
        switch self {
        case .input(let name, let message):
            return "connector/postgres: input '\(name)' \(message)"
        case .connectionString(let message):
            return "connector/postgres: \(message)"
        case .cannotConnect(let target, let message):
            return "connector/postgres: cannot connect to \(target): \(message)"
        case .badQuery(let target, let query, let message):
            return "connector/postgres: the query failed on \(target): \(message)\n  query: \(query)"
        case .unmappedType(let column, let type):
            return "connector/postgres: column '\(column)' is of type \(type), which a dataset column cannot hold as is; "
                + "cast it in the query (\(column)::text for a string, \(column)::float8 for a number)"
        case .undecodable(let column, let row, let type):
            return "connector/postgres: column '\(column)' holds a \(type) value at result row \(row + 1) that cannot be decoded"
        }
    }
}
