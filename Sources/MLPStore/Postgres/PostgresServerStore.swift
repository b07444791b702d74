import Foundation
import MLPCore

/// A shared server's own records (tokens, audit log, projects) in the `mlp_server` schema of a
/// PostgreSQL database; the same contract as ``SQLiteServerStore``.
public final class PostgresServerStore: ServerStore, @unchecked Sendable {
    let client: PGClient

    /// Connects to `url` and creates or brings up to date the `schema` (default `mlp_server`).
    public init(url: String, schema: String = "mlp_server") throws {
        client = try PGClient(url: url, schema: schema)
        try PostgresMigrations.migrate(client, PostgresMigrations.server)
    }

    public func createToken(_ token: TokenRecord, secretHash: String, audit: AuditEvent) throws {
        try client.write { db in
            try db.execute("""
                INSERT INTO tokens (id, "user", role, projects, secretHash, createdAt, revokedAt) VALUES ($1, $2, $3, $4, $5, $6, $7)
                """, token.id, token.user, token.role.rawValue, try ServerStoreCoding.encodeProjects(token.projects), secretHash,
                token.createdAt, token.revokedAt)
            try Self.insert(audit, db)
        }
    }

    public func token(secretHash: String) throws -> TokenRecord? {
        try client.read { db in
            try db.rows("SELECT * FROM tokens WHERE secretHash = $1 AND revokedAt IS NULL", secretHash).first.map(Self.token(from:))
        }
    }

    public func tokens() throws -> [TokenRecord] {
        try client.read { db in try db.rows("SELECT * FROM tokens ORDER BY createdAt, id COLLATE \"C\"").map(Self.token(from:)) }
    }

    public func revokeToken(id: String, at: Double, audit: AuditEvent) throws -> Bool {
        try client.write { db in
            guard try db.execute("UPDATE tokens SET revokedAt = $1 WHERE id = $2 AND revokedAt IS NULL", at, id) == 1 else { return false }
            try Self.insert(audit, db)
            return true
        }
    }

    public func appendAudit(_ event: AuditEvent) throws {
        try client.write { db in try Self.insert(event, db) }
    }

    public func audit(afterID: Int64?, limit: Int) throws -> [AuditEvent] {
        try client.read { db in
            try db.rows("SELECT * FROM audit WHERE id > $1 ORDER BY id LIMIT $2", afterID ?? 0, max(0, limit)).map { row in
                AuditEvent(id: try row["id"].decode(Int64.self), at: try row["at"].decode(Double.self), user: try row["user"].decode(String.self),
                           action: try row["action"].decode(String.self), project: try row["project"].decode(String?.self),
                           target: try row["target"].decode(String.self), client: try row["client"].decode(String?.self))
            }
        }
    }

    public func projects() throws -> [String] {
        try client.read { db in try db.rows("SELECT name FROM projects ORDER BY name COLLATE \"C\"").map { try $0[0].decode(String.self) } }
    }

    public func addProject(_ name: String) throws {
        try StoreAPI.validateProject(name)
        try client.write { db in _ = try db.execute("INSERT INTO projects (name) VALUES ($1) ON CONFLICT DO NOTHING", name) }
    }

    private static func insert(_ event: AuditEvent, _ db: PGSession) throws {
        try db.execute("INSERT INTO audit (at, \"user\", action, project, target, client) VALUES ($1, $2, $3, $4, $5, $6)",
                       event.at, event.user, event.action, event.project, event.target, event.client)
    }

    private static func token(from row: PostgresRandomAccessRowAlias) throws -> TokenRecord {
        let id = try row["id"].decode(String.self)
        let roleText = try row["role"].decode(String.self)
        guard let role = Role(rawValue: roleText) else { throw StoreError.corrupt("token \(id) has an unknown role '\(roleText)'") }
        return TokenRecord(id: id, user: try row["user"].decode(String.self), role: role,
                           projects: try ServerStoreCoding.decodeProjects(try row["projects"].decode(String?.self), token: id),
                           createdAt: try row["createdat"].decode(Double.self), revokedAt: try row["revokedat"].decode(Double?.self))
    }
}
