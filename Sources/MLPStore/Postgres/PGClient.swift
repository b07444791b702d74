import Foundation
import Logging
import MLPCore
import NIOCore
import PostgresNIO

/// A value bound to a `$n` parameter.
enum PGValue: Sendable {
    case null, text(String), int(Int64), double(Double), bool(Bool), bytes(Data)
    /// A one-dimensional array of scalars (NULLs allowed), bound as one parameter.
    indirect case array(PGArray)
}

/// What can be bound to a parameter.
protocol PGConvertible { var pgValue: PGValue { get } }
extension String: PGConvertible { var pgValue: PGValue { .text(self) } }
extension Int: PGConvertible { var pgValue: PGValue { .int(Int64(self)) } }
extension Int64: PGConvertible { var pgValue: PGValue { .int(self) } }
extension Int32: PGConvertible { var pgValue: PGValue { .int(Int64(self)) } }
extension Double: PGConvertible { var pgValue: PGValue { .double(self) } }
extension Bool: PGConvertible { var pgValue: PGValue { .bool(self) } }
extension Data: PGConvertible { var pgValue: PGValue { .bytes(self) } }
extension PGValue: PGConvertible { var pgValue: PGValue { self } }
extension Optional: PGConvertible where Wrapped: PGConvertible { var pgValue: PGValue { map(\.pgValue) ?? .null } }
extension RawRepresentable where RawValue == String { var pgValue: PGValue { .text(rawValue) } }
extension RunStatus: PGConvertible {}
extension StepStatus: PGConvertible {}
extension ApprovalStatus: PGConvertible {}

/// What PostgreSQL refused (a constraint, a bad statement): the server's message and SQLSTATE.
public struct PostgresStoreError: Error, CustomStringConvertible, Sendable {
    public var sqlState: String?
    public var message: String
    public var description: String { "PostgreSQL refused the statement: \(message)" + (sqlState.map { " (SQLSTATE \($0))" } ?? "") }
}

/// Where to connect, from `postgres://user[:password]@host[:port]/database`.
struct PGTarget: Sendable {
    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String

    init(url: String) throws {
        guard let components = URLComponents(string: url), components.scheme == "postgres" || components.scheme == "postgresql",
              let host = components.host, !host.isEmpty else {
            throw StoreError.badProject("'\(url)' is not a PostgreSQL URL; expected postgres://USER@HOST:PORT/DATABASE")
        }
        self.host = host
        port = components.port ?? 5432
        user = components.user.flatMap { $0.removingPercentEncoding } ?? "postgres"
        password = components.password.flatMap { $0.removingPercentEncoding }
        let path = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        database = path.isEmpty ? user : path
    }

    /// The URL without its password, for messages.
    var printable: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}

/// One statement's worth of rows and how many rows it changed.
struct PGResult {
    var rows: [PostgresRandomAccessRow]
    var affected: Int
}

/// One PostgreSQL connection for one schema, used by one caller at a time, from ordinary threads
/// (never from an event loop): each call blocks on the NIO future of its answer.
///
/// A connection that breaks (the server restarting) makes the call in flight throw
/// ``StoreError/unavailable(_:)``; the next call connects again. Connecting gives up after
/// ``connectTimeout``.
final class PGClient: @unchecked Sendable {
    let target: PGTarget
    /// The schema every statement runs in (`search_path`).
    let schema: String
    static let connectTimeout: TimeAmount = .seconds(5)
    private let lock = NSLock()
    private var connection: PostgresConnection?
    private let logger = Logger(label: "mlp.store.postgres", factory: { _ in SwiftLogNoOpLogHandler() })
    private static let ids = NSLock()
    nonisolated(unsafe) private static var nextID = 0

    init(url: String, schema: String) throws {
        target = try PGTarget(url: url)
        self.schema = schema
    }

    deinit {
        if let connection { Self.closeQuietly(connection) }
    }

    /// Takes the schema's write lock until the transaction ends.
    static let lockStatement = "SELECT pg_advisory_xact_lock(hashtext($1))"

    /// The schema as a quoted identifier.
    var quotedSchema: String { "\"" + schema.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }

