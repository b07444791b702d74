// The Thrift compact protocol, the encoding of Parquet's footer and page headers: just what Parquet
// uses (structs, lists, i8–i64, binary, bool), read defensively from untrusted bytes and written.

/// Compact-protocol type codes (the low nibble of a field header, or of a list header).
enum ThriftType: UInt8 {
    case stop = 0, boolTrue = 1, boolFalse = 2, byte = 3, i16 = 4, i32 = 5, i64 = 6, double = 7
    case binary = 8, list = 9, set = 10, map = 11, structure = 12
}

/// Reads compact-protocol values from `data[position..<end]`, checking every length, count and varint
/// before use and bounding the nesting depth; every failure is a ``ParquetError`` at a byte offset.
struct ThriftReader {
    let data: [UInt8]
    var position: Int
    let end: Int
    let source: String
    /// What is being read (`the footer`, `a page header`), for messages.
    let what: String
    private var depth = 0
    /// Deeper nesting than this is refused: Parquet's own structures nest five levels at most.
    static let maxDepth = 24

    init(data: [UInt8], from start: Int, to end: Int, source: String, what: String) {
        self.data = data
        self.position = start
        self.end = end
        self.source = source
        self.what = what
    }

    func fail(_ message: String, at offset: Int? = nil) -> ParquetError {
        ParquetError(source: source, offset: offset ?? position, "\(what) is corrupt: \(message)")
    }

    mutating func byte() throws -> UInt8 {
        guard position < end else { throw fail("it ends in the middle of a value") }
        defer { position += 1 }
        return data[position]
    }

    /// An unsigned LEB128 varint of at most 10 bytes that fits in 64 bits.
    mutating func varint() throws -> UInt64 {
        let start = position
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let b = try byte()
            if shift == 63 && b > 1 { throw fail("a varint does not fit in 64 bits", at: start) }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw fail("a varint is longer than 10 bytes", at: start) }
        }
    }

    mutating func zigzag64() throws -> Int64 {
        let v = try varint()
        return Int64(bitPattern: (v >> 1) ^ (0 &- (v & 1)))
    }

    mutating func zigzag32() throws -> Int32 {
        let start = position
        let v = try zigzag64()
        guard let value = Int32(exactly: v) else { throw fail("a 32-bit integer holds \(v)", at: start) }
        return value
    }

    mutating func zigzag16() throws -> Int16 {
        let start = position
        let v = try zigzag64()
        guard let value = Int16(exactly: v) else { throw fail("a 16-bit integer holds \(v)", at: start) }
        return value
    }

    /// A length-prefixed byte string, its length checked against what is left.
    mutating func binary() throws -> ArraySlice<UInt8> {
        let start = position
        let length = try varint()
        guard length <= UInt64(end - position) else {
            throw fail("a string of \(length) bytes runs past the end (\(end - position) bytes left)", at: start)
        }
        defer { position += Int(length) }
        return data[position..<(position + Int(length))]
    }

    mutating func string() throws -> String {
        let start = position
        let bytes = try binary()
        guard let text = String(validating: bytes, as: UTF8.self) else { throw fail("a string is not valid UTF-8", at: start) }
        return text
    }

    /// A list header: the element type and a count no larger than the bytes left (every element takes one or more).
    mutating func listHeader() throws -> (elementType: UInt8, count: Int) {
        let start = position
        let header = try byte()
        var count = UInt64(header >> 4)
        if count == 15 { count = try varint() }
        guard count <= UInt64(end - position) else {
            throw fail("a list claims \(count) elements but only \(end - position) bytes are left", at: start)
        }
        return (header & 0x0f, Int(count))
    }

    /// Reads a struct, calling `field` with each field's id and type; `field` must consume the value
    /// (reading it or calling ``skip(_:)``). Nesting deeper than ``maxDepth`` is refused.
    mutating func readStruct(_ field: (inout ThriftReader, Int16, UInt8) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("structures nest deeper than \(Self.maxDepth) levels") }
        var last: Int16 = 0
        while true {
            let start = position
            let header = try byte()
            let type = header & 0x0f
            if type == ThriftType.stop.rawValue { return }
            let delta = Int16(header >> 4)
            let id: Int16
            if delta == 0 {
                id = try zigzag16()
            } else {
                let (sum, overflow) = last.addingReportingOverflow(delta)
                guard !overflow else { throw fail("a field id overflows", at: start) }
                id = sum
            }
            guard type <= ThriftType.structure.rawValue else { throw fail("unknown field type \(type)", at: start) }
            last = id
            try field(&self, id, type)
        }
    }

    /// Skips a value of compact type `type`, bounded in depth like ``readStruct(_:)``.
    mutating func skip(_ type: UInt8) throws {
        switch ThriftType(rawValue: type) {
        case .boolTrue, .boolFalse: return
        case .byte: _ = try byte()
        case .i16, .i32, .i64: _ = try varint()
        case .double:
            guard end - position >= 8 else { throw fail("a double runs past the end") }
            position += 8
        case .binary: _ = try binary()
        case .list, .set:
            let (elementType, count) = try listHeader()
            try nested {
                for _ in 0..<count {
                    // Booleans inside a list take one byte each.
                    if elementType == ThriftType.boolTrue.rawValue || elementType == ThriftType.boolFalse.rawValue {
                        _ = try $0.byte()
                    } else {
                        try $0.skip(elementType)
                    }
                }
            }
        case .map:
            let start = position
            let count = try varint()
            guard count <= UInt64(end - position) else { throw fail("a map claims \(count) entries", at: start) }
            if count > 0 {
                let types = try byte()
                try nested {
                    for _ in 0..<count {
                        try $0.skip(types >> 4)
                        try $0.skip(types & 0x0f)
                    }
                }
            }
        case .structure: try readStruct { reader, _, fieldType in try reader.skip(fieldType) }
        case .stop, nil: throw fail("unknown value type \(type)")
        }
    }

    private mutating func nested(_ body: (inout ThriftReader) throws -> Void) throws {
        depth += 1
        defer { depth -= 1 }
        guard depth <= Self.maxDepth else { throw fail("structures nest deeper than \(Self.maxDepth) levels") }
        try body(&self)
    }

    /// Checks a field's wire type before its value is read.
    func expect(_ type: UInt8, _ wanted: ThriftType, field: String) throws {
        let ok = wanted == .boolTrue
            ? (type == ThriftType.boolTrue.rawValue || type == ThriftType.boolFalse.rawValue)
            : type == wanted.rawValue
        guard ok else { throw fail("field \(field) has wire type \(type), expected \(wanted)") }
    }

    mutating func i32(_ type: UInt8, field: String) throws -> Int32 {
        try expect(type, .i32, field: field)
        return try zigzag32()
    }

    mutating func i64(_ type: UInt8, field: String) throws -> Int64 {
        try expect(type, .i64, field: field)
        return try zigzag64()
    }

    func bool(_ type: UInt8, field: String) throws -> Bool {
        try expect(type, .boolTrue, field: field)
        return type == ThriftType.boolTrue.rawValue
    }

    /// A list of `count` elements of `elementType`, each read by `element`.
    mutating func list<T>(_ type: UInt8, field: String, of elementType: ThriftType,
                          _ element: (inout ThriftReader) throws -> T) throws -> [T] {
        try expect(type, .list, field: field)
        let (actual, count) = try listHeader()
        guard count == 0 || actual == elementType.rawValue else {
            throw fail("list \(field) holds wire type \(actual), expected \(elementType)")
        }
        var values: [T] = []
        values.reserveCapacity(count)
        try nested {
            for _ in 0..<count { values.append(try element(&$0)) }
        }
        return values
    }
}

