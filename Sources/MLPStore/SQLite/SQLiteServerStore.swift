import Foundation
import GRDB
import MLPCore

/// A shared server's own records (tokens, audit log, projects) in one SQLite file,
/// `DIR/server.sqlite`, in WAL mode. Each write is one transaction; creating or revoking a token
/// writes its audit line in the same one.
public final class SQLiteServerStore: ServerStore, @unchecked Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the server store at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Self.migrator.migrate(pool)
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-12-07 tokens, audit, projects") { db in
            try db.create(table: "tokens") { t in
                t.primaryKey("id", .text)
                t.column("user", .text).notNull()
                t.column("role", .text).notNull()
                // A JSON array of project names; NULL means every project.
                t.column("projects", .text)
                t.column("secretHash", .text).notNull().unique()
                t.column("createdAt", .double).notNull()
                t.column("revokedAt", .double)
            }
            try db.create(table: "audit") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("at", .double).notNull()
                t.column("user", .text).notNull()
                t.column("action", .text).notNull()
                t.column("project", .text)
                t.column("target", .text).notNull()
                t.column("client", .text)
            }
            try db.create(table: "projects") { t in
                t.primaryKey("name", .text)
            }
        }
        return migrator
    }

    public func createToken(_ token: TokenRecord, secretHash: String, audit: AuditEvent) throws {
        try pool.write { db in
            try db.execute(sql: """
                INSERT INTO tokens (id, user, role, projects, secretHash, createdAt, revokedAt) VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [token.id, token.user, token.role.rawValue, try ServerStoreCoding.encodeProjects(token.projects),
                                 secretHash, token.createdAt, token.revokedAt])
            try Self.insert(audit, db)
        }
    }

    public func token(secretHash: String) throws -> TokenRecord? {
        try pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM tokens WHERE secretHash = ? AND revokedAt IS NULL", arguments: [secretHash])
                .map(Self.token(from:))
        }
    }

    public func tokens() throws -> [TokenRecord] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM tokens ORDER BY createdAt, id").map(Self.token(from:))
        }
    }

    public func revokeToken(id: String, at: Double, audit: AuditEvent) throws -> Bool {
        try pool.write { db in
            try db.execute(sql: "UPDATE tokens SET revokedAt = ? WHERE id = ? AND revokedAt IS NULL", arguments: [at, id])
            guard db.changesCount == 1 else { return false }
            try Self.insert(audit, db)
            return true
        }
    }

    public func appendAudit(_ event: AuditEvent) throws {
        try pool.write { db in try Self.insert(event, db) }
    }

    public func audit(afterID: Int64?, limit: Int) throws -> [AuditEvent] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM audit WHERE id > ? ORDER BY id LIMIT ?", arguments: [afterID ?? 0, max(0, limit)])
                .map { row in
                    AuditEvent(id: row["id"], at: row["at"], user: row["user"], action: row["action"], project: row["project"],
                               target: row["target"], client: row["client"])
                }
        }
    }

    public func projects() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM projects ORDER BY name") }
    }

    public func addProject(_ name: String) throws {
        try StoreAPI.validateProject(name)
        try pool.write { db in try db.execute(sql: "INSERT OR IGNORE INTO projects (name) VALUES (?)", arguments: [name]) }
    }

    private static func insert(_ event: AuditEvent, _ db: Database) throws {
        try db.execute(sql: "INSERT INTO audit (at, user, action, project, target, client) VALUES (?, ?, ?, ?, ?, ?)",
                       arguments: [event.at, event.user, event.action, event.project, event.target, event.client])
    }

    private static func token(from row: Row) throws -> TokenRecord {
        let id: String = row["id"]
        let roleText: String = row["role"]
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("token \(id) has an unknown role '\(roleText)'") }
        return TokenRecord(id: id, user: row["user"], role: role, projects: try ServerStoreCoding.decodeProjects(row["projects"], token: id),
                           createdAt: row["createdAt"], revokedAt: row["revokedAt"])
    }
}

/// How both server stores keep a token's project list: a JSON array, NULL for every project.
enum ServerStoreCoding {
    static func encodeProjects(_ projects: [String]?) throws -> String? {
        guard let projects else { return nil }
        return String(decoding: try JSONEncoder().encode(projects), as: UTF8.self)
    }

    static func decodeProjects(_ text: String?, token: String) throws -> [String]? {
        guard let text else { return nil }
        do {
            return try JSONDecoder().decode([String].self, from: Data(text.utf8))
        } catch {
            throw StoreError.corrupt("token \(token) has an unreadable project list '\(text)'")
        }
    }
}
