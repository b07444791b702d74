import Foundation
import Testing
@testable import MLPStore

/// One database the conformance suite runs against: SQLite always, PostgreSQL when
/// `MLP_TEST_POSTGRES_URL` names a database (`make test-store-postgres` starts one). Every test gets
/// a fresh store: a new SQLite file, or a new schema.
struct StoreBackendUnderTest: Sendable, CustomTestStringConvertible {
    enum Kind: Sendable { case sqlite, postgres(url: String) }
    let kind: Kind

    var testDescription: String {
        switch kind {
        case .sqlite: return "SQLite"
        case .postgres: return "PostgreSQL"
        }
    }

    /// Every backend this run can reach.
    static var all: [StoreBackendUnderTest] {
        var backends = [StoreBackendUnderTest(kind: .sqlite)]
        if let url = postgresURL { backends.append(StoreBackendUnderTest(kind: .postgres(url: url))) }
        return backends
    }

    static var postgresURL: String? {
        guard let url = ProcessInfo.processInfo.environment["MLP_TEST_POSTGRES_URL"], !url.isEmpty else { return nil }
        return url
    }

    /// A new, empty store, and how to open the same one again.
    func fresh(_ label: String = "store") throws -> OpenedStore {
        switch kind {
        case .sqlite:
            let path = try temporaryFolder(label) + "/mlp.sqlite"
            return OpenedStore(store: try SQLiteStore(path: path), reopen: { try SQLiteStore(path: path) })
        case .postgres(let url):
            let schema = "t_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
            return OpenedStore(store: try PostgresStore(url: url, schema: schema), reopen: { try PostgresStore(url: url, schema: schema) })
        }
    }

    /// A new, empty server store.
    func freshServerStore() throws -> any ServerStore {
        switch kind {
        case .sqlite:
            return try SQLiteServerStore(path: try temporaryFolder("server") + "/server.sqlite")
        case .postgres(let url):
            return try PostgresServerStore(url: url, schema: "s_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased())
        }
    }
}

struct OpenedStore {
    let store: any MetadataStore
    let reopen: () throws -> any MetadataStore
}
