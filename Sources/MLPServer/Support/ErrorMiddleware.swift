import Foundation
import Hummingbird

/// Answers every failure with an ``ErrorEnvelope``: the handlers' ``APIError``s, store errors by
/// ``StoreAPI/status(for:)``, the router's "no such endpoint", and anything else as a 500 that
/// names the failure (logged too).
struct ErrorMiddleware: RouterMiddleware {
    typealias Context = ServerContext

    func handle(_ request: Request, context: ServerContext, next: (Request, ServerContext) async throws -> Response) async throws -> Response {
        do {
            // A NUL in a path or query parameter reaches no store (PostgreSQL refuses it, a file name cannot hold it).
            if request.uri.string.range(of: "%00", options: .caseInsensitive) != nil || request.uri.string.utf8.contains(0) {
                throw APIError.badRequest("the URL holds %00 (NUL), which no name, id or parameter may hold")
            }
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            return JSONBody.answer(APIError(.notFound, code: "not_found",
                                            "no endpoint \(request.method.rawValue) \(request.uri.path); the API is described at /api/v1/openapi.json"))
        } catch let error as HTTPError {
            return JSONBody.answer(APIError(error.status, code: Self.code(for: error.status), error.body ?? error.status.reasonPhrase, headers: error.headers))
        } catch {
            let answer = APIError.from(error)
            if answer.status.code >= 500 {
                context.logger.error("request failed", metadata: ["method": "\(request.method.rawValue)", "path": "\(request.uri.path)", "error": "\(error)"])
            }
            return JSONBody.answer(answer)
        }
    }

    static func code(for status: HTTPResponse.Status) -> String {
        switch status.code {
        case 400: return "bad_request"
        case 401: return "unauthorized"
        case 403: return "forbidden"
        case 404: return "not_found"
        case 409: return "conflict"
        case 413: return "too_large"
        case 416: return "range_not_satisfiable"
        case 429: return "rate_limited"
        case 503: return "unavailable"
        case 400..<500: return "bad_request"
        default: return "internal"
        }
    }
}

extension APIError: HTTPResponseError {
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        JSONBody.answer(self)
    }
}
