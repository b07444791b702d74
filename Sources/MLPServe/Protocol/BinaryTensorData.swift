import Foundation

/// The Open Inference Protocol's binary tensor data extension, what `tritonclient` sends by
/// default.
///
/// A request with the header `Inference-Header-Content-Length: N` has a JSON header in its
/// first N bytes; an input whose `parameters.binary_data_size` is S has no `data` there: its
/// elements are the next S bytes after the header (inputs in order), little-endian and row-major,
/// a BYTES element as a 4-byte little-endian length and its bytes, a BOOL element as one byte.
/// An output asked for with `parameters.binary_data: true` (or every output, with the request's
/// `parameters.binary_data_output: true`) is answered the same way: `binary_data_size` in its JSON
/// entry, its bytes after the JSON, and the JSON's length in the answer's
/// `Inference-Header-Content-Length` header.
///
/// Every size and offset is untrusted: checked against the body, the shape and the datatype
/// before anything is read, each refusal a 400 naming the input.
enum BinaryTensorData {
    /// The request header that says how long the JSON header is.
    static let headerName = "inference-header-content-length"

    /// The request in `body`, whose first `headerLength` bytes (the header's value, untrusted) are
    /// JSON and the rest the binary inputs' bytes; every input's shape then checked against its data.
    ///
    /// - Throws: ``ServeError`` (400) saying what is wrong and where.
    static func decode(_ body: UnsafeRawBufferPointer, headerLength value: String) throws -> InferenceRequest {
        let trimmed = value.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, trimmed.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }), let length = Int(trimmed) else {
            throw ServeError.badRequest("the Inference-Header-Content-Length header '\(value)' is not a byte count; send the length of the request's JSON header as a whole number of bytes")
        }
        guard length <= body.count else {
            throw ServeError.badRequest("the Inference-Header-Content-Length header says the JSON header is \(length) bytes, but the whole body is \(body.count) bytes")
        }
        guard length > 0 else {
            throw ServeError.badRequest("the Inference-Header-Content-Length header is 0: the request's JSON header is empty; send the JSON header's length in bytes")
        }
        let header = UnsafeRawBufferPointer(rebasing: body[0..<length])
        var request: InferenceRequest
        if let parsed = InferenceRequestParser.parse(header, allowsMissingData: true) {
            request = parsed
        } else {
            let decoder = JSONDecoder()
            decoder.userInfo[InferenceRequest.InputTensor.allowsMissingData] = true
            do {
                request = try decoder.decode(InferenceRequest.self, from: Data(header))
            } catch let error as DecodingError {
                throw ServeError.badRequest("the request's JSON header (its first \(length) bytes, as Inference-Header-Content-Length says) is not a valid inference request: \(InferenceBody.describe(error))")
            }
        }
        let binary = UnsafeRawBufferPointer(rebasing: body[length...])
        var offset = 0
        for position in request.inputs.indices {
            let input = request.inputs[position]
            guard let size = input.parameters?["binary_data_size"] else {
                if input.data.count == 0, try elementCount(input) > 0 {
                    throw ServeError.badRequest("input '\(input.name)' has neither data nor parameters.binary_data_size; send its elements in data, or their bytes after the JSON header with binary_data_size")
                }
                continue
            }
            guard case .number(let number) = size, number.isFinite, number >= 0, number.rounded() == number else {
                throw ServeError.badRequest("input '\(input.name)': parameters.binary_data_size \(describe(size)) is not a byte count; send the number of bytes of its data as a whole number")
            }
            guard input.data.count == 0 else {
                throw ServeError.badRequest("input '\(input.name)' has both data and parameters.binary_data_size; send its elements one way")
            }
            let remaining = binary.count - offset
            guard number <= Double(remaining) else {
                throw ServeError.badRequest("input '\(input.name)': binary_data_size \(Int64(exactly: number).map(String.init) ?? "\(number)") overruns the body: \(remaining) bytes of binary data are left after the inputs before it")
            }
            let count = Int(number)
            let bytes = UnsafeRawBufferPointer(rebasing: binary[offset..<(offset + count)])
            request.inputs[position].data = try elements(of: input, bytes)
            offset += count
        }
        guard offset == binary.count else {
            throw ServeError.badRequest("the body has \(binary.count - offset) bytes after the inputs' binary data: their binary_data_size add up to \(offset) bytes, but \(binary.count) follow the \(length)-byte JSON header; send binary_data_size equal to each input's bytes")
        }
        try request.checkShapes()
        return request
    }

    /// An untrusted parameter value as the request wrote it, for a message.
    private static func describe(_ value: ParameterValue) -> String {
        switch value {
        case .string(let text): return "'\(text)'"
        case .number(let number): return "\(number)"
        case .bool(let flag): return "\(flag)"
        }
    }

    /// The elements of `input` in `bytes`, checked against its shape and datatype.
    private static func elements(of input: InferenceRequest.InputTensor, _ bytes: UnsafeRawBufferPointer) throws -> TensorData {
        guard let type = TensorDatatype(rawValue: input.datatype) else {
            throw ServeError.badRequest("input '\(input.name)': datatype '\(input.datatype)' is not a protocol datatype (\(TensorDatatype.names))")
        }
        let count = try elementCount(input)
        if type == .bytes { return try strings(of: input, bytes, count: count) }
        let width = type.byteWidth
        let (expected, overflow) = count.multipliedReportingOverflow(by: width)
        guard !overflow, expected == bytes.count else {
            throw ServeError.badRequest("input '\(input.name)': binary_data_size \(bytes.count) does not match shape \(input.shape) of \(type.rawValue) (\(count) elements × \(width) bytes = \(overflow ? "more than can be counted" : "\(expected)") bytes)")
        }
        func load<T: FixedWidthInteger>(_: T.Type) -> [Double] {
            (0..<count).map { Double(T(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * width, as: T.self))) }
        }
        switch type {
        case .bool: return .bools(bytes.map { $0 != 0 })
        case .uint8: return .numbers(load(UInt8.self))
        case .uint16: return .numbers(load(UInt16.self))
        case .uint32: return .numbers(load(UInt32.self))
        case .uint64: return .numbers(load(UInt64.self))
        case .int8: return .numbers(load(Int8.self))
        case .int16: return .numbers(load(Int16.self))
        case .int32: return .numbers(load(Int32.self))
        case .int64: return .numbers(load(Int64.self))
        case .fp16:
            return .floats(try finite(input, (0..<count).map { Float(Float16(bitPattern: UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 2, as: UInt16.self)))) }))
        case .fp32:
            return .floats(try finite(input, (0..<count).map { Float(bitPattern: UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 4, as: UInt32.self))) }))
        case .fp64:
            return .numbers(try finite(input, (0..<count).map { Double(bitPattern: UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: $0 * 8, as: UInt64.self))) }))
        case .bytes:
            preconditionFailure("BYTES is read above")
        }
    }

    /// `values`, after checking that none is NaN or infinite (which JSON data cannot carry either).
    private static func finite<T: BinaryFloatingPoint>(_ input: InferenceRequest.InputTensor, _ values: [T]) throws -> [T] {
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ServeError.badRequest("input '\(input.name)': element \(bad) is \(values[bad]); send finite numbers")
        }
        return values
    }

    /// The BYTES elements in `bytes`: each a 4-byte little-endian length and that many bytes of UTF-8.
    private static func strings(of input: InferenceRequest.InputTensor, _ bytes: UnsafeRawBufferPointer, count: Int) throws -> TensorData {
        var texts: [String] = []
        var offset = 0
        while offset < bytes.count {
            guard bytes.count - offset >= 4 else {
                throw ServeError.badRequest("input '\(input.name)': BYTES element \(texts.count) has a \(bytes.count - offset)-byte length prefix; each element is a 4-byte little-endian length and its bytes")
            }
            let length = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
            offset += 4
            guard length <= bytes.count - offset else {
                throw ServeError.badRequest("input '\(input.name)': BYTES element \(texts.count) says it is \(length) bytes, but only \(bytes.count - offset) of its binary_data_size are left")
            }
            guard texts.count < count else {
                throw ServeError.badRequest("input '\(input.name)': its binary data holds more than the \(count) BYTES elements shape \(input.shape) holds")
            }
            guard let text = String(validating: UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self) else {
                throw ServeError.badRequest("input '\(input.name)': BYTES element \(texts.count) is not UTF-8 text")
            }
            texts.append(text)
            offset += length
        }
        guard texts.count == count else {
            throw ServeError.badRequest("input '\(input.name)': shape \(input.shape) holds \(count) elements but its binary data has \(texts.count) BYTES elements")
        }
        return .strings(texts)
    }

    /// The number of elements `input`'s shape holds (the checks of ``InferenceRequest/InputTensor/checkedElementCount()``).
    private static func elementCount(_ input: InferenceRequest.InputTensor) throws -> Int {
        guard input.shape.count <= InferenceRequest.InputTensor.maximumRank else {
            throw ServeError.badRequest("input '\(input.name)': shape has \(input.shape.count) dimensions, more than the \(InferenceRequest.InputTensor.maximumRank) allowed")
        }
        var elements = 1
        for dimension in input.shape {
            guard dimension >= 0 else {
                throw ServeError.badRequest("input '\(input.name)': shape \(input.shape) has a negative dimension; every dimension is a count of 0 or more")
            }
            let (product, overflow) = elements.multipliedReportingOverflow(by: dimension)
            guard !overflow else {
                throw ServeError.badRequest("input '\(input.name)': shape \(input.shape) has more elements than can be counted")
            }
            elements = product
        }
        return elements
    }

    // MARK: - Answers

    /// Whether the answer's output `name` is to be sent as binary data: its own
    /// `parameters.binary_data`, else the request's `parameters.binary_data_output`.
    static func wantsBinary(_ request: InferenceRequest, output name: String) -> Bool {
        if let wanted = request.outputs?.first(where: { $0.name == name }), case .bool(let flag)? = wanted.parameters?["binary_data"] {
            return flag
        }
        if case .bool(let flag)? = request.parameters?["binary_data_output"] { return flag }
        return false
    }

    /// Whether any output of the answer to `request` may be sent as binary data (cheap: false at
    /// once for a request with no parameters anywhere, the common JSON request).
    static func mayWantBinary(_ request: InferenceRequest) -> Bool {
        if request.parameters?["binary_data_output"] != nil { return true }
        return request.outputs?.contains { $0.parameters?["binary_data"] != nil } ?? false
    }

    /// The answer as JSON followed by the binary outputs' bytes, and the JSON's length (the
    /// answer's `Inference-Header-Content-Length`); nil when no output is wanted binary (answer
    /// with ``InferenceResponse/jsonBytes()``) or one cannot be written (a value out of its
    /// datatype's range, a non-finite number in JSON).
    static func answer(_ response: InferenceResponse, to request: InferenceRequest) -> (bytes: [UInt8], headerLength: Int)? {
        let binary = response.outputs.map { wantsBinary(request, output: $0.name) }
        guard binary.contains(true) else { return nil }
        var raw: [[UInt8]] = [], sizes: [Int?] = []
        for (output, isBinary) in zip(response.outputs, binary) {
            guard isBinary else {
                sizes.append(nil)
                continue
            }
            guard let bytes = Self.bytes(of: output) else { return nil }
            raw.append(bytes)
            sizes.append(bytes.count)
        }
        guard var out = response.jsonBytes(binarySizes: sizes) else { return nil }
        let headerLength = out.count
        for bytes in raw { out.append(contentsOf: bytes) }
        return (out, headerLength)
    }

    /// An output's elements as the binary extension lays them out; nil when one does not fit the
    /// output's datatype.
    static func bytes(of output: InferenceResponse.OutputTensor) -> [UInt8]? {
        var out: [UInt8] = []
        func append<T: FixedWidthInteger>(_ value: T) {
            withUnsafeBytes(of: value.littleEndian) { out.append(contentsOf: $0) }
        }
        func integers<T: FixedWidthInteger>(_ values: [Double], _: T.Type) -> Bool {
            for value in values {
                guard let exact = T(exactly: value) else { return false }
                append(exact)
            }
            return true
        }
        let doubles: [Double]
        switch output.data {
        case .strings(let texts):
            guard output.datatype == .bytes else { return nil }
            for text in texts {
                append(UInt32(text.utf8.count))
                out.append(contentsOf: text.utf8)
            }
            return out
        case .bools(let flags):
            guard output.datatype == .bool else { return nil }
            return flags.map { $0 ? 1 : 0 }
        case .floats(let floats):
            if output.datatype == .fp32 {
                out.reserveCapacity(floats.count * 4)
                for value in floats { append(value.bitPattern) }
                return out
            }
            doubles = floats.map(Double.init)
        case .numbers(let numbers):
            doubles = numbers
        }
        out.reserveCapacity(doubles.count * output.datatype.byteWidth)
        switch output.datatype {
        case .fp64: for value in doubles { append(value.bitPattern) }
        case .fp32: for value in doubles { append(Float(value).bitPattern) }
        case .fp16: for value in doubles { append(Float16(value).bitPattern) }
        case .uint8: guard integers(doubles, UInt8.self) else { return nil }
        case .uint16: guard integers(doubles, UInt16.self) else { return nil }
        case .uint32: guard integers(doubles, UInt32.self) else { return nil }
        case .uint64: guard integers(doubles, UInt64.self) else { return nil }
        case .int8: guard integers(doubles, Int8.self) else { return nil }
        case .int16: guard integers(doubles, Int16.self) else { return nil }
        case .int32: guard integers(doubles, Int32.self) else { return nil }
        case .int64: guard integers(doubles, Int64.self) else { return nil }
        case .bool, .bytes: return nil
        }
        return out
    }
}

extension TensorDatatype {
    /// The bytes of one element in binary tensor data (BYTES elements have no fixed width: 0).
    var byteWidth: Int {
        switch self {
        case .bool, .uint8, .int8: return 1
        case .uint16, .int16, .fp16: return 2
        case .uint32, .int32, .fp32: return 4
        case .uint64, .int64, .fp64: return 8
        case .bytes: return 0
        }
    }
}
