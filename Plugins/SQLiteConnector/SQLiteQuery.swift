import CSQLite
import MLPData

/// Runs one read-only query against a SQLite file and collects its result as a ``Dataset``.
///
/// Column types follow the values SQLite returns (its storage classes): INTEGER → `int`, REAL →
/// `float`, TEXT → `string`, NULL → a null. A column holding both integers and reals becomes `float`.
/// A column whose every value is NULL (or a result with no rows) takes its type from the column's
/// declared type, by SQLite's affinity rules; without one it is a `string` column. Text mixed with
/// numbers, and BLOBs, are errors naming the column and the row.
public struct SQLiteQuery: Sendable {
    /// The database file.
    public var path: String
    /// One SQL statement that returns rows.
    public var sql: String

    /// A query of `path`.
    public init(path: String, sql: String) {
        self.path = path
        self.sql = sql
    }

    /// How often (in SQLite virtual-machine steps) a running query looks for cancellation.
    static let progressInterval: Int32 = 10_000

    /// Opens the file read-only, runs the query and returns every row.
    ///
    /// - Throws: ``SQLiteConnectorError``, or `CancellationError` when the task is cancelled mid-query.
    public func run() throws -> Dataset {
        var handle: OpaquePointer?
        let opened = sqlite3_open_v2(path, &handle, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        defer { sqlite3_close_v2(handle) }
        guard opened == SQLITE_OK, let database = handle else {
            let message = handle.map { String(cString: sqlite3_errmsg($0)) } ?? String(cString: sqlite3_errstr(opened))
            throw SQLiteConnectorError.cannotOpen(path: path, message: message)
        }
        // Interrupts a long query when the step is cancelled or times out.
        sqlite3_progress_handler(database, Self.progressInterval, { _ in Task.isCancelled ? 1 : 0 }, nil)

        var prepared: OpaquePointer?
        var tail: UnsafePointer<CChar>?
        let status = sql.withCString { sqlite3_prepare_v2(database, $0, -1, &prepared, &tail) }
        defer { sqlite3_finalize(prepared) }
        guard status == SQLITE_OK else {
            throw SQLiteConnectorError.badQuery(query: sql, message: String(cString: sqlite3_errmsg(database)))
        }
        guard let statement = prepared else {
            throw SQLiteConnectorError.badQuery(query: sql, message: "the query holds no SQL statement")
        }
        if let tail, !String(cString: tail).allSatisfy({ $0.isWhitespace || $0 == ";" }) {
            throw SQLiteConnectorError.badQuery(query: sql, message: "only one statement may run; this text continues after the first: \(String(cString: tail).prefix(80))")
        }
        let columnCount = Int(sqlite3_column_count(statement))
        guard columnCount > 0 else {
            throw SQLiteConnectorError.badQuery(query: sql, message: "the statement returns no columns; use a SELECT (or a statement with RETURNING)")
        }
        var builders = (0..<columnCount).map { index in
            SQLiteColumnBuilder(name: String(cString: sqlite3_column_name(statement, Int32(index))),
                                declaredType: sqlite3_column_decltype(statement, Int32(index)).map { String(cString: $0) })
        }
        var row = 0
        while true {
            let stepped = sqlite3_step(statement)
            if stepped == SQLITE_DONE { break }
            if stepped == SQLITE_INTERRUPT { throw CancellationError() }
            guard stepped == SQLITE_ROW else {
                throw SQLiteConnectorError.badQuery(query: sql, message: String(cString: sqlite3_errmsg(database)))
            }
            for index in 0..<columnCount {
                try builders[index].append(statement, column: Int32(index), row: row)
            }
            row += 1
        }
        do {
            return try Dataset(columns: builders.map { $0.finish() }, rowCount: row)
        } catch let error as DatasetError {
            throw SQLiteConnectorError.badQuery(query: sql, message: "\(error.message); give each result column its own name with AS")
        }
    }
}

/// One result column being collected: its values so far, in the narrowest type that holds them.
struct SQLiteColumnBuilder {
    enum Values {
        /// Only nulls so far.
        case none
        case int([Int64])
        case float([Double])
        case text(StringBuffer)
    }

