import Foundation
import Hummingbird
import MLPStore

/// Requires `Authorization: Bearer mlp_…` naming a live token: 401 otherwise (counted by the
/// ``AuthFailureLimiter``), 429 with `Retry-After` for an address past its failures. The token
/// found is put in the context; each handler checks its role.
struct AuthMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let stores: ServerStores
    let limiter: AuthFailureLimiter

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        let client = context.client ?? "unknown"
        if let wait = limiter.retryAfter(client) {
            throw APIError(.tooManyRequests, code: "rate_limited",
                           "too many failed authentications from \(client); try again in \(wait) s with a valid token",
                           headers: [.retryAfter: String(wait)])
        }
        guard let header = request.headers[.authorization] else {
            limiter.recordFailure(client)
            throw APIError.unauthorized("this endpoint needs 'Authorization: Bearer TOKEN' (`mlp server token create` makes one)")
        }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else {
            limiter.recordFailure(client)
            throw APIError.unauthorized("the Authorization header must be 'Bearer TOKEN'")
        }
        let secret = String(parts[1]).trimmingCharacters(in: .whitespaces)
        guard TokenSecret.isWellFormed(secret) else {
            limiter.recordFailure(client)
            throw APIError.unauthorized("the bearer token is not an mlp token (mlp_ and 43 base64url characters)")
        }
        let hash = TokenSecret.hash(secret)
        let server = stores.server
        let token: TokenRecord?
        do {
            token = try await stores.call { try server.token(secretHash: hash) }
        } catch {
            throw APIError.from(error)
        }
        guard let token else {
            limiter.recordFailure(client)
            throw APIError.unauthorized("the bearer token is unknown or revoked")
        }
        var context = context
        context.token = token
        return try await next(request, context)
    }
}
