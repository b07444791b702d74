import Foundation
import Hummingbird

/// JSON responses: `{"error": "..."}` for errors, encoded bodies for the rest.
enum JSONAnswer {
    private struct ErrorBody: Encodable { let error: String }

    static let headers: HTTPFields = [.contentType: "application/json"]

    /// A response holding `value` as JSON.
    static func encode(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        let bytes = try JSONEncoder().encode(value)
        return Response(status: status, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// An infer call's answer (``inferenceBytes(_:)``).
    static func inference(_ answer: InferenceResponse) throws -> Response {
        Response(status: .ok, headers: headers, body: ResponseBody(byteBuffer: ByteBuffer(bytes: try inferenceBytes(answer))))
    }

    /// The bytes of `{"error": message}`.
    static func errorBytes(_ message: String) -> Data {
        (try? JSONEncoder().encode(ErrorBody(error: message))) ?? Data(#"{"error": "unencodable error message"}"#.utf8)
    }

    /// An infer call's answer to `request`: JSON, or with the outputs it asks for as binary data
    /// (``BinaryTensorData``) the JSON and their bytes, with `Inference-Header-Content-Length`.
    static func inference(_ answer: InferenceResponse, to request: InferenceRequest) throws -> Response {
        if BinaryTensorData.mayWantBinary(request), let (bytes, headerLength) = BinaryTensorData.answer(answer, to: request) {
            let fields: HTTPFields = [.contentType: "application/octet-stream", HTTPFields.Element.Name(BinaryTensorData.headerName)!: String(headerLength)]
            return Response(status: .ok, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
        }
        return try inference(answer)
    }

    /// An infer answer's bytes: ``InferenceResponse/jsonBytes()``, or JSONEncoder for the numbers
    /// JSON cannot carry (so the error says which).
    static func inferenceBytes(_ answer: InferenceResponse) throws -> [UInt8] {
        if let bytes = answer.jsonBytes() { return bytes }
        return Array(try JSONEncoder().encode(answer))
    }

    /// `{"error": message}` with `status`.
    static func error(_ status: HTTPResponse.Status, _ message: String, headers extra: HTTPFields = [:]) -> Response {
        let bytes = errorBytes(message)
        var fields = headers
        fields.append(contentsOf: extra)
        return Response(status: status, headers: fields, body: ResponseBody(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
