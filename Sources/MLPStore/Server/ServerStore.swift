import Foundation
import MLPCore

/// What a token may do on a shared server.
///
/// viewer reads; runner reads and records runs, artifacts, registry moves and deployments;
/// approver reads and decides approval gates; admin does everything, and alone manages tokens
/// and reads the audit log.
public enum Role: String, Codable, CaseIterable, Sendable {
    case viewer, runner, approver, admin

    /// What a role is allowed.
    public enum Permission: Sendable { case read, write, decide, administer }

    public func allows(_ permission: Permission) -> Bool {
        switch (self, permission) {
        case (.admin, _), (_, .read): return true
        case (.runner, .write), (.approver, .decide): return true
        default: return false
        }
    }
}

/// A bearer token as the server keeps it: never the secret, only its SHA-256.
public struct TokenRecord: Codable, Hashable, Sendable {
    /// A short public id (`tok_…`), for listing and revoking.
    public var id: String
    /// Who acts with it: the name approvals and the audit log record.
    public var user: String
    public var role: Role
    /// The projects it may see and touch; nil means every project.
    public var projects: [String]?
    public var createdAt: Double
    public var revokedAt: Double?
    public init(id: String, user: String, role: Role, projects: [String]?, createdAt: Double, revokedAt: Double? = nil) {
        self.id = id
        self.user = user
        self.role = role
        self.projects = projects
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }

    /// Whether the token may see `project`.
    public func covers(_ project: String) -> Bool { projects.map { $0.contains(project) } ?? true }
}

/// One line of the audit log: decisions, token creation and revocation.
public struct AuditEvent: Codable, Hashable, Sendable {
    public var id: Int64?
    public var at: Double
    /// The token's user (never a name the client claims).
    public var user: String
    /// `token.create`, `token.revoke`, `approval.approve`, `approval.reject`, …
    public var action: String
    public var project: String?
    /// What was acted on, for a person (a token id, `run/step`).
    public var target: String
    /// The client's address.
    public var client: String?
    public init(id: Int64? = nil, at: Double, user: String, action: String, project: String?, target: String, client: String?) {
        self.id = id
        self.at = at
        self.user = user
        self.action = action
        self.project = project
        self.target = target
        self.client = client
    }
}

/// The shared server's own records: tokens, the audit log and the projects (namespaces). Each
/// write is one transaction; creating or revoking a token writes its audit line in the same one.
public protocol ServerStore: AnyObject, Sendable {
    /// Stores a new token under the hash of its secret, with its audit line.
    func createToken(_ token: TokenRecord, secretHash: String, audit: AuditEvent) throws
    /// The live (not revoked) token whose secret hashes to `secretHash`.
    func token(secretHash: String) throws -> TokenRecord?
    /// Every token, revoked ones included, oldest first.
    func tokens() throws -> [TokenRecord]
    /// Revokes a token, with its audit line. False when no live token has that id.
    func revokeToken(id: String, at: Double, audit: AuditEvent) throws -> Bool
    func appendAudit(_ event: AuditEvent) throws
    /// Audit lines after `afterID` (all when nil), oldest first, at most `limit`.
    func audit(afterID: Int64?, limit: Int) throws -> [AuditEvent]
    /// Known projects, by name.
    func projects() throws -> [String]
    /// Records a project (idempotent); ``StoreBackend/projectStore(_:)`` creates its namespace.
    func addProject(_ name: String) throws
}

/// Where a shared server keeps its metadata: `sqlite:DIR` (DIR/server.sqlite and
/// DIR/projects/NAME.sqlite) or `postgres://user@host:port/db` (schema `mlp_server` and one
/// schema per project).
public enum StoreBackend: Sendable, Equatable {
    case sqlite(directory: String)
    case postgres(url: String)

    /// Parses `--db`.
    public static func parse(_ text: String) throws -> StoreBackend {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw StoreError.badProject("--db sqlite:PATH needs a folder path") }
            return .sqlite(directory: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") { return .postgres(url: text) }
        throw StoreError.badProject("--db '\(text)' is neither sqlite:PATH nor postgres://USER@HOST:PORT/DB")
    }
}
