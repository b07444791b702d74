#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file mapped read-only into memory; the mapping lives as long as this object.
///
/// Model files are read through a mapping so that tensor bytes are used in place, without a
/// copy; every ``TensorData`` holds its file's mapping, so a tensor outlives the reader that
/// produced it safely.
public final class MappedFile: @unchecked Sendable {
    /// The path the file was opened from.
    public let path: String
    /// The whole file's bytes. Read-only; valid for the life of this object.
    public let bytes: UnsafeRawBufferPointer
    private let base: UnsafeMutableRawPointer?
    private let length: Int
    private let mapped: Bool

    /// Maps the file at `path` read-only.
    /// - Throws: ``MappedFileError`` when the file cannot be opened, sized or mapped.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw MappedFileError(path: path, operation: "open", code: errno) }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw MappedFileError(path: path, operation: "stat", code: errno) }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw MappedFileError(path: path, operation: "open", code: EISDIR, detail: "not a regular file")
        }
        let size = Int(status.st_size)
        length = size
        mapped = true
        if size == 0 {
            // mmap refuses a zero length; an empty file is an empty buffer.
            base = nil
            bytes = UnsafeRawBufferPointer(start: nil, count: 0)
            return
        }
        let mapped = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let mapped, mapped != MAP_FAILED else { throw MappedFileError(path: path, operation: "mmap", code: errno) }
        base = mapped
        bytes = UnsafeRawBufferPointer(start: mapped, count: size)
    }

    /// A copy of `bytes` in memory, standing for a file at `path` (for checks that open many
    /// generated files, such as the fuzz tests).
    init(path: String, copying bytes: [UInt8]) {
        self.path = path
        length = bytes.count
        mapped = false
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(bytes.count, 1), alignment: 16)
        bytes.withUnsafeBytes { memory.copyMemory(from: $0.baseAddress ?? UnsafeRawPointer(memory), byteCount: bytes.count) }
        base = memory
        self.bytes = UnsafeRawBufferPointer(start: memory, count: bytes.count)
    }

    deinit {
        guard let base else { return }
        if mapped { munmap(base, length) } else { base.deallocate() }
    }
}

/// Opening or mapping a model file failed at the operating-system level.
public struct MappedFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// The call that failed (`open`, `stat`, `mmap`).
    public let operation: String
    /// The `errno` it set.
    public let code: Int32
    /// Extra words where `errno` alone does not say it.
    public var detail: String?

    /// A failure of `operation` on `path` with `errno` `code`.
    public init(path: String, operation: String, code: Int32, detail: String? = nil) {
        self.path = path
        self.operation = operation
        self.code = code
        self.detail = detail
    }

    /// What failed, on which file, and why.
    public var description: String {
        "\(path): \(operation) failed: \(detail ?? String(cString: strerror(code)))"
    }
}
