/// Strings stored the way they lie on disk: one UTF-8 byte buffer and `count + 1` offsets into it.
///
/// Keeping a column's text in two flat arrays instead of one `String` per value is what lets the CSV
/// reader append a field with a `memcpy` and the file writer emit a column without re-encoding.
public struct StringBuffer: Sendable, Hashable {
    /// Every value's UTF-8 bytes, back to back.
    public private(set) var bytes: [UInt8]
    /// `offsets[i] ..< offsets[i + 1]` are value `i`'s bytes; `offsets[0] == 0`.
    public private(set) var offsets: [Int]

    /// An empty buffer.
    public init() {
        bytes = []
        offsets = [0]
    }

    /// A buffer holding `strings` in order.
    public init<S: Sequence>(_ strings: S) where S.Element == String {
        self.init()
        for string in strings { append(string) }
    }

    /// A buffer from raw parts; the caller has checked that `offsets` start at 0, never decrease and
    /// end at `bytes.count`, and that every value is valid UTF-8.
    init(uncheckedBytes bytes: [UInt8], offsets: [Int]) {
        self.bytes = bytes
        self.offsets = offsets
    }

    /// The number of values.
    public var count: Int { offsets.count - 1 }

    /// Value `index` as a `String`.
    public subscript(index: Int) -> String {
        let start = offsets[index], end = offsets[index + 1]
        return bytes.withUnsafeBufferPointer { String(decoding: UnsafeBufferPointer(rebasing: $0[start..<end]), as: UTF8.self) }
    }

    /// Value `index`'s UTF-8 bytes.
    public func utf8(at index: Int) -> ArraySlice<UInt8> { bytes[offsets[index]..<offsets[index + 1]] }

    /// Appends one value.
    public mutating func append(_ string: String) {
        bytes.append(contentsOf: string.utf8)
        offsets.append(bytes.count)
    }

    /// Appends one value given as UTF-8 bytes (the caller guarantees they are valid UTF-8).
    public mutating func append(utf8 buffer: UnsafeBufferPointer<UInt8>) {
        bytes.append(contentsOf: buffer)
        offsets.append(bytes.count)
    }

    /// Appends an empty value (the placeholder kept under a null).
    public mutating func appendEmpty() { offsets.append(bytes.count) }

    /// Reserves room for `values` more values of about `bytesEach` bytes.
    public mutating func reserve(values: Int, bytes bytesEach: Int) {
        offsets.reserveCapacity(offsets.count + values)
        bytes.reserveCapacity(bytes.count + values * bytesEach)
    }
}
