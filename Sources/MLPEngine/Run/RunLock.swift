import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// An exclusive claim on driving one run, held by an open file with `flock`. The kernel drops it
/// when the process dies, however it dies, so a killed driver never leaves a stale lock behind.
final class RunLock {
    private let fd: Int32

    /// Another process drives the run.
    struct Busy: Error, CustomStringConvertible {
        let run: String
        let pid: String
        var description: String { "run \(run) is being driven by another process (pid \(pid)); wait for it or `mlp cancel \(run)`" }
    }

    init(directory: String, run: String) throws {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/\(run).lock"
        fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResolutionError(message: "cannot open \(path): \(String(cString: strerror(errno)))") }
        guard flock(fd, LOCK_EX | LOCK_NB) == 0 else {
            let holder = (try? String(contentsOfFile: path, encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "?"
            close(fd)
            throw Busy(run: run, pid: holder.isEmpty ? "?" : holder)
        }
        ftruncate(fd, 0)
        let pid = "\(getpid())\n"
        _ = pid.withCString { write(fd, $0, strlen($0)) }
    }

    /// Whether some process holds the lock of `run` now.
    static func isHeld(directory: String, run: String) -> Bool {
        let fd = open("\(directory)/\(run).lock", O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        if flock(fd, LOCK_EX | LOCK_NB) == 0 {
            flock(fd, LOCK_UN)
            return false
        }
        return true
    }

    deinit {
        flock(fd, LOCK_UN)
        close(fd)
    }
}

extension Project {
    /// Whether a process drives `runID` now (holds its ``RunLock``). A run recorded as running that
    /// no process drives was interrupted: its driver died (`kill -9`, a crash, a reboot) and
    /// `mlp resume` continues it.
    public func isDriven(runID: String) -> Bool {
        RunLock.isHeld(directory: locksDirectory, run: runID)
    }
}
