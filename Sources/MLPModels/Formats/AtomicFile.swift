import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes a file atomically: to a temporary file beside the destination, fsynced, then renamed
/// over it, so a reader sees the old file or the whole new one, never a torn one.
struct AtomicFile {
    let path: String
    private let temporary: String
    private let fd: Int32
    private var finished = false
    /// Bytes written so far.
    private(set) var written = 0

    /// Creates the temporary file; `failure` turns an operating-system failure into the format's error.
    init(path: String, failure: (String) -> Error) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw failure("cannot create \(temporary): \(String(cString: strerror(errno)))") }
    }

    /// Appends `bytes`.
    mutating func write(_ bytes: UnsafeRawBufferPointer, failure: (String) -> Error) throws {
        var offset = 0
        while offset < bytes.count {
            let count = writeToDescriptor(fd, bytes.baseAddress! + offset, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw failure("write to \(temporary) failed: \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        written += bytes.count
    }

    /// Appends `bytes`.
    mutating func write(_ bytes: [UInt8], failure: (String) -> Error) throws {
        try bytes.withUnsafeBytes { try write($0, failure: failure) }
    }

    /// Appends `count` copies of `byte`.
    mutating func pad(_ count: Int, with byte: UInt8, failure: (String) -> Error) throws {
        guard count > 0 else { return }
        try write([UInt8](repeating: byte, count: count), failure: failure)
    }

    /// Flushes the data to disk and renames the temporary file over `path`.
    mutating func commit(failure: (String) -> Error) throws {
        guard fsync(fd) == 0 else { throw failure("fsync of \(temporary) failed: \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw failure("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
        finished = true
        close(fd)
        // Persist the rename itself: fsync the folder that holds the file.
        let folder = open(URL(fileURLWithPath: path).deletingLastPathComponent().path, O_RDONLY | O_CLOEXEC)
        if folder >= 0 {
            fsync(folder)
            close(folder)
        }
    }

    /// Removes the temporary file when the write did not finish.
    func abandon() {
        guard !finished else { return }
        close(fd)
        unlink(temporary)
    }
}

/// `write(2)`, named apart from ``AtomicFile/write(_:failure:)``.
private func writeToDescriptor(_ fd: Int32, _ pointer: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, pointer, count)
}
