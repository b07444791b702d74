import Hummingbird
import MLPStore
import NIOCore

/// What a request of `mlp server` carries through the middleware to its handler: who sent it
/// (the token, once authenticated) and from where.
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The authenticated token; nil on the endpoints that need none.
    public var token: TokenRecord?
    /// The client's address (IP without port), for the audit log and the failure limiter.
    public let client: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        client = source.channel.remoteAddress?.ipAddress
    }

    /// Bodies are read with explicit limits (``ServerLimits``); this bounds the framework's own decoding.
    public var maxUploadSize: Int { 64 << 20 }

    /// The token, or a 401 when the route was reached without authentication (a wiring mistake).
    func requireToken() throws -> TokenRecord {
        guard let token else { throw APIError.unauthorized("this endpoint needs 'Authorization: Bearer TOKEN'") }
        return token
    }

    /// The token when its role allows `permission`, else 403 naming what is missing.
    func require(_ permission: Role.Permission) throws -> TokenRecord {
        let token = try requireToken()
        guard token.role.allows(permission) else {
            let needed: String
            switch permission {
            case .read: needed = "viewer"
            case .write: needed = "runner (or admin)"
            case .decide: needed = "approver (or admin)"
            case .administer: needed = "admin"
            }
            throw APIError.forbidden("the token of '\(token.user)' has the role \(token.role.rawValue); this needs \(needed)")
        }
        return token
    }
}
