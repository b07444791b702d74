import Foundation
import NIOCore
import PostgresNIO

/// A column's values as one array parameter, in PostgreSQL's binary array format: a statement
/// over many rows then has a handful of parameters (`unnest($1::bigint[], $2::text[], …)`) instead
/// of one per value, so PostgreSQL parses a short text once instead of thousands of placeholders.
struct PGArray: PostgresDynamicTypeEncodable, Sendable {
    /// The element type, as SQL names it in a cast.
    enum Element: String, Sendable {
        case bigint, text, boolean
        case double = "double precision"

        init?(sqlType: String) { self.init(rawValue: sqlType) }

        var oid: UInt32 {
            switch self {
            case .bigint: return 20
            case .text: return 25
            case .boolean: return 16
            case .double: return 701
            }
        }

        var arrayType: PostgresDataType {
            switch self {
            case .bigint: return .int8Array
            case .text: return .textArray
            case .boolean: return .boolArray
            case .double: return .float8Array
            }
        }
    }

    var element: Element
    /// Scalars of ``element``'s type, or `.null`.
    var values: [PGValue]

    var psqlType: PostgresDataType { element.arrayType }
    var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        let hasNull = values.contains { if case .null = $0 { return true } else { return false } }
        buffer.writeInteger(Int32(values.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(hasNull ? 1 : 0))
        buffer.writeInteger(element.oid)
        guard !values.isEmpty else { return }
        buffer.writeInteger(Int32(values.count))
        buffer.writeInteger(Int32(1))
        for value in values {
            switch value {
            case .int(let number):
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(number)
            case .double(let number):
                buffer.writeInteger(Int32(8))
                buffer.writeInteger(number.bitPattern)
            case .bool(let flag):
                buffer.writeInteger(Int32(1))
                buffer.writeInteger(UInt8(flag ? 1 : 0))
            case .text(let string):
                let length = buffer.writerIndex
                buffer.writeInteger(Int32(0))
                let written = buffer.writeString(string)
                buffer.setInteger(Int32(written), at: length)
            default:  // .null; a value of another type is never put in an array (see PGSession.updateMany)
                buffer.writeInteger(Int32(-1))
            }
        }
    }
}