/// Writes compact-protocol structs: fields in increasing id order, nested structs through closures.
struct ThriftWriter {
    var bytes: [UInt8] = []
    private var lastIDs: [Int16] = [0]

    mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    mutating func zigzag(_ value: Int64) { varint(UInt64(bitPattern: (value << 1) ^ (value >> 63))) }

    mutating func fieldHeader(_ id: Int16, _ type: ThriftType) {
        let delta = Int(id) - Int(lastIDs[lastIDs.count - 1])
        if delta > 0 && delta <= 15 {
            bytes.append(UInt8(delta) << 4 | type.rawValue)
        } else {
            bytes.append(type.rawValue)
            zigzag(Int64(id))
        }
        lastIDs[lastIDs.count - 1] = id
    }

    mutating func i32(_ id: Int16, _ value: Int32) {
        fieldHeader(id, .i32)
        zigzag(Int64(value))
    }

    mutating func i64(_ id: Int16, _ value: Int64) {
        fieldHeader(id, .i64)
        zigzag(value)
    }

    mutating func bool(_ id: Int16, _ value: Bool) { fieldHeader(id, value ? .boolTrue : .boolFalse) }

    mutating func binary(_ value: [UInt8]) {
        varint(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ id: Int16, _ value: String) {
        fieldHeader(id, .binary)
        binary(Array(value.utf8))
    }

    mutating func listHeader(_ id: Int16, _ elementType: ThriftType, count: Int) {
        fieldHeader(id, .list)
        if count < 15 {
            bytes.append(UInt8(count) << 4 | elementType.rawValue)
        } else {
            bytes.append(0xf0 | elementType.rawValue)
            varint(UInt64(count))
        }
    }

    /// A struct field `id` whose fields `body` writes.
    mutating func structure(_ id: Int16, _ body: (inout ThriftWriter) -> Void) {
        fieldHeader(id, .structure)
        element(body)
    }

    /// A struct value without a field header (a list element or the top level), then its stop byte.
    mutating func element(_ body: (inout ThriftWriter) -> Void) {
        lastIDs.append(0)
        body(&self)
        bytes.append(ThriftType.stop.rawValue)
        lastIDs.removeLast()
    }
}
