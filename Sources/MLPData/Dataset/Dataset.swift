/// A dataset that breaks a structural rule (ragged columns, a repeated name).
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    /// What is wrong, naming the column.
    public let message: String
    public var description: String { message }
}

/// A columnar, in-memory table: named typed columns of equal length.
///
/// Written to and read from disk as an `mlpds` file (``DatasetFile``).
public struct Dataset: Sendable, Hashable {
    /// The columns, in order.
    public let columns: [Column]
    /// The number of rows (every column has this many).
    public let rowCount: Int

    /// A dataset from columns of equal length with distinct names.
    ///
    /// - Parameter rowCount: needed only when `columns` is empty.
    /// - Throws: ``DatasetError`` naming the column whose length or name is wrong.
    public init(columns: [Column], rowCount: Int? = nil) throws {
        let rows = rowCount ?? columns.first?.count ?? 0
        var seen = Set<String>()
        for column in columns {
            guard column.count == rows else {
                throw DatasetError(message: "column '\(column.name)' has \(column.count) rows, but the dataset has \(rows); every column must have the same length")
            }
            if let validity = column.validity, validity.count != rows {
                throw DatasetError(message: "column '\(column.name)' has \(validity.count) validity entries for \(rows) rows")
            }
            guard seen.insert(column.name).inserted else {
                throw DatasetError(message: "column name '\(column.name)' appears twice; column names must be unique")
            }
        }
        self.columns = columns
        self.rowCount = rows
    }

    /// The column names, in order.
    public var columnNames: [String] { columns.map(\.name) }

    /// The column called `name`, if any.
    public func column(named name: String) -> Column? { columns.first { $0.name == name } }

    /// The column called `name`, if any.
    public subscript(name: String) -> Column? { column(named: name) }
}
