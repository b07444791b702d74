import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where a command's `-o PATH` writes, and the one way every command writes there.
///
/// - `-` is standard output.
/// - A character or block device, a FIFO, a socket, or a symbolic link is written through: opened
///   and written, so `/dev/null` stays a device and a link keeps pointing where it did.
/// - A regular file or a new path is replaced atomically: a temporary file beside it, renamed over it.
/// - An empty path, a folder, or a path in a folder that does not exist is an ``OutputFile/Invalid`` error.
enum OutputFile {
    /// How `-o PATH` is written.
    enum Destination: Equatable {
        /// `-`: the command's standard output.
        case standardOutput
        /// A special file or a symbolic link: opened and written in place.
        case writeThrough(String)
        /// A regular file or a new path: a temporary file renamed over it.
        case replace(String)
    }

    /// A `-o` path that cannot be written, and what to give instead.
    struct Invalid: Error, CustomStringConvertible {
        let description: String
    }

    /// Decides how `path` is written, or says why it cannot be.
    /// - Parameters:
    ///   - option: the option's name as the user typed it, for messages (`-o`).
    ///   - example: a file name to suggest when `path` is a folder (`loss.svg`).
    static func destination(for path: String, option: String = "-o", example: String = "out") throws -> Destination {
        if path == "-" { return .standardOutput }
        guard !path.isEmpty else { throw Invalid(description: "\(option) '': the path is empty; give a file name, or - for standard output") }
        let inFolder = "give a file name inside it, such as \(option) \(path.hasSuffix("/") ? path : path + "/")\(example)"
        var info = stat()
        guard lstat(path, &info) == 0 else {
            let problem = errno
            guard problem == ENOENT else { throw Invalid(description: "\(option) \(path): \(String(cString: strerror(problem)))") }
            if path.hasSuffix("/") { throw Invalid(description: "\(option) \(path): no such folder; \(inFolder)") }
            let parent = (path as NSString).deletingLastPathComponent
            var folder: ObjCBool = false
            if !parent.isEmpty, !(FileManager.default.fileExists(atPath: parent, isDirectory: &folder) && folder.boolValue) {
                throw Invalid(description: "\(option) \(path): the folder \(parent) does not exist; create it first")
            }
            return .replace(path)
        }
        switch info.st_mode & S_IFMT {
        case S_IFDIR:
            throw Invalid(description: "\(option) \(path): is a folder; \(inFolder)")
        case S_IFREG:
            return .replace(path)
        case S_IFLNK:
            var target = stat()
            if stat(path, &target) == 0, target.st_mode & S_IFMT == S_IFDIR {
                throw Invalid(description: "\(option) \(path): is a link to a folder; \(inFolder)")
            }
            return .writeThrough(path)
        default:
            return .writeThrough(path)
        }
    }

    /// For a command's `validate()`: a path that cannot be written is a usage error (exit 64, with usage).
    static func validate(_ path: String, option: String = "-o", example: String = "out") throws {
        do {
            _ = try destination(for: path, option: option, example: example)
        } catch let invalid as Invalid {
            throw ValidationError(invalid.description)
        }
    }

    /// Writes `data` to `path` as ``destination(for:option:example:)`` decides.
    @discardableResult
    static func write(_ data: Data, to path: String, option: String = "-o", example: String = "out") throws -> Destination {
        let destination = try destination(for: path, option: option, example: example)
        switch destination {
        case .standardOutput:
            try writeAll(data, to: STDOUT_FILENO, path: "standard output", option: option)
        case .writeThrough(let path):
            let fd = try openForWriting(path, option: option)
            defer { close(fd) }
            try writeAll(data, to: fd, path: path, option: option)
        case .replace(let path):
            try replace(path, with: data, option: option)
        }
        return destination
    }

    /// For writers that take a path (and write it atomically themselves): `produce` writes `path`
    /// itself when it is a regular file or a new path, else a temporary file with the same
    /// extension (a format may follow the extension; `defaultExtension` when the path has none, as
    /// `-` and `/dev/null` do) that is then copied to the destination.
    @discardableResult
    static func write(to path: String, option: String = "-o", example: String = "out", defaultExtension: String = "",
                      produce: (String) throws -> Void) throws -> Destination {
        let destination = try destination(for: path, option: option, example: example)
        if case .replace(let path) = destination {
            try produce(path)
            return destination
        }
        let folder = NSTemporaryDirectory() + "mlp-output-XXXXXX"
        guard let made = folder.withCString({ template -> String? in
            let buffer = strdup(template)!
            defer { free(buffer) }
            return mkdtemp(buffer).map { String(cString: $0) }
        }) else {
            throw Invalid(description: "\(option) \(path): cannot make a temporary folder: \(String(cString: strerror(errno)))")
        }
        defer { try? FileManager.default.removeItem(atPath: made) }
        let suffix = (path as NSString).pathExtension.isEmpty ? defaultExtension : (path as NSString).pathExtension
        let temporary = "\(made)/output" + (suffix.isEmpty ? "" : ".\(suffix)")
        try produce(temporary)
        guard let input = FileHandle(forReadingAtPath: temporary) else {
            throw Invalid(description: "\(option) \(path): the output was not written")
        }
        defer { try? input.close() }
        let fd: Int32
        switch destination {
        case .writeThrough(let path): fd = try openForWriting(path, option: option)
        default: fd = STDOUT_FILENO
        }
        defer { if fd != STDOUT_FILENO { close(fd) } }
        while let chunk = try input.read(upToCount: 1 << 20), !chunk.isEmpty {
            try writeAll(chunk, to: fd, path: path, option: option)
        }
        return destination
    }

    private static func openForWriting(_ path: String, option: String) throws -> Int32 {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o666)
        guard fd >= 0 else { throw Invalid(description: "\(option) \(path): cannot be opened for writing: \(String(cString: strerror(errno)))") }
        return fd
    }

    private static func writeAll(_ data: Data, to fd: Int32, path: String, option: String) throws {
        try data.withUnsafeBytes { (buffer: UnsafeRawBufferPointer) in
            var offset = 0
            while offset < buffer.count {
                let written = Glibc.write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    throw Invalid(description: "\(option) \(path): writing failed: \(String(cString: strerror(errno)))")
                }
                offset += written
            }
        }
    }

    /// A temporary file beside `path`, written, flushed and renamed over it.
    private static func replace(_ path: String, with data: Data, option: String) throws {
        let folder = (path as NSString).deletingLastPathComponent
        let template = (folder.isEmpty ? "" : folder + "/") + ".\((path as NSString).lastPathComponent).XXXXXX"
        let buffer = strdup(template)!
        defer { free(buffer) }
        let fd = mkstemp(buffer)
        guard fd >= 0 else { throw Invalid(description: "\(option) \(path): cannot write in \(folder.isEmpty ? "." : folder): \(String(cString: strerror(errno)))") }
        let temporary = String(cString: buffer)
        var committed = false
        defer {
            close(fd)
            if !committed { unlink(temporary) }
        }
        let mask = umask(0)
        umask(mask)
        fchmod(fd, 0o666 & ~mask)
        try writeAll(data, to: fd, path: path, option: option)
        guard fsync(fd) == 0, rename(temporary, path) == 0 else {
            throw Invalid(description: "\(option) \(path): cannot be replaced: \(String(cString: strerror(errno)))")
        }
        committed = true
    }
}