    /// Runs `body` in one transaction (BEGIN … COMMIT; ROLLBACK on any error), after taking the
    /// schema's write lock: writes to one schema are serialised, as SQLite's are.
    ///
    /// Statements whose answers nothing reads (BEGIN, the lock, most writes) are posted without
    /// waiting (``PGSession/post(_:_:)``): PostgreSQL runs them in order and the next statement
    /// waited on reports the first that failed, so a transaction costs the caller a wait per
    /// statement it reads from plus one for COMMIT, not one per statement.
    ///
    /// With `locksItself`, `body` takes the lock itself, in its first statement
    /// (``PGSession/lockedStatuses(of:schema:)``), which saves a round trip.
    func write<T>(locksItself: Bool = false, _ body: (PGSession) throws -> T) throws -> T {
        try withSession { session in
            session.post("BEGIN", [])
            do {
                if !locksItself { session.post(Self.lockStatement, [.text(schema)]) }
                let result = try body(session)
                try session.execute("COMMIT")
                return result
            } catch {
                if !session.connection.isClosed { _ = try? session.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Runs `body` on the connection outside a transaction: each statement commits on its own.
    func read<T>(_ body: (PGSession) throws -> T) throws -> T {
        try withSession(body)
    }

    /// Runs `body` with the connection, connecting first when there is none; a broken connection
    /// is dropped and reported as ``StoreError/unavailable(_:)``.
    private func withSession<T>(_ body: (PGSession) throws -> T) throws -> T {
        lock.lock()
        defer { lock.unlock() }
        let connection: PostgresConnection
        if let existing = self.connection, !existing.isClosed {
            connection = existing
        } else {
            self.connection = nil
            connection = try connect()
            self.connection = connection
        }
        do {
            let session = PGSession(connection: connection, logger: logger, posted: PGSession.Posted())
            let result = try body(session)
            try session.waitForPosted()
            return result
        } catch let error as PSQLError where error.code == .server && !Self.isConnectionState(error) && !connection.isClosed {
            let state = error.serverInfo?[.sqlState]
            let message = error.serverInfo?[.message] ?? "\(error.code)"
            // Class 23 (integrity constraint violation): the client's data contradicts what is stored.
            if state?.hasPrefix("23") == true {
                let detail = error.serverInfo?[.detail].map { " (\($0))" } ?? ""
                throw StoreError.conflict(message + detail)
            }
            throw PostgresStoreError(sqlState: state, message: message)
        } catch let error as PSQLError {
            drop(connection)
            throw StoreError.unavailable("the connection to PostgreSQL at \(target.printable) broke (\(Self.describe(error))); it reconnects on the next request")
        } catch let error as StoreError {
            if connection.isClosed { drop(connection) }
            throw error
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            if connection.isClosed {
                drop(connection)
                throw StoreError.unavailable("the connection to PostgreSQL at \(target.printable) broke (\(error)); it reconnects on the next request")
            }
            throw error
        }
    }

    /// Closes a connection without waiting for the answer.
    /// (The connection is kept alive until it has closed: postgres-nio requires a connection be closed
    /// before it is released.)
    private static func closeQuietly(_ connection: PostgresConnection) {
        guard !connection.isClosed else { return }
        let closing: EventLoopFuture<Void> = connection.close()
        closing.whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    private func drop(_ connection: PostgresConnection) {
        Self.closeQuietly(connection)
        if self.connection === connection { self.connection = nil }
    }

    /// SQLSTATE classes 08 (connection exception) and 57 (operator intervention: the server
    /// shutting down) mean the connection is gone, not that the statement was wrong.
    private static func isConnectionState(_ error: PSQLError) -> Bool {
        guard let state = error.serverInfo?[.sqlState] else { return false }
        return state.hasPrefix("08") || state.hasPrefix("57")
    }

    private static func describe(_ error: PSQLError) -> String {
        if let message = error.serverInfo?[.message] { return message }
        return "\(error.code)"
    }

    private func connect() throws -> PostgresConnection {
        var configuration = PostgresConnection.Configuration(host: target.host, port: target.port, username: target.user,
                                                             password: target.password, database: target.database, tls: .disable)
        configuration.options.connectTimeout = Self.connectTimeout
        let id: Int = Self.ids.withLock {
            Self.nextID += 1
            return Self.nextID
        }
        let connection: PostgresConnection
        do {
            connection = try PostgresConnection.connect(on: PostgresConnection.defaultEventLoopGroup.any(), configuration: configuration,
                                                        id: id, logger: logger).wait()
        } catch let error as PSQLError {
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(target.printable) (\(Self.describe(error)))")
        } catch {
            throw StoreError.unavailable("cannot connect to PostgreSQL at \(target.printable) (\(error))")
        }
        do {
            let session = PGSession(connection: connection, logger: logger, posted: PGSession.Posted())
            try session.execute("SET search_path TO \(quotedSchema)")
        } catch {
            Self.closeQuietly(connection)
            throw StoreError.unavailable("cannot set up the connection to PostgreSQL at \(target.printable) (\(error))")
        }
        return connection
    }
}

/// Statements on one connection.
struct PGSession {
    let connection: PostgresConnection
    let logger: Logger
    /// Statements sent and not yet waited on, in order.
    let posted: Posted

    final class Posted {
        var answers: [EventLoopFuture<PostgresQueryResult>] = []
    }

    /// Runs one statement with `$1…` bound to `arguments`. Statements posted before it are waited
    /// on first: the first of them that failed is what this throws.
    @discardableResult
    func run(_ sql: String, _ arguments: [PGValue]) throws -> PGResult {
        let answer = send(sql, arguments)
        try waitForPosted()
        let result = try answer.wait()
        return PGResult(rows: result.rows.map { $0.makeRandomAccess() }, affected: result.metadata.rows ?? 0)
    }

    /// Sends a statement without waiting for its answer (one nothing reads); the next ``run(_:_:)``
    /// reports it if it failed.
    func post(_ sql: String, _ arguments: [PGValue]) {
        posted.answers.append(send(sql, arguments))
    }

    /// Waits for every posted statement, in order; throws the first failure (the statements
    /// after a failed one fail too, as the transaction is aborted).
    func waitForPosted() throws {
        guard !posted.answers.isEmpty else { return }
        let answers = posted.answers
        posted.answers = []
        var firstError: Error?
        for answer in answers {
            do { _ = try answer.wait() } catch { if firstError == nil { firstError = error } }
        }
        if let firstError { throw firstError }
    }

    private func send(_ sql: String, _ arguments: [PGValue]) -> EventLoopFuture<PostgresQueryResult> {
        var bindings = PostgresBindings(capacity: arguments.count)
        for argument in arguments {
            switch argument {
            case .null: bindings.appendNull()
            case .text(let value): bindings.append(value)
            case .int(let value): bindings.append(value)
            case .double(let value): bindings.append(value)
            case .bool(let value): bindings.append(value)
            case .bytes(let value): bindings.append(ByteBuffer(bytes: value))
            case .array(let value): bindings.append(value)
            }
        }
        return connection.query(PostgresQuery(unsafeSQL: sql, binds: bindings), logger: logger)
    }

    @discardableResult
    func execute(_ sql: String, _ arguments: (any PGConvertible)?...) throws -> Int {
        try run(sql, arguments.map { $0?.pgValue ?? .null }).affected
    }

    func rows(_ sql: String, _ arguments: (any PGConvertible)?...) throws -> [PostgresRandomAccessRow] {
        try run(sql, arguments.map { $0?.pgValue ?? .null }).rows
    }

    /// Decodes each row into `T` by column name (see ``PGRowDecoder``).
    func fetchAll<T: Decodable>(_ type: T.Type, _ sql: String, _ arguments: (any PGConvertible)?...) throws -> [T] {
        try run(sql, arguments.map { $0?.pgValue ?? .null }).rows.map { try T(from: PGRowDecoder(row: $0)) }
    }

    func fetchOne<T: Decodable>(_ type: T.Type, _ sql: String, _ arguments: (any PGConvertible)?...) throws -> T? {
        try run(sql, arguments.map { $0?.pgValue ?? .null }).rows.first.map { try T(from: PGRowDecoder(row: $0)) }
    }

    /// The first column of the first row, or nil (no row, or NULL).
    func scalar<T: PostgresDecodable>(_ type: T.Type, _ sql: String, _ arguments: (any PGConvertible)?...) throws -> T? {
        guard let row = try run(sql, arguments.map { $0?.pgValue ?? .null }).rows.first, row.count > 0, row[0].bytes != nil else { return nil }
        return try row[0].decode(T.self)
    }

    /// Inserts a record (its Codable keys are the columns); a nil `id` is left to the sequence.
    /// Returns the new `id` when the table has one and `returningID` is set.
    @discardableResult
    func insert<T: Encodable>(_ record: T, into table: String, onConflictDoNothing: Bool = false, returningID: Bool = false) throws -> Int64? {
        let columns = try PGRecordEncoder.columns(of: record).filter { !($0.name == "id" && $0.value.isNull) }
        let names = columns.map { PGRecordEncoder.quote($0.name) }.joined(separator: ", ")
        let placeholders = (1...max(1, columns.count)).map { "$\($0)" }.prefix(columns.count).joined(separator: ", ")
        var sql = "INSERT INTO \(table) (\(names)) VALUES (\(placeholders))"
        if onConflictDoNothing { sql += " ON CONFLICT DO NOTHING" }
        if returningID { sql += " RETURNING id" }
        let result = try run(sql, columns.map(\.value))
        guard returningID, let row = result.rows.first else { return nil }
        return try row[0].decode(Int64.self)
    }

    /// Updates every column of a record but its key columns, where the key columns match (posted:
    /// a failure is reported by the next statement waited on, at the latest COMMIT).
    func update<T: Encodable>(_ record: T, in table: String, key: [String]) throws {
        let columns = try PGRecordEncoder.columns(of: record)
        let values = columns.filter { !key.contains($0.name) }
        let keys = key.map { name in columns.first { $0.name == name }?.value ?? .null }
        var position = 0
        let assignments = values.map { column -> String in
            position += 1
            return "\(PGRecordEncoder.quote(column.name)) = $\(position)"
        }.joined(separator: ", ")
        let conditions = key.map { name -> String in
            position += 1
            return "\(PGRecordEncoder.quote(name)) = $\(position)"
        }.joined(separator: " AND ")
        post("UPDATE \(table) SET \(assignments) WHERE \(conditions)", values.map(\.value) + keys)
    }
}

extension PGValue {
    var isNull: Bool { if case .null = self { return true } else { return false } }
}

// MARK: Records ↔ rows through Codable

/// Decodes a flat Codable record from a row: each key names a column (PostgreSQL folds unquoted
/// names to lower case, so keys are looked up in lower case).
struct PGRowDecoder: Decoder {
    let row: PostgresRandomAccessRow
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        KeyedDecodingContainer(Keyed<Key>(row: row))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a row is not a list"))
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        throw DecodingError.typeMismatch(Any.self, .init(codingPath: codingPath, debugDescription: "a row is not one value"))
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let row: PostgresRandomAccessRow
        var codingPath: [any CodingKey] = []
        var allKeys: [Key] { [] }

        private func cell(_ key: Key) throws -> PostgresCell {
            let name = key.stringValue.lowercased()
            guard row.contains(name) else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no column '\(name)'"))
            }
            return row[name]
        }

        func contains(_ key: Key) -> Bool { row.contains(key.stringValue.lowercased()) }
        func decodeNil(forKey key: Key) throws -> Bool { try cell(key).bytes == nil }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try cell(key).decode(Bool.self) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try cell(key).decode(String.self) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try cell(key).decode(Double.self) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try cell(key).decode(Double.self)) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { Int(try cell(key).decode(Int64.self)) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { Int8(try cell(key).decode(Int64.self)) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { Int16(try cell(key).decode(Int64.self)) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { Int32(try cell(key).decode(Int64.self)) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try cell(key).decode(Int64.self) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { UInt(try cell(key).decode(Int64.self)) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { UInt8(try cell(key).decode(Int64.self)) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { UInt16(try cell(key).decode(Int64.self)) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { UInt32(try cell(key).decode(Int64.self)) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { UInt64(try cell(key).decode(Int64.self)) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            // Raw-value enums (statuses, port types) are stored as their text.
            try T(from: PGCellDecoder(cell: try cell(key), codingPath: codingPath + [key]))
        }
        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "records are flat"))
        }
        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "records are flat"))
        }
        func superDecoder() throws -> any Decoder { PGRowDecoder(row: row) }
        func superDecoder(forKey key: Key) throws -> any Decoder { PGRowDecoder(row: row) }
    }
}

/// One cell as a single value (for raw-value enums).
struct PGCellDecoder: Decoder, SingleValueDecodingContainer {
    let cell: PostgresCell
    var codingPath: [any CodingKey]
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        throw DecodingError.typeMismatch([String: Any].self, .init(codingPath: codingPath, debugDescription: "a cell is one value"))
    }
    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        throw DecodingError.typeMismatch([Any].self, .init(codingPath: codingPath, debugDescription: "a cell is one value"))
    }
    func singleValueContainer() throws -> any SingleValueDecodingContainer { self }

    func decodeNil() -> Bool { cell.bytes == nil }
    func decode(_ type: Bool.Type) throws -> Bool { try cell.decode(Bool.self) }
    func decode(_ type: String.Type) throws -> String { try cell.decode(String.self) }
    func decode(_ type: Double.Type) throws -> Double { try cell.decode(Double.self) }
    func decode(_ type: Float.Type) throws -> Float { Float(try cell.decode(Double.self)) }
    func decode(_ type: Int.Type) throws -> Int { Int(try cell.decode(Int64.self)) }
    func decode(_ type: Int8.Type) throws -> Int8 { Int8(try cell.decode(Int64.self)) }
    func decode(_ type: Int16.Type) throws -> Int16 { Int16(try cell.decode(Int64.self)) }
    func decode(_ type: Int32.Type) throws -> Int32 { Int32(try cell.decode(Int64.self)) }
    func decode(_ type: Int64.Type) throws -> Int64 { try cell.decode(Int64.self) }
    func decode(_ type: UInt.Type) throws -> UInt { UInt(try cell.decode(Int64.self)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { UInt8(try cell.decode(Int64.self)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { UInt16(try cell.decode(Int64.self)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { UInt32(try cell.decode(Int64.self)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { UInt64(try cell.decode(Int64.self)) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        throw DecodingError.typeMismatch(T.self, .init(codingPath: codingPath, debugDescription: "records are flat"))
    }
}

/// Turns a flat Codable record into its columns, nil ones included (as NULL).
final class PGRecordEncoder: Encoder {
    var codingPath: [any CodingKey] = []
    var userInfo: [CodingUserInfoKey: Any] = [:]
    var columns: [(name: String, value: PGValue)] = []
    /// A single value being encoded (raw-value enums).
    var single: PGValue?

    static func columns<T: Encodable>(of record: T) throws -> [(name: String, value: PGValue)] {
        let encoder = PGRecordEncoder()
        try record.encode(to: encoder)
        return encoder.columns
    }

    /// A column name as PostgreSQL stores an unquoted one (lower case), quoted.
    static func quote(_ name: String) -> String { "\"\(name.lowercased())\"" }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        KeyedEncodingContainer(Keyed<Key>(encoder: self))
    }
    func unkeyedContainer() -> any UnkeyedEncodingContainer { fatalError("PGRecordEncoder: records are flat, no lists") }
    func singleValueContainer() -> any SingleValueEncodingContainer { Single(encoder: self) }

    struct Single: SingleValueEncodingContainer {
        let encoder: PGRecordEncoder
        var codingPath: [any CodingKey] { [] }
        mutating func encodeNil() throws { encoder.single = .null }
        mutating func encode(_ value: Bool) throws { encoder.single = .bool(value) }
        mutating func encode(_ value: String) throws { encoder.single = .text(value) }
        mutating func encode(_ value: Double) throws { encoder.single = .double(value) }
        mutating func encode(_ value: Float) throws { encoder.single = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: Int8) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: Int16) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: Int32) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: Int64) throws { encoder.single = .int(value) }
        mutating func encode(_ value: UInt) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: UInt8) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: UInt16) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: UInt32) throws { encoder.single = .int(Int64(value)) }
        mutating func encode(_ value: UInt64) throws { encoder.single = .int(Int64(value)) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            throw EncodingError.invalidValue(value, .init(codingPath: [], debugDescription: "records are flat"))
        }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let encoder: PGRecordEncoder
        var codingPath: [any CodingKey] { [] }
        private func put(_ key: Key, _ value: PGValue) { encoder.columns.append((key.stringValue, value)) }
        mutating func encodeNil(forKey key: Key) throws { put(key, .null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { put(key, .bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { put(key, .text(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { put(key, .double(value)) }
        mutating func encode(_ value: Float, forKey key: Key) throws { put(key, .double(Double(value))) }
        mutating func encode(_ value: Int, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int8, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int16, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int32, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { put(key, .int(value)) }
        mutating func encode(_ value: UInt, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: UInt8, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: UInt16, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: UInt32, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode(_ value: UInt64, forKey key: Key) throws { put(key, .int(Int64(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            let inner = PGRecordEncoder()
            try value.encode(to: inner)
            guard let single = inner.single else {
                throw EncodingError.invalidValue(value, .init(codingPath: [key], debugDescription: "records are flat"))
            }
            put(key, single)
        }
        // Optionals: a nil is a NULL column, not a missing one (so updates clear it).
        mutating func encodeIfPresent(_ value: Bool?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent(_ value: String?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent(_ value: Double?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent(_ value: Int?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent(_ value: Int32?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent(_ value: Int64?, forKey key: Key) throws { put(key, value.pgValue) }
        mutating func encodeIfPresent<T: Encodable>(_ value: T?, forKey key: Key) throws {
            if let value { try encode(value, forKey: key) } else { put(key, .null) }
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            fatalError("PGRecordEncoder: records are flat, no nested containers")
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            fatalError("PGRecordEncoder: records are flat, no lists")
        }
        mutating func superEncoder() -> any Encoder { encoder }
        mutating func superEncoder(forKey key: Key) -> any Encoder { encoder }
    }
}

/// A row read by name (kept out of public signatures).
typealias PostgresRandomAccessRowAlias = PostgresRandomAccessRow
