import Foundation
#if canImport(Glibc)
import Glibc
#endif

extension ArtifactStore {
    /// What kind of file `mode` (an `st_mode`) describes, in words for an error message:
    /// `a regular file`, `a FIFO (named pipe)`, `a character device`…
    public static func fileKind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFREG: return "a regular file"
        case S_IFDIR: return "a folder"
        case S_IFLNK: return "a symbolic link"
        case S_IFIFO: return "a FIFO (named pipe)"
        case S_IFSOCK: return "a socket"
        case S_IFCHR: return "a character device"
        case S_IFBLK: return "a block device"
        default: return "a special file"
        }
    }

    /// Where the symbolic link at `path` points, for an error message.
    static func linkTarget(_ path: String) -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
    }

    /// Opens `path` for reading only when it is a regular file, and returns its descriptor.
    ///
    /// The file's type is checked with `lstat` before it is opened (so a FIFO is never opened, and
    /// never blocks), the open itself cannot block or follow a link put there in between
    /// (`O_NONBLOCK`, `O_NOFOLLOW`), and the opened file is checked again with `fstat`.
    /// - Parameter followSymlinks: whether a symbolic link to a regular file is accepted (a
    ///   project's code file may be a link; a step's output may not).
    /// - Throws: ``ArtifactStoreError`` naming the path and what it is instead.
    public static func openRegularFile(_ path: String, followSymlinks: Bool) throws -> Int32 {
        var info = stat()
        guard lstat(path, &info) == 0 else { throw ArtifactStoreError(path: path, reason: String(cString: strerror(errno))) }
        if info.st_mode & S_IFMT == S_IFLNK {
            guard followSymlinks else {
                throw ArtifactStoreError(path: path, reason: "is a symbolic link (to \(linkTarget(path))), not a regular file")
            }
            guard stat(path, &info) == 0 else {
                throw ArtifactStoreError(path: path, reason: "is a symbolic link (to \(linkTarget(path))) that cannot be followed: \(String(cString: strerror(errno)))")
            }
        }
        guard info.st_mode & S_IFMT == S_IFREG else {
            throw ArtifactStoreError(path: path, reason: "is \(fileKind(info.st_mode)), not a regular file")
        }
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (followSymlinks ? 0 : O_NOFOLLOW))
        guard fd >= 0 else { throw ArtifactStoreError(path: path, reason: String(cString: strerror(errno))) }
        var opened = stat()
        guard fstat(fd, &opened) == 0, opened.st_mode & S_IFMT == S_IFREG else {
            close(fd)
            throw ArtifactStoreError(path: path, reason: "changed into \(fileKind(opened.st_mode)) while it was being opened")
        }
        return fd
    }
}
