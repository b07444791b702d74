import CSQLite
import Foundation
import MLPCore
import MLPData
import Testing
@testable import SQLiteConnector

/// A real SQLite file, written by the test through libsqlite3.
struct TestDatabase {
    let folder: String
    let relativePath = "data/shop.sqlite"
    var path: String { folder + "/" + relativePath }

    init(_ sql: String) throws {
        folder = NSTemporaryDirectory() + "mlp-sqlite-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder + "/data", withIntermediateDirectories: true)
        try Self.execute(sql, at: folder + "/" + relativePath)
    }

    static func execute(_ sql: String, at path: String) throws {
        var handle: OpaquePointer?
        guard sqlite3_open_v2(path, &handle, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nil) == SQLITE_OK else {
            throw SQLiteConnectorError.cannotOpen(path: path, message: "test set-up")
        }
        defer { sqlite3_close(handle) }
        var message: UnsafeMutablePointer<CChar>?
        guard sqlite3_exec(handle, sql, nil, nil, &message) == SQLITE_OK else {
            let text = message.map { String(cString: $0) } ?? "?"
            sqlite3_free(message)
            throw SQLiteConnectorError.badQuery(query: sql, message: text)
        }
    }

    func read(_ query: String) async throws -> (ConnectorResult, Dataset) {
        let destination = folder + "/out-\(UUID().uuidString).mlpds"
        let result = try await SQLiteConnector().read(ConnectorRequest(
            config: ["path": .string(relativePath), "query": .string(query)], projectDirectory: folder, destination: destination))
        return (result, try DatasetFile.read(destination))
    }

    func failure(_ config: [String: PortValue]) async throws -> SQLiteConnectorError {
        let destination = folder + "/failed.mlpds"
        let error = try await #require(throws: SQLiteConnectorError.self) {
            try await SQLiteConnector().read(ConnectorRequest(config: config, projectDirectory: folder, destination: destination))
        }
        #expect(!FileManager.default.fileExists(atPath: destination))
        return error
    }

    func failure(_ query: String) async throws -> SQLiteConnectorError {
        try await failure(["path": .string(relativePath), "query": .string(query)])
    }
}

let shop = """
    CREATE TABLE customers (id INTEGER PRIMARY KEY, age INTEGER, plan TEXT, spend REAL, note TEXT, joined NUMERIC);
    INSERT INTO customers VALUES (1, 34, 'pro', 12.5, NULL, NULL);
    INSERT INTO customers VALUES (2, NULL, 'free', 3, NULL, NULL);
    INSERT INTO customers VALUES (3, 51, 'team', NULL, NULL, NULL);
    CREATE TABLE readings (value);
    INSERT INTO readings VALUES (1), (2.5), (NULL), (4);
    CREATE TABLE messy (code INTEGER, payload BLOB);
    INSERT INTO messy VALUES (1, x'00ff'), (2, NULL), ('n/a', NULL);
    """

@Suite struct SQLiteConnectorTests {
    @Test func registersAsConnectorSQLite() throws {
        let registry = PluginRegistry()
        try SQLiteConnector.register(into: registry)
        #expect(registry.keys.map(\.description) == ["connector/sqlite"])
        let descriptor = try #require(registry.stepKind(uses: "connector/sqlite"))
        #expect(descriptor.outputs == ["data": .dataset, "rows": .int])
        #expect(descriptor.input(named: "query")?.required == true)
        #expect(SQLiteConnector().sourceFiles(for: ["path": .string("data/shop.sqlite"), "query": .string("SELECT 1")]) == ["data/shop.sqlite"])
    }

    @Test func columnTypesFollowSQLiteTypes() async throws {
        let database = try TestDatabase(shop)
        let (result, data) = try await database.read("SELECT id, age, plan, spend, note, joined, age * 2 AS twice FROM customers ORDER BY id")
        #expect(result.rows == 3)
        #expect(data.columnNames == ["id", "age", "plan", "spend", "note", "joined", "twice"])
        #expect(data.columns.map(\.type) == [.int, .int, .string, .float, .string, .float, .int])
        #expect(data["age"]?[1] == nil && data["age"]?[2] == .int(51))
        #expect(data["spend"]?[1] == .float(3), "an integer stored in a REAL column reads as a float")
        #expect(data["spend"]?[2] == nil)
        #expect(data["note"]?.nullCount == 3, "all NULL with declared TEXT: a string column of nulls")
        #expect(data["joined"]?.nullCount == 3)
        #expect(data["twice"]?[0] == .int(68))
        #expect(result.schema?["columns"]?.arrayValue?.count == 7)
    }

