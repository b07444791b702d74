/// The bytes of one tensor inside a mapped model file: a zero-copy view that keeps the mapping alive.
///
/// The bytes are read-only and laid out as the file stores them (little-endian; block-quantized
/// types in GGML's block layout, see `DType`).
public struct TensorData: @unchecked Sendable {
    // The mapping is never written and never unmapped while a view of it exists, so a view may be
    // shared across threads.
    private let owner: MappedFile
    /// The tensor's bytes, valid while this value (or a copy) exists.
    public let bytes: UnsafeRawBufferPointer

    /// A view of `range` within `file`; the caller has checked that `range` lies inside it.
    init(file: MappedFile, range: Range<Int>) {
        owner = file
        bytes = UnsafeRawBufferPointer(rebasing: file.bytes[range])
    }

    /// The number of bytes.
    public var count: Int { bytes.count }

    /// Calls `body` with the bytes while the mapping is certain to stay alive.
    public func withUnsafeBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try withExtendedLifetime(owner) { try body(bytes) }
    }

    /// A copy of the bytes as an array.
    public func copyBytes() -> [UInt8] { withUnsafeBytes { Array($0) } }
}
