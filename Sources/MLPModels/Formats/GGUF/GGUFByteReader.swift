/// A bounds-checked little-endian cursor over a GGUF file's bytes: every read checks the bytes
/// remaining first and throws ``GGUFError/truncated(path:what:offset:needed:fileSize:)`` instead of
/// reading past the end.
struct GGUFByteReader {
    let bytes: UnsafeRawBufferPointer
    let path: String
    private(set) var offset = 0

    init(bytes: UnsafeRawBufferPointer, path: String) {
        self.bytes = bytes
        self.path = path
    }

    var remaining: Int { bytes.count - offset }

    /// Throws unless `count` more bytes are there.
    func need(_ count: UInt64, for what: @autoclosure () -> String) throws {
        guard count <= UInt64(remaining) else {
            throw GGUFError.truncated(path: path, what: what(), offset: offset, needed: count, fileSize: bytes.count)
        }
    }

    mutating func load<T: FixedWidthInteger>(_: T.Type, _ what: @autoclosure () -> String) throws -> T {
        try need(UInt64(MemoryLayout<T>.size), for: what())
        let value = T(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: T.self))
        offset += MemoryLayout<T>.size
        return value
    }

    /// A length-prefixed (uint64) UTF-8 string.
    mutating func string(_ what: @autoclosure () -> String) throws -> String {
        let start = offset
        let length = try load(UInt64.self, "length of \(what())")
        try need(length, for: what())
        let slice = UnsafeRawBufferPointer(rebasing: bytes[offset..<(offset + Int(length))])
        guard let string = String(validating: slice, as: UTF8.self) else {
            throw GGUFError.invalidString(path: path, what: what(), offset: start)
        }
        offset += Int(length)
        return string
    }

    mutating func skip(to position: Int) { offset = position }
}
