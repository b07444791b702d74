import Foundation
import NIOCore

/// Reading an infer request's body, shared by the router's infer handler and the inline fast
/// path (``InferFastPathHandler``) so both answer the same bodies with the same words.
enum InferenceBody {
    /// The request in `body`, every input's shape checked against its data
    /// (``InferenceRequest/InputTensor/checkedElementCount()``).
    ///
    /// - Throws: ``ServeError`` (400) saying what is wrong with the body and where.
    static func decode(_ body: ByteBuffer) throws -> InferenceRequest {
        guard body.readableBytes > 0 else {
            throw ServeError.badRequest("the request body is empty; send a JSON object {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}")
        }
        // The fast reader takes the common well-formed body; anything else (and every error) goes
        // through JSONDecoder, which words the message.
        let request: InferenceRequest
        if let parsed = body.readableBytesView.withContiguousStorageIfAvailable({ InferenceRequestParser.parse(UnsafeRawBufferPointer($0)) }) ?? nil {
            request = parsed
        } else {
            do {
                request = try JSONDecoder().decode(InferenceRequest.self, from: Data(body.readableBytesView))
            } catch let error as DecodingError {
                throw ServeError.badRequest("the request body is not a valid inference request: \(describe(error))")
            }
        }
        // Shapes are untrusted numbers: checked against the data here, before any model sizes
        // an allocation by them (a few integer operations per input).
        try request.checkShapes()
        return request
    }

    /// The 413 for a body over the server's limit.
    static func tooLarge(limit: Int) -> ServeError {
        ServeError(.contentTooLarge, "the request body is larger than the server's limit of \(limit) bytes; send fewer rows per request (or start mlp serve with a larger --max-body)")
    }

    /// A decoding error as a sentence that names where in the body it is.
    static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            let detail = (context.underlyingError as? NSError)?.userInfo[NSDebugDescriptionErrorKey] as? String
            let what = context.debugDescription + (detail.map { " (\($0))" } ?? "")
            return path.isEmpty ? what : "at \(path): \(what)"
        }
        switch error {
        case .keyNotFound(let key, let context):
            let path = (context.codingPath + [key]).map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "missing field \(path)"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}
