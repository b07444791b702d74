extension InferenceResponse {
    /// The response as JSON bytes, written directly (the generic `JSONEncoder` costs more than a
    /// small model's forward pass): the same fields in the same order as its `Codable` encoding,
    /// absent optionals left out, numbers in their shortest round-trip form. Nil when a number is
    /// not finite, which JSON cannot carry (the caller then uses `JSONEncoder`, which says so).
    ///
    /// With `binarySizes` (one per output), an output with a size is written with
    /// `"parameters":{"binary_data_size":N}` in place of its data, which follows the JSON
    /// (``BinaryTensorData``).
    func jsonBytes(binarySizes: [Int?]? = nil) -> [UInt8]? {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        out.append(contentsOf: #"{"model_name":"#.utf8)
        Self.appendString(modelName, to: &out)
        if let modelVersion {
            out.append(contentsOf: #","model_version":"#.utf8)
            Self.appendString(modelVersion, to: &out)
        }
        if let id {
            out.append(contentsOf: #","id":"#.utf8)
            Self.appendString(id, to: &out)
        }
        out.append(contentsOf: #","outputs":["#.utf8)
        for (position, output) in outputs.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: #"{"name":"#.utf8)
            Self.appendString(output.name, to: &out)
            out.append(contentsOf: #","shape":["#.utf8)
            for (index, dimension) in output.shape.enumerated() {
                if index > 0 { out.append(UInt8(ascii: ",")) }
                out.append(contentsOf: String(dimension).utf8)
            }
            out.append(contentsOf: #"],"datatype":"#.utf8)
            Self.appendString(output.datatype.rawValue, to: &out)
            if let binarySizes, position < binarySizes.count, let size = binarySizes[position] {
                out.append(contentsOf: #","parameters":{"binary_data_size":"#.utf8)
                out.append(contentsOf: String(size).utf8)
                out.append(contentsOf: "}}".utf8)
                continue
            }
            out.append(contentsOf: #","data":["#.utf8)
            switch output.data {
            case .numbers(let values):
                for (index, value) in values.enumerated() {
                    guard value.isFinite else { return nil }
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: value.description.utf8)
                }
            case .floats(let values):
                for (index, value) in values.enumerated() {
                    guard value.isFinite else { return nil }
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: value.description.utf8)
                }
            case .bools(let values):
                for (index, value) in values.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    out.append(contentsOf: (value ? "true" : "false").utf8)
                }
            case .strings(let values):
                for (index, value) in values.enumerated() {
                    if index > 0 { out.append(UInt8(ascii: ",")) }
                    Self.appendString(value, to: &out)
                }
            }
            out.append(contentsOf: "]}".utf8)
        }
        out.append(contentsOf: "]}".utf8)
        return out
    }

    private static let hex = Array("0123456789abcdef".utf8)

    /// `text` as a JSON string: quotes, backslashes and control characters escaped.
    static func appendString(_ text: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): out.append(contentsOf: #"\\"#.utf8)
            case 0x0A: out.append(contentsOf: #"\n"#.utf8)
            case 0x0D: out.append(contentsOf: #"\r"#.utf8)
            case 0x09: out.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                out.append(contentsOf: #"\u00"#.utf8)
                out.append(hex[Int(byte >> 4)])
                out.append(hex[Int(byte & 0x0F)])
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
