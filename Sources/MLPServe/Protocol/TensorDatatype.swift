/// The element types of the Open Inference Protocol (`"FP32"`, `"BYTES"`, …), as written in a
/// tensor's `datatype` field.
public enum TensorDatatype: String, Codable, Sendable, CaseIterable {
    /// Booleans (JSON `true` / `false`).
    case bool = "BOOL"
    /// Unsigned integers of 8, 16, 32 and 64 bits.
    case uint8 = "UINT8", uint16 = "UINT16", uint32 = "UINT32", uint64 = "UINT64"
    /// Signed integers of 8, 16, 32 and 64 bits.
    case int8 = "INT8", int16 = "INT16", int32 = "INT32", int64 = "INT64"
    /// IEEE floating point of 16, 32 and 64 bits.
    case fp16 = "FP16", fp32 = "FP32", fp64 = "FP64"
    /// Byte strings; in JSON, UTF-8 text.
    case bytes = "BYTES"

    /// The datatype named `rawValue`. Written out because the synthesized lookup showed in
    /// profiles of the infer path (every request's tensors are checked against it); comparing
    /// small strings to literals costs a few instructions each.
    public init?(rawValue: String) {
        switch rawValue {
        case "FP64": self = .fp64
        case "FP32": self = .fp32
        case "BYTES": self = .bytes
        case "FP16": self = .fp16
        case "INT64": self = .int64
        case "INT32": self = .int32
        case "INT16": self = .int16
        case "INT8": self = .int8
        case "UINT64": self = .uint64
        case "UINT32": self = .uint32
        case "UINT16": self = .uint16
        case "UINT8": self = .uint8
        case "BOOL": self = .bool
        default: return nil
        }
    }

    /// Whether JSON data of this type is numbers (as opposed to booleans or strings).
    public var isNumeric: Bool { self != .bool && self != .bytes }

    /// Whether elements must be whole numbers.
    public var isInteger: Bool {
        switch self {
        case .uint8, .uint16, .uint32, .uint64, .int8, .int16, .int32, .int64: return true
        default: return false
        }
    }

    /// The range a whole-number element must fall in (nil for floating point and non-numeric types).
    var integerRange: ClosedRange<Double>? {
        switch self {
        case .uint8: return 0...Double(UInt8.max)
        case .uint16: return 0...Double(UInt16.max)
        case .uint32: return 0...Double(UInt32.max)
        case .uint64: return 0...Double(UInt64.max)
        case .int8: return Double(Int8.min)...Double(Int8.max)
        case .int16: return Double(Int16.min)...Double(Int16.max)
        case .int32: return Double(Int32.min)...Double(Int32.max)
        case .int64: return Double(Int64.min)...Double(Int64.max)
        default: return nil
        }
    }

    /// The datatype names, for error messages.
    static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
