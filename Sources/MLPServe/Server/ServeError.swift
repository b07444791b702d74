import Hummingbird

/// A request the server refuses, with the HTTP status and a message saying what was wrong and
/// what to send instead. Answered as `{"error": "..."}`.
public struct ServeError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The HTTP status of the answer.
    public var status: HTTPResponse.Status
    /// What was wrong, for the caller.
    public var message: String

    /// An error with a status and a message.
    public init(_ status: HTTPResponse.Status, _ message: String) {
        self.status = status
        self.message = message
    }

    /// A 400: the request is malformed or does not fit the model.
    public static func badRequest(_ message: String) -> ServeError { ServeError(.badRequest, message) }

    /// A 404: no such model or version.
    public static func notFound(_ message: String) -> ServeError { ServeError(.notFound, message) }

    /// The message.
    public var description: String { message }
}

/// A model that cannot be loaded for serving, naming the model and the file.
public struct ModelServingError: Error, CustomStringConvertible, Sendable {
    /// What is wrong and what to do.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}
