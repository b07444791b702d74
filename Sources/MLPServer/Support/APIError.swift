import Foundation
import GRDB
import Hummingbird
import MLPStore

/// An error answer of the server: an HTTP status and an ``ErrorEnvelope`` saying what was wrong
/// and what to do (and, for a store requirement that failed, the ``StoreError`` itself).
public struct APIError: Error, CustomStringConvertible, Sendable {
    public var status: HTTPResponse.Status
    public var envelope: ErrorEnvelope
    /// Extra headers (`Retry-After`, `WWW-Authenticate`, `Content-Range`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, code: String, _ message: String, store: StoreError? = nil, headers: HTTPFields = [:]) {
        self.status = status
        self.envelope = ErrorEnvelope(.init(message: message, code: code, store: store))
        self.headers = headers
    }

    public var description: String { "\(status.code) \(envelope.error.code): \(envelope.error.message)" }

    static func badRequest(_ message: String) -> APIError { APIError(.badRequest, code: "bad_request", message) }
    static func notFound(_ message: String, store: StoreError? = nil) -> APIError { APIError(.notFound, code: "not_found", message, store: store) }
    static func forbidden(_ message: String) -> APIError { APIError(.forbidden, code: "forbidden", message) }
    static func conflict(_ message: String) -> APIError { APIError(.conflict, code: "conflict", message) }
    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, code: "unauthorized", message, headers: [.wwwAuthenticate: "Bearer realm=\"mlp\""])
    }

    /// A project that does not exist, or that the token may not see (answered the same way, so a
    /// scoped token cannot tell the two apart).
    static func projectNotFound(_ project: String) -> APIError {
        APIError(.notFound, code: "project_not_found", "no project named '\(project)' on this server (see GET /api/v1/projects; PUT /api/v1/projects/\(project) creates it)")
    }

    /// The answer for an error a store requirement threw.
    static func from(store error: StoreError) -> APIError {
        let status = HTTPResponse.Status(code: StoreAPI.status(for: error))
        let code: String
        switch status.code {
        case 400: code = "bad_request"
        case 404: code = "not_found"
        case 409: code = "conflict"
        case 503: code = "unavailable"
        default: code = "internal"
        }
        var answer = APIError(status, code: code, error.description, store: error)
        if status.code == 503 { answer.headers[.retryAfter] = "1" }
        return answer
    }

    /// Maps anything a store call threw to an answer: store errors by ``StoreAPI/status(for:)``;
    /// a write SQLite refused for a constraint (a duplicate id, a missing referenced row) or an
    /// update of a row that does not exist is the client's data at fault (409); a model or
    /// deployment name the registry's rule refuses is a 400.
    static func from(_ error: any Error) -> APIError {
        switch error {
        case let error as APIError: return error
        case let error as StoreError: return from(store: error)
        case let error as InvalidModelName: return badRequest(error.description)
        case let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT:
            return from(store: .conflict(error.message ?? "a constraint failed"))
        case let error as DatabaseError where error.resultCode == .SQLITE_TOOBIG || error.resultCode == .SQLITE_MISMATCH || error.resultCode == .SQLITE_RANGE:
            return badRequest("the database refused a value of the request: \(error.message ?? "\(error.resultCode)")")
        case let error as PostgresStoreError where error.sqlState?.hasPrefix("22") == true:
            // Class 22 (data exception): a value of the request PostgreSQL cannot hold.
            return badRequest("the database refused a value of the request: \(error.message)")
        case let error as RecordError:
            // An update of a row (an attempt or approval by id) that is not there.
            return from(store: .conflict("\(error)"))
        case let error as DatabaseError where error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED:
            return from(store: .unavailable("the database is busy (\(error.message ?? "locked"))"))
        default:
            return APIError(.internalServerError, code: "internal", "the server failed: \(error)")
        }
    }
}
