#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The bytes behind one or more tensors: either memory this object allocated (zeroed, 64-byte
/// aligned, freed with it) or a view of memory someone else owns, such as a memory-mapped model
/// file, kept alive by holding its owner.
public final class TensorStorage: @unchecked Sendable {
    /// The first byte.
    public let baseAddress: UnsafeMutableRawPointer
    /// The number of bytes from `baseAddress`.
    public let byteCount: Int
    /// False for views of memory that must not be written (a read-only file mapping).
    public let isWritable: Bool
    private let ownsMemory: Bool
    private let owner: AnyObject?

    /// Allocates `byteCount` zeroed bytes.
    public init(byteCount: Int) throws {
        guard byteCount >= 0 else { throw TensorError.kernelFailed("cannot allocate \(byteCount) bytes") }
        var pointer: UnsafeMutableRawPointer?
        guard posix_memalign(&pointer, 64, max(byteCount, 1)) == 0, let pointer else {
            throw TensorError.kernelFailed("out of memory allocating \(byteCount) bytes for a tensor")
        }
        memset(pointer, 0, max(byteCount, 1))
        baseAddress = pointer
        self.byteCount = byteCount
        isWritable = true
        ownsMemory = true
        owner = nil
    }

    /// A view of `byteCount` bytes at `baseAddress` that `owner` keeps valid; no bytes are copied.
    public init(viewing baseAddress: UnsafeRawPointer, byteCount: Int, owner: AnyObject?, isWritable: Bool = false) {
        self.baseAddress = UnsafeMutableRawPointer(mutating: baseAddress)
        self.byteCount = byteCount
        self.isWritable = isWritable
        ownsMemory = false
        self.owner = owner
    }

    deinit {
        if ownsMemory { free(baseAddress) }
    }
}
