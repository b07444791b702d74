import Hummingbird

/// Answers every error as the protocol wants, `{"error": "..."}` with a 4xx (or a 500 for a
/// fault of the server's own), whether a handler, the router (no such route) or the body reader
/// (too large) threw it.
struct ErrorAnswerMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as ServeError {
            return JSONAnswer.error(error.status, error.message)
        } catch let error as HTTPError where error.status == .notFound && error.body == nil {
            return JSONAnswer.error(.notFound, "no endpoint \(request.method.rawValue) \(request.uri.path); the server answers the Open Inference Protocol under /v2 (GET /v2, GET /v2/models/NAME, POST /v2/models/NAME/infer) and /metrics")
        } catch let error as HTTPError where error.status == .methodNotAllowed {
            return JSONAnswer.error(error.status, "\(request.method.rawValue) is not allowed on \(request.uri.path)")
        } catch let error as any HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? error.status.reasonPhrase
            return JSONAnswer.error(error.status, message)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return JSONAnswer.error(.internalServerError, "the server failed: \(error)")
        }
    }
}
