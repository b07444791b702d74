import Foundation
import Logging
import MLPCore
import MLPData
import PostgresNIO

/// One connection to PostgreSQL for one step: runs the query (parameters bound, never spliced)
/// and collects the result as a ``Dataset``; every error it throws is scrubbed of the password.
struct PostgresQueryRunner {
    let source: PostgresSource
    /// No log output at all: a driver's debug line must not carry connection details.
    static let logger = Logger(label: "mlp.connector.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    static let connectTimeout: TimeAmount = .seconds(10)
    static let ids = Counter()

    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value }
    }

    /// Connects, runs `body`, and closes the connection whatever happens.
    func withConnection<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        var configuration = PostgresConnection.Configuration(host: source.host, port: source.port, username: source.user,
                                                             password: source.password, database: source.database, tls: .disable)
        configuration.options.connectTimeout = Self.connectTimeout
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration,
                                                              id: Self.ids.next(), logger: Self.logger)
        } catch {
            throw PostgresConnectorError.cannotConnect(target: source.printable, message: describe(error))
        }
        do {
            let result = try await body(connection)
            try? await connection.close()
            return result
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// PostgreSQL's message (with its detail and hint) or the error's text, scrubbed of secrets.
    func describe(_ error: Error) -> String {
        var text: String
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                text = message
                if let detail = error.serverInfo?[.detail] { text += " (\(detail))" }
                if let hint = error.serverInfo?[.hint] { text += "; hint: \(hint)" }
                if let state = error.serverInfo?[.sqlState] { text += " [SQLSTATE \(state)]" }
            } else {
                text = "\(error.code)" + (error.underlying.map { ": \($0)" } ?? "")
            }
        } else {
            text = "\(error)"
        }
        return source.secrets.scrub(text)
    }

    /// The server's identity for the cache key: its system identifier (when the role may read it)
    /// and `HOST:PORT/DATABASE`. Never the user or the password.
    func identity() async throws -> [String: String] {
        try await withConnection { connection in
            var parts = ["database": source.location]
            do {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: "SELECT system_identifier::text FROM pg_control_system()"), logger: Self.logger)
                for try await row in rows {
                    if let cell = row.first(where: { _ in true }), let id = try? cell.decode(String.self) { parts["server"] = id }
                }
            } catch {
                // pg_control_system() may be closed to this role: the location alone names the server then.
                parts["server"] = "unknown (pg_control_system() is not readable by this role)"
            }
            return parts
        }
    }

    /// Runs `query` with `params` bound to $1, $2, … and returns the result.
    func run(query: String, params: [JSONValue]) async throws -> Dataset {
        var binds = PostgresBindings(capacity: params.count)
        for param in params {
            switch param {
            case .null: binds.appendNull()
            case .bool(let value): binds.append(value)
            case .string(let value): binds.append(value)
            case .number(let value):
                if value == value.rounded(), abs(value) < 9.0e15 { binds.append(Int64(value)) } else { binds.append(value) }
            default: binds.appendNull()  // refused earlier by PostgresConnectorConfig
            }
        }
        return try await withConnection { connection in
            var builders: [PostgresColumnBuilder] = []
            var rowCount = 0
            do {
                let rows = try await connection.query(PostgresQuery(unsafeSQL: query, binds: binds), logger: Self.logger)
                for try await row in rows {
                    if builders.isEmpty {
                        builders = row.map { PostgresColumnBuilder(name: $0.columnName, type: $0.dataType) }
                        for builder in builders { try builder.checkMapped() }
                    }
                    for (index, cell) in row.enumerated() { try builders[index].append(cell, row: rowCount) }
                    rowCount += 1
                    if rowCount % 10_000 == 0 { try Task.checkCancellation() }
                }
            } catch let error as PostgresConnectorError {
                throw error
            } catch let error as CancellationError {
                throw error
            } catch {
                throw PostgresConnectorError.badQuery(target: source.printable, query: source.secrets.scrub(query), message: describe(error))
            }
            if rowCount == 0 { builders = try await emptyResultColumns(connection, query: query, binds: binds) }
            do {
                return try Dataset(columns: builders.map { $0.finish() }, rowCount: rowCount)
            } catch let error as DatasetError {
                throw PostgresConnectorError.badQuery(target: source.printable, query: source.secrets.scrub(query),
                                                      message: "\(error.message); give each result column its own name with AS")
            }
        }
    }
}

