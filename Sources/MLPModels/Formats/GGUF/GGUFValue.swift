/// The type tag of a GGUF metadata value (`gguf_metadata_value_type`).
public enum GGUFValueType: UInt32, CaseIterable, Sendable {
    /// Fixed-size scalars up to 32 bits, and bool (one byte, 0 or 1).
    case uint8 = 0, int8 = 1, uint16 = 2, int16 = 3, uint32 = 4, int32 = 5, float32 = 6, bool = 7
    /// A uint64 length and UTF-8 bytes; an element type, uint64 count and elements; 64-bit scalars.
    case string = 8, array = 9, uint64 = 10, int64 = 11, float64 = 12

    /// The fewest bytes one value of this type takes in the file (a string's or array's header).
    var minimumEncodedSize: Int {
        switch self {
        case .uint8, .int8, .bool: return 1
        case .uint16, .int16: return 2
        case .uint32, .int32, .float32: return 4
        case .uint64, .int64, .float64, .string: return 8
        case .array: return 12
        }
    }
}

/// One GGUF metadata value.
public indirect enum GGUFValue: Equatable, Sendable, CustomStringConvertible {
    /// An integer of the named width and signedness.
    case uint8(UInt8), int8(Int8), uint16(UInt16), int16(Int16), uint32(UInt32), int32(Int32)
    /// A 64-bit integer, a float, a bool or a UTF-8 string.
    case uint64(UInt64), int64(Int64), float32(Float), float64(Double), bool(Bool), string(String)
    /// An array of values that all have `elementType` (which may itself be `.array`).
    case array(elementType: GGUFValueType, values: [GGUFValue])

    /// The value's type tag.
    public var type: GGUFValueType {
        switch self {
        case .uint8: return .uint8
        case .int8: return .int8
        case .uint16: return .uint16
        case .int16: return .int16
        case .uint32: return .uint32
        case .int32: return .int32
        case .uint64: return .uint64
        case .int64: return .int64
        case .float32: return .float32
        case .float64: return .float64
        case .bool: return .bool
        case .string: return .string
        case .array: return .array
        }
    }

    /// The value as an integer, for any integer type that fits.
    public var intValue: Int? {
        switch self {
        case .uint8(let value): return Int(value)
        case .int8(let value): return Int(value)
        case .uint16(let value): return Int(value)
        case .int16(let value): return Int(value)
        case .uint32(let value): return Int(value)
        case .int32(let value): return Int(value)
        case .uint64(let value): return Int(exactly: value)
        case .int64(let value): return Int(value)
        default: return nil
        }
    }

    /// The string, for a string value.
    public var stringValue: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    /// A short rendering: scalars in full, arrays by type and count with their first few values.
    public var description: String {
        switch self {
        case .uint8(let value): return String(value)
        case .int8(let value): return String(value)
        case .uint16(let value): return String(value)
        case .int16(let value): return String(value)
        case .uint32(let value): return String(value)
        case .int32(let value): return String(value)
        case .uint64(let value): return String(value)
        case .int64(let value): return String(value)
        case .float32(let value): return String(value)
        case .float64(let value): return String(value)
        case .bool(let value): return String(value)
        case .string(let value): return value.debugDescription
        case let .array(elementType, values):
            let head = values.prefix(4).map(\.description).joined(separator: ", ")
            return "[\(elementType) × \(values.count)]" + (values.isEmpty ? "" : " [\(head)\(values.count > 4 ? ", …" : "")]")
        }
    }
}
