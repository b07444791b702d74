#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A whole file mapped read-only into memory; tensors view it through ``TensorStorage`` without
/// copying, and the mapping lives as long as any of them.
public final class MappedFile: @unchecked Sendable {
    /// The file's path as given.
    public let path: String
    /// The mapped bytes (nil for an empty file, which cannot be mapped).
    public let baseAddress: UnsafeRawPointer?
    /// The file's size in bytes.
    public let byteCount: Int

    /// Maps the file at `path`.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw MappedFileError(path: path, reason: "cannot open: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw MappedFileError(path: path, reason: "cannot stat: \(String(cString: strerror(errno)))") }
        byteCount = Int(info.st_size)
        if byteCount == 0 {
            baseAddress = nil
            return
        }
        let mapped = mmap(nil, byteCount, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else {
            throw MappedFileError(path: path, reason: "cannot map \(byteCount) bytes: \(String(cString: strerror(errno)))")
        }
        baseAddress = UnsafeRawPointer(mapped)
    }

    /// Storage viewing `length` bytes from `offset`, keeping this mapping alive; throws when the
    /// range does not lie inside the file.
    public func storage(offset: Int, length: Int) throws -> TensorStorage {
        let (end, overflow) = offset.addingReportingOverflow(length)
        guard offset >= 0, length >= 0, !overflow, end <= byteCount else {
            throw TensorError.outOfBounds(offset: offset, length: length, storageBytes: byteCount)
        }
        guard let baseAddress else { return try TensorStorage(byteCount: 0) }
        return TensorStorage(viewing: baseAddress + offset, byteCount: length, owner: self)
    }

    deinit {
        if let baseAddress { munmap(UnsafeMutableRawPointer(mutating: baseAddress), byteCount) }
    }
}

/// A file that could not be mapped.
public struct MappedFileError: Error, CustomStringConvertible {
    /// The file.
    public let path: String
    /// What failed.
    public let reason: String
    /// A message naming the file and the failure.
    public var description: String { "\(path): \(reason)" }
}