extension PostgresQueryRunner {
    /// The typed, empty columns of a query that returned no rows. postgres-nio shows a result's
    /// column types only with a row, so the query runs once more as a subquery outer-joined to one
    /// row: its single row of NULLs carries the types. A statement that cannot be a subquery (one
    /// that writes) gives no columns.
    func emptyResultColumns(_ connection: PostgresConnection, query: String, binds: PostgresBindings) async throws -> [PostgresColumnBuilder] {
        var body = query.trimmingCharacters(in: .whitespacesAndNewlines)
        while body.hasSuffix(";") { body = String(body.dropLast()).trimmingCharacters(in: .whitespacesAndNewlines) }
        let wrapped = "SELECT mlp_result.* FROM (SELECT 1) AS mlp_one LEFT JOIN (\n\(body)\n) AS mlp_result ON true"
        do {
            let rows = try await connection.query(PostgresQuery(unsafeSQL: wrapped, binds: binds), logger: Self.logger)
            for try await row in rows {
                let builders = row.map { PostgresColumnBuilder(name: $0.columnName, type: $0.dataType) }
                for builder in builders { try builder.checkMapped() }
                return builders
            }
        } catch let error as PostgresConnectorError {
            throw error
        } catch {
            return []
        }
        return []
    }
}

/// One result column being collected, typed by its PostgreSQL type.
struct PostgresColumnBuilder {
    enum Kind { case int, float, numeric, bool, string, date, unmapped }

    let name: String
    let type: PostgresDataType
    let kind: Kind
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [Bool] = []
    var strings = StringBuffer()
    var validity: [Bool] = []

    init(name: String, type: PostgresDataType) {
        self.name = name
        self.type = type
        kind = Self.kind(of: type)
    }

    /// The dataset type each PostgreSQL type becomes (see the README's table).
    static func kind(of type: PostgresDataType) -> Kind {
        switch type {
        case .int2, .int4, .int8: return .int
        case .float4, .float8: return .float
        case .numeric: return .numeric
        case .bool: return .bool
        case .text, .varchar, .bpchar, .name, .uuid, .json, .jsonb, .xml: return .string
        case .date, .timestamp, .timestamptz: return .date
        default: return .unmapped
        }
    }

    func checkMapped() throws {
        if kind == .unmapped { throw PostgresConnectorError.unmappedType(column: name, type: type.knownSQLName ?? "oid \(type.rawValue)") }
    }

    mutating func append(_ cell: PostgresCell, row: Int) throws {
        guard cell.bytes != nil else {
            validity.append(false)
            switch kind {
            case .int: ints.append(0)
            case .float, .numeric: doubles.append(0)
            case .bool: bools.append(false)
            default: strings.appendEmpty()
            }
            return
        }
        do {
            switch kind {
            case .int: ints.append(try cell.decode(Int64.self))
            case .float: doubles.append(try cell.decode(Double.self))
            case .numeric: doubles.append(NSDecimalNumber(decimal: try cell.decode(Decimal.self)).doubleValue)
            case .bool: bools.append(try cell.decode(Bool.self))
            case .string:
                if cell.dataType == .json, var bytes = cell.bytes {
                    strings.append(bytes.readString(length: bytes.readableBytes) ?? "")
                } else if cell.dataType == .uuid {
                    strings.append(try cell.decode(String.self).lowercased())  // as PostgreSQL writes it (uuid::text)
                } else {
                    strings.append(try cell.decode(String.self))
                }
            case .date:
                let date = try cell.decode(Date.self)
                strings.append(type == .date ? Self.dayFormat(date) : Self.timeFormat(date))
            case .unmapped: try checkMapped()
            }
        } catch let error as PostgresConnectorError {
            throw error
        } catch {
            throw PostgresConnectorError.undecodable(column: name, row: row, type: type.knownSQLName ?? "oid \(type.rawValue)")
        }
        validity.append(true)
    }

    static func dayFormat(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withFullDate]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    static func timeFormat(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        formatter.timeZone = TimeZone(identifier: "UTC")
        return formatter.string(from: date)
    }

    func finish() -> Column {
        let storage: ColumnStorage
        switch kind {
        case .int: storage = .int(ints)
        case .float, .numeric: storage = .float(doubles)
        case .bool: storage = .bool(bools)
        default: storage = .string(strings)
        }
        return Column(name: name, storage: storage, validity: validity)
    }
}