    @Test func integersAndRealsInOneColumnMakeAFloatColumn() async throws {
        let database = try TestDatabase(shop)
        let (_, data) = try await database.read("SELECT value FROM readings ORDER BY rowid")
        #expect(data["value"]?.type == .float)
        #expect((0..<4).map { data["value"]?[$0] } == [.float(1), .float(2.5), nil, .float(4)])
    }

    @Test func anEmptyResultHasTypedColumnsAndNoRows() async throws {
        let database = try TestDatabase(shop)
        let (result, data) = try await database.read("SELECT id, plan, spend, joined FROM customers WHERE age > 200")
        #expect(result.rows == 0)
        #expect(data.rowCount == 0)
        #expect(data.columns.map(\.type) == [.int, .string, .float, .float])
    }

    @Test func textMixedWithNumbersNamesTheColumnAndRow() async throws {
        let database = try TestDatabase(shop)
        let error = try await database.failure("SELECT code FROM messy ORDER BY rowid")
        #expect(error == .mixedTypes(column: "code", row: 2, value: "n/a", kind: "text", earlier: "numbers"))
        #expect(error.description.contains("column 'code'") && error.description.contains("result row 3"))
        #expect(error.description.contains("CAST(code AS TEXT)"))
        let (_, cast) = try await database.read("SELECT CAST(code AS TEXT) AS code FROM messy ORDER BY rowid")
        #expect(cast["code"]?.type == .string && cast["code"]?[2] == .string("n/a"))
        let blob = try await database.failure("SELECT payload FROM messy")
        #expect(blob == .blob(column: "payload", row: 0))
    }

    @Test func aBadQueryGivesSQLitesMessageAndTheQuery() async throws {
        let database = try TestDatabase(shop)
        let error = try await database.failure("SELECT nope FROM customers")
        #expect(error == .badQuery(query: "SELECT nope FROM customers", message: "no such column: nope"))
        #expect(error.description == "connector/sqlite: the query failed: no such column: nope\n  query: SELECT nope FROM customers")
        let two = try await database.failure("SELECT 1; SELECT 2")
        #expect(two.description.contains("only one statement"))
        let none = try await database.failure("CREATE TABLE t2 (x)")
        #expect(none.description.contains("returns no columns"))
    }

    @Test func theFileIsOpenedReadOnly() async throws {
        let database = try TestDatabase(shop)
        let before = try Data(contentsOf: URL(fileURLWithPath: database.path))
        let error = try await database.failure("DELETE FROM customers RETURNING id")
        guard case .badQuery(_, let message) = error else {
            Issue.record("expected a query error, got \(error)")
            return
        }
        #expect(message.contains("readonly"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: database.path)) == before)
        let (result, _) = try await database.read("SELECT * FROM customers")
        #expect(result.rows == 3)
    }

    @Test func missingFileAndInputsSayWhatIsWrong() async throws {
        let database = try TestDatabase(shop)
        let missing = try await database.failure(["path": .string("data/nope.sqlite"), "query": .string("SELECT 1")])
        #expect(missing == .missingFile(path: database.folder + "/data/nope.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: database.folder + "/data/nope.sqlite"), "a read-only open creates nothing")
        let noQuery = try await database.failure(["path": .string(database.relativePath)])
        #expect(noQuery.description.contains("input 'query' is required"))
        let noPath = try await database.failure(["query": .string("SELECT 1")])
        #expect(noPath.description.contains("input 'path' is required"))
        try "not a database, just text".write(toFile: database.folder + "/data/text.sqlite", atomically: true, encoding: .utf8)
        let notDatabase = try await database.failure(["path": .string("data/text.sqlite"), "query": .string("SELECT 1 FROM sqlite_master")])
        #expect(notDatabase.description.contains("file is not a database"))
    }

    @Test func duplicateResultColumnNamesAreRefused() async throws {
        let database = try TestDatabase(shop)
        let error = try await database.failure("SELECT id, id FROM customers")
        #expect(error.description.contains("appears twice") && error.description.contains("AS"))
    }
}
