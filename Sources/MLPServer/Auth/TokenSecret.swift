import Crypto
import Foundation
import MLPStore

/// Bearer tokens: how their secrets are made and hashed, and what a new one looks like.
///
/// A secret is `mlp_` and 32 random bytes in unpadded base64url (43 characters). The server
/// stores only the SHA-256 of the whole secret (lower-case hex), so a copy of its database
/// grants nothing.
public enum TokenSecret {
    /// The prefix of every secret, so a leaked one is recognisable (secret scanners, logs).
    public static let prefix = "mlp_"

    /// A new random secret.
    public static func generate() -> String {
        prefix + base64url(randomBytes(32))
    }

    /// A new public token id, `tok_` and 12 base64url characters.
    public static func newID() -> String {
        "tok_" + base64url(randomBytes(9))
    }

    /// The hash the server keeps for `secret`.
    public static func hash(_ secret: String) -> String {
        SHA256.hash(data: Data(secret.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `text` can be a secret at all (checked before any lookup).
    public static func isWellFormed(_ text: String) -> Bool {
        text.hasPrefix(prefix) && text.utf8.count == prefix.utf8.count + 43
            && text.utf8.dropFirst(prefix.utf8.count).allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 45 || $0 == 95 }
    }

    static func randomBytes(_ count: Int) -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
    }

    static func base64url(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_").replacingOccurrences(of: "=", with: "")
    }

    /// Checks a user name given for a new token: what approvals and the audit log will record.
    /// The rule docs/openapi.json states as TokenRequest.user's pattern: 1 to 128 characters, no
    /// control characters (C0, DEL, C1), no space at either end.
    public static func validateUser(_ user: String) throws {
        func control(_ scalar: Unicode.Scalar) -> Bool { scalar.value < 0x20 || (0x7f...0x9f).contains(scalar.value) }
        let scalars = Array(user.unicodeScalars)
        guard (1...128).contains(scalars.count), !scalars.contains(where: control), scalars.first != " ", scalars.last != " " else {
            throw APIError.badRequest("the user name '\(user.prefix(130))' is not usable: 1 to 128 characters, no control characters, no space at either end")
        }
    }
}

/// What creating a token answers (`POST /api/v1/tokens`, `mlp server token create --json`): the
/// secret, shown this once, and the record kept.
public struct CreatedToken: Codable, Sendable {
    /// The bearer secret; the server keeps only its hash.
    public var token: String
    public var id: String
    public var user: String
    public var role: Role
    public var projects: [String]?
    public var createdAt: Double

    public init(token: String, record: TokenRecord) {
        self.token = token
        self.id = record.id
        self.user = record.user
        self.role = record.role
        self.projects = record.projects
        self.createdAt = record.createdAt
    }
}

/// What `POST /api/v1/tokens` takes.
public struct TokenRequest: Codable, Sendable {
    public var user: String
    public var role: Role
    /// The projects the token is limited to; absent for every project.
    public var projects: [String]?
    public init(user: String, role: Role, projects: [String]?) {
        self.user = user
        self.role = role
        self.projects = projects
    }
}

extension ServerStore {
    /// Creates a token for `request`, with its audit line (`token.create` by `actor`); returns the
    /// secret with the record. The one path both `POST /api/v1/tokens` and the offline
    /// `mlp server token create` take.
    public func issueToken(_ request: TokenRequest, actor: String, client: String?) throws -> CreatedToken {
        try TokenSecret.validateUser(request.user)
        if let projects = request.projects {
            guard !projects.isEmpty else { throw APIError.badRequest("'projects' is empty: leave it out for a token of every project, or name at least one") }
            for project in projects { try StoreAPI.validateProject(project) }
        }
        let secret = TokenSecret.generate()
        let now = Date().timeIntervalSince1970
        let record = TokenRecord(id: TokenSecret.newID(), user: request.user, role: request.role,
                                 projects: request.projects.map { Array(Set($0)).sorted() }, createdAt: now)
        let scope = record.projects.map { " for \($0.joined(separator: ", "))" } ?? ""
        try createToken(record, secretHash: TokenSecret.hash(secret), audit: AuditEvent(
            at: now, user: actor, action: "token.create", project: nil,
            target: "\(record.id) (\(record.user), \(record.role.rawValue)\(scope))", client: client))
        return CreatedToken(token: secret, record: record)
    }
}
