import Foundation
import NIOCore

/// Reading an infer request's body, shared by the router's infer handler and the inline fast
/// path (``InferFastPathHandler``) so both answer the same bodies with the same words.
enum InferenceBody {
    /// The request in `body`, every input's shape checked against its data
    /// (``InferenceRequest/InputTensor/checkedElementCount()``).
    ///
    /// With `binaryHeaderLength` (the request's `Inference-Header-Content-Length` header), the
    /// body is a JSON header and the inputs' binary data (``BinaryTensorData``).
    ///
    /// - Throws: ``ServeError`` (400) saying what is wrong with the body and where.
    static func decode(_ body: ByteBuffer, binaryHeaderLength: String? = nil) throws -> InferenceRequest {
        guard body.readableBytes > 0 else {
            throw ServeError.badRequest("the request body is empty; send a JSON object {\"inputs\": [{\"name\", \"shape\", \"datatype\", \"data\"}]}")
        }
        if let binaryHeaderLength {
            return try body.readableBytesView.withContiguousStorageIfAvailable {
                try BinaryTensorData.decode(UnsafeRawBufferPointer($0), headerLength: binaryHeaderLength)
            } ?? Array(body.readableBytesView).withUnsafeBytes { try BinaryTensorData.decode($0, headerLength: binaryHeaderLength) }
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
                var hint = ""
                if case .keyNotFound(let key, _) = error, key.stringValue == "data",
                   body.readableBytesView.withContiguousStorageIfAvailable({ Self.mentionsBinaryData($0) }) == true {
                    hint = "; an input with parameters.binary_data_size needs the Inference-Header-Content-Length header (the length of the JSON before its bytes)"
                }
                throw ServeError.badRequest("the request body is not a valid inference request: \(describe(error))\(hint)")
            }
        }
        // Shapes are untrusted numbers: checked against the data here, before any model sizes
        // an allocation by them (a few integer operations per input).
        try request.checkShapes()
        return request
    }

    /// Whether `bytes` holds `binary_data_size` (for the hint of a refused body; never on a good one's path).
    private static func mentionsBinaryData(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let needle = Array("binary_data_size".utf8)
        guard bytes.count >= needle.count else { return false }
        for start in 0...(bytes.count - needle.count) where bytes[start] == needle[0] {
            if bytes[start..<(start + needle.count)].elementsEqual(needle) { return true }
        }
        return false
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
