import Foundation
import Hummingbird
import MLPStore

/// How much of a request body the server reads.
public enum ServerLimits {
    /// The largest JSON body (a group commit of a large fan-out is the largest).
    public static let jsonBody = 64 << 20
    /// The largest chunk of log bytes one PUT appends.
    public static let logChunk = 16 << 20
    /// The most log bytes one GET answers (a follower asks again from where it got to).
    public static let logRead = 4 << 20
}

enum JSONBody {
    /// Reads and decodes a JSON body, answering 400 with what was wrong and where (413 when too large).
    static func decode<T: Decodable>(_ type: T.Type, from request: Request, emptyIs fallback: T? = nil) async throws -> T {
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: ServerLimits.jsonBody)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            throw APIError(.contentTooLarge, code: "too_large", "the body is over \(ServerLimits.jsonBody >> 20) MiB")
        }
        if buffer.readableBytes == 0, let fallback { return fallback }
        let data = Data(buffer: buffer)
        if containsEscapedNUL(data) {
            throw APIError.badRequest("a string of the body holds U+0000 (NUL), which no store keeps (PostgreSQL refuses it): leave it out")
        }
        // The hot bodies (group commits, created runs) by the strict hand-written reader; anything
        // it does not read exactly by Foundation, whose errors the 400 below describes.
        if let value = WireJSON.decode(T.self, from: data) { return value }
        do {
            return try StoreAPI.decoder.decode(T.self, from: data)
        } catch let error as DecodingError {
            throw APIError.badRequest("the body is not a valid \(String(describing: T.self)): \(describe(error))")
        } catch {
            throw APIError.badRequest("the body is not JSON: \(error.localizedDescription)")
        }
    }

    /// Whether a JSON text has a string holding `\u0000` (JSON cannot carry a raw NUL byte in a
    /// string; it arrives escaped). Escaped backslashes are followed, so `\\u0000` is not one.
    static func containsEscapedNUL(_ data: Data) -> Bool {
        let bytes = [UInt8](data)
        var index = 0
        var inString = false
        while index < bytes.count {
            let byte = bytes[index]
            if !inString {
                if byte == 0x22 { inString = true }
                if byte == 0 { return true }
            } else if byte == 0x22 {
                inString = false
            } else if byte == 0x5c, index + 1 < bytes.count {
                if bytes[index + 1] == 0x75, index + 5 < bytes.count, bytes[(index + 2)...(index + 5)].elementsEqual("0000".utf8) { return true }
                index += 1
            } else if byte == 0 {
                return true
            }
            index += 1
        }
        return false
    }

    /// A decoding error in words: where in the document, and what was wrong there.
    static func describe(_ error: DecodingError) -> String {
        func path(_ keys: [any CodingKey]) -> String {
            let text = keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return text.isEmpty ? "the top level" : String(text.drop { $0 == "." })
        }
        switch error {
        case .typeMismatch(let type, let context):
            return "at \(path(context.codingPath)), expected \(type): \(context.debugDescription)"
        case .valueNotFound(let type, let context):
            return "at \(path(context.codingPath)), a \(type) is missing (null or absent)"
        case .keyNotFound(let key, let context):
            return "at \(path(context.codingPath + [key])), the key '\(key.stringValue)' is required"
        case .dataCorrupted(let context):
            let underlying = (context.underlyingError as NSError?)?.userInfo[NSDebugDescriptionErrorKey] as? String
            return "at \(path(context.codingPath)): \(context.debugDescription)\(underlying.map { " (\($0))" } ?? "")"
        @unknown default:
            return "\(error)"
        }
    }

    /// A JSON answer, encoded as both sides of the contract write it (``StoreAPI/encodeBody(_:)``:
    /// the hot answers by hand, byte for byte what ``StoreAPI/encoder`` writes).
    static func answer<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) throws -> Response {
        let data = try StoreAPI.encodeBody(value)
        var fields = headers
        fields[.contentType] = "application/json"
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    /// An error answer: the envelope and the status it carries.
    static func answer(_ error: APIError) -> Response {
        var fields = error.headers
        fields[.contentType] = "application/json"
        let data = (try? StoreAPI.encoder.encode(error.envelope)) ?? Data(#"{"error":{"code":"internal","message":"encoding failed"}}"#.utf8)
        return Response(status: error.status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }
}

/// Query parameters, checked: a value that is there but not what the endpoint takes is a 400 saying so.
struct Query {
    let parameters: Parameters
    init(_ request: Request) { parameters = request.uri.queryParameters }

    func string(_ name: String) -> String? { parameters.get(name) }

    func required(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError.badRequest("the query parameter '\(name)' is required") }
        return value
    }

    func int(_ name: String, default fallback: Int? = nil, in range: ClosedRange<Int>) throws -> Int? {
        guard let text = parameters.get(name) else { return fallback }
        guard let value = Int(text), range.contains(value) else {
            throw APIError.badRequest("the query parameter '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    func int64(_ name: String, in range: ClosedRange<Int64>) throws -> Int64? {
        guard let text = parameters.get(name) else { return nil }
        guard let value = Int64(text), range.contains(value) else {
            throw APIError.badRequest("the query parameter '\(name)' must be an integer in \(range.lowerBound)...\(range.upperBound), not '\(text)'")
        }
        return value
    }

    func enumeration<E: RawRepresentable & CaseIterable>(_ name: String, _ type: E.Type) throws -> E? where E.RawValue == String {
        guard let text = parameters.get(name) else { return nil }
        guard let value = E(rawValue: text) else {
            throw APIError.badRequest("the query parameter '\(name)' must be one of \(E.allCases.map(\.rawValue).joined(separator: ", ")), not '\(text)'")
        }
        return value
    }
}

extension ServerContext {
    /// A path parameter as text.
    func path(_ name: String) throws -> String {
        guard let value = parameters.get(name) else { throw APIError.badRequest("the path has no '\(name)'") }
        return value
    }

    /// A path parameter that must be a positive integer id.
    func pathID(_ name: String) throws -> Int64 {
        let text = try path(name)
        guard let value = Int64(text), value >= 1 else { throw APIError.badRequest("'\(text)' is not a \(name): a positive integer") }
        return value
    }
}
