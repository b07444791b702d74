import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes folders that must never be seen half-written: the files go into a temporary folder
/// beside the destination, the folder is fsynced and renamed to the destination.
enum AtomicFolder {
    /// Calls `fill` with a fresh temporary folder, then puts that folder at `path`.
    ///
    /// Whatever was at `path` is first renamed aside and removed once the new folder is in place
    /// (a folder cannot be renamed over a non-empty one), so a reader sees the old model, the new
    /// one, or for an instant none, never a mixture.
    static func write(to path: String, _ fill: (String) throws -> Void) throws {
        let url = URL(fileURLWithPath: path)
        let parent = url.deletingLastPathComponent().path
        let temporary = "\(parent)/.\(url.lastPathComponent).\(UUID().uuidString).tmp"
        guard mkdir(temporary, 0o755) == 0 else { throw ModelFileError(path: path, "cannot be created: \(temporary): \(String(cString: strerror(errno)))") }
        var placed = false
        defer { if !placed { try? FileManager.default.removeItem(atPath: temporary) } }
        try fill(temporary)
        syncFolder(temporary)
        var aside: String?
        if FileManager.default.fileExists(atPath: path) {
            let old = "\(parent)/.\(url.lastPathComponent).\(UUID().uuidString).old"
            guard rename(path, old) == 0 else { throw ModelFileError(path: path, "cannot be replaced: \(String(cString: strerror(errno)))") }
            aside = old
        }
        guard rename(temporary, path) == 0 else {
            let reason = String(cString: strerror(errno))
            if let aside { rename(aside, path) }
            throw ModelFileError(path: path, "cannot be put in place: \(reason)")
        }
        placed = true
        syncFolder(parent)
        if let aside { try? FileManager.default.removeItem(atPath: aside) }
    }

    /// Flushes a folder's entries (the names of the files in it) to disk.
    static func syncFolder(_ path: String) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { return }
        fsync(fd)
        close(fd)
    }
}