    let name: String
    let declaredType: String?
    var values = Values.none
    var validity: [Bool] = []

    init(name: String, declaredType: String?) {
        self.name = name
        self.declaredType = declaredType
    }

    /// Adds row `row`'s value of result column `column`.
    mutating func append(_ statement: OpaquePointer, column: Int32, row: Int) throws {
        let rows = validity.count
        switch sqlite3_column_type(statement, column) {
        case SQLITE_NULL:
            validity.append(false)
            switch values {
            case .none: break
            case .int(var ints): values = .none; ints.append(0); values = .int(ints)
            case .float(var doubles): values = .none; doubles.append(0); values = .float(doubles)
            case .text(var buffer): values = .none; buffer.appendEmpty(); values = .text(buffer)
            }
            return
        case SQLITE_INTEGER:
            let value = sqlite3_column_int64(statement, column)
            switch values {
            case .none: values = .int([Int64](repeating: 0, count: rows) + [value])
            case .int(var ints): values = .none; ints.append(value); values = .int(ints)
            case .float(var doubles): values = .none; doubles.append(Double(value)); values = .float(doubles)
            case .text: throw mixed(row: row, value: "\(value)", kind: "an integer")
            }
        case SQLITE_FLOAT:
            let value = sqlite3_column_double(statement, column)
            switch values {
            case .none: values = .float([Double](repeating: 0, count: rows) + [value])
            case .int(let ints): values = .float(ints.map(Double.init) + [value])
            case .float(var doubles): values = .none; doubles.append(value); values = .float(doubles)
            case .text: throw mixed(row: row, value: "\(value)", kind: "a real")
            }
        case SQLITE_TEXT:
            let count = Int(sqlite3_column_bytes(statement, column))
            let bytes = UnsafeBufferPointer(start: sqlite3_column_text(statement, column), count: count)
            guard let text = String(validating: bytes, as: UTF8.self) else {
                throw SQLiteConnectorError.invalidText(column: name, row: row)
            }
            switch values {
            case .none:
                var buffer = StringBuffer()
                for _ in 0..<rows { buffer.appendEmpty() }
                buffer.append(text)
                values = .text(buffer)
            case .text(var buffer): values = .none; buffer.append(text); values = .text(buffer)
            case .int, .float: throw mixed(row: row, value: text, kind: "text")
            }
        default:
            throw SQLiteConnectorError.blob(column: name, row: row)
        }
        validity.append(true)
    }

    func mixed(row: Int, value: String, kind: String) -> SQLiteConnectorError {
        let had: String
        switch values {
        case .text: had = "text"
        default: had = "numbers"
        }
        return .mixedTypes(column: name, row: row, value: value, kind: kind, earlier: had)
    }

    /// The finished column. An all-null column takes its declared type's affinity.
    func finish() -> Column {
        let storage: ColumnStorage
        switch values {
        case .int(let ints): storage = .int(ints)
        case .float(let doubles): storage = .float(doubles)
        case .text(let buffer): storage = .string(buffer)
        case .none:
            let count = validity.count
            switch Self.affinityType(declaredType) {
            case .int: storage = .int([Int64](repeating: 0, count: count))
            case .float: storage = .float([Double](repeating: 0, count: count))
            default: storage = .string(StringBuffer([String](repeating: "", count: count)))
            }
        }
        return Column(name: name, storage: storage, validity: validity)
    }

    /// The column type a declared SQL type stands for, by SQLite's affinity rules
    /// (https://sqlite.org/datatype3.html, section 3.1); `string` when there is none.
    static func affinityType(_ declared: String?) -> ColumnType {
        guard let declared = declared?.uppercased() else { return .string }
        if declared.contains("INT") { return .int }
        if declared.contains("CHAR") || declared.contains("CLOB") || declared.contains("TEXT") { return .string }
        if declared.contains("BLOB") || declared.isEmpty { return .string }
        if declared.contains("REAL") || declared.contains("FLOA") || declared.contains("DOUB") { return .float }
        // NUMERIC affinity (NUMERIC, DECIMAL, BOOLEAN, DATE…): numbers, stored as integers when they fit.
        return .float
    }
}
