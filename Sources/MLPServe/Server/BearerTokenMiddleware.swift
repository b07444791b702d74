import Hummingbird

/// Lets a request through only when it carries `Authorization: Bearer <token>`; otherwise 401.
struct BearerTokenMiddleware<Context: RequestContext>: RouterMiddleware {
    let expected: [UInt8]

    init(token: String) { expected = Array("Bearer \(token)".utf8) }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let given = request.headers[.authorization], BearerToken.equalInConstantTime(Array(given.utf8), expected) else {
            let problem = request.headers[.authorization] == nil ? "no Authorization header" : "the bearer token is wrong"
            return JSONAnswer.error(.unauthorized, "\(problem): send 'Authorization: Bearer <token>' with the token the server was started with (mlp serve --token)",
                                    headers: [.wwwAuthenticate: "Bearer"])
        }
        return try await next(request, context)
    }
}

/// The bearer token check shared by the middleware and the inline infer path.
enum BearerToken {
    /// Compares without stopping at the first difference, so timing does not reveal the token.
    static func equalInConstantTime(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}
