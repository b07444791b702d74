#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A failure to start a process.
public struct SpawnError: Error, CustomStringConvertible, Sendable {
    public let command: String
    public let reason: String
    public var description: String { "could not start '\(command)': \(reason)" }
}

/// A child process started in a process group of its own, with stdout and stderr sent to files.
///
/// Running each step in its own group lets a timeout or a cancel stop the step and everything
/// it started (`kill(-pgid)`), not only the shell at its top.
public final class ChildProcess: @unchecked Sendable {
    /// The process id; also the id of its process group.
    public let pid: pid_t
    private let lock = NSLock()
    private var exitStatus: Int32?
    private var waiters: [CheckedContinuation<Int32, Never>] = []

    private init(pid: pid_t) { self.pid = pid }

    /// Starts `arguments[0]` (looked up on PATH when it has no slash) in `directory`.
    ///
    /// - Parameters:
    ///   - environment: the whole environment of the child.
    ///   - stdoutPath, stderrPath: files created (or truncated) for the child's output; nil means /dev/null.
    public static func spawn(arguments: [String], environment: [String: String], directory: String,
                             stdoutPath: String?, stderrPath: String?) throws -> ChildProcess {
        guard let program = arguments.first else { throw SpawnError(command: "", reason: "empty command") }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }

        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, stdoutPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, stderrPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let chdirResult = addChdir(&actions, directory)
        guard chdirResult == 0 else { throw SpawnError(command: program, reason: "cannot change to \(directory): \(String(cString: strerror(chdirResult)))") }

        // Own process group; default signal handling and an empty mask, whatever the parent set.
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGPIPE, SIGHUP, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var emptyMask = sigset_t()
        sigemptyset(&emptyMask)
        posix_spawnattr_setsigmask(&attributes, &emptyMask)

        let argv = arguments.map { strdup($0) } + [nil]
        let envp = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            argv.forEach { free($0) }
            envp.forEach { free($0) }
        }
        var pid: pid_t = 0
        let result: Int32
        if program.contains("/") {
            result = posix_spawn(&pid, program, &actions, &attributes, argv, envp)
        } else {
            // posix_spawnp searches the PATH of the parent; search the child's PATH instead.
            let resolved = ChildProcess.lookUp(program, path: environment["PATH"] ?? "/usr/bin:/bin") ?? program
            result = posix_spawn(&pid, resolved, &actions, &attributes, argv, envp)
        }
        guard result == 0 else { throw SpawnError(command: program, reason: String(cString: strerror(result))) }
        let child = ChildProcess(pid: pid)
        do {
            try startReaper(for: child)
        } catch {
            // Nobody could wait for it: do not leave a step running that no one will hear from.
            child.signalGroup(SIGKILL)
            var status: Int32 = 0
            _ = waitpid(pid, &status, 0)
            throw SpawnError(command: program, reason: "\(error)")
        }
        return child
    }

    /// Starts the thread that waits for `child` (blocking in `waitpid`) and hands its exit over.
    ///
    /// A plain pthread with the default stack size: a small explicit stack once made thread
    /// creation fail silently when a library with a large static TLS block (OpenBLAS, 60 KiB) was
    /// linked in, and every wait then hung. Creation failures are reported, not ignored.
    private static func startReaper(for child: ChildProcess) throws {
        let box = Unmanaged.passRetained(child)
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { argument in
            let child = Unmanaged<ChildProcess>.fromOpaque(argument!).takeRetainedValue()
            child.reap()
            return nil
        }, box.toOpaque())
        guard result == 0 else {
            box.release()
            throw SpawnError(command: "waiter thread", reason: "cannot start a thread to wait for pid \(child.pid): \(String(cString: strerror(result)))")
        }
        pthread_detach(thread)
    }

    private typealias AddChdir = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, UnsafePointer<CChar>) -> Int32

    /// glibc's `posix_spawn_file_actions_addchdir_np` (2.29+), which Swift's Glibc module does not
    /// export; looked up once at run time.
    private static let addChdirFunction: AddChdir? = {
        guard let handle = dlopen(nil, RTLD_NOW), let symbol = dlsym(handle, "posix_spawn_file_actions_addchdir_np") else { return nil }
        return unsafeBitCast(symbol, to: AddChdir.self)
    }()

    private static func addChdir(_ actions: UnsafeMutablePointer<posix_spawn_file_actions_t>, _ directory: String) -> Int32 {
        guard let function = addChdirFunction else { return ENOSYS }
        return function(actions, directory)
    }

    /// The first executable file called `name` in the colon-separated `path`.
    public static func lookUp(_ name: String, path: String) -> String? {
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    private func reap() {
        var status: Int32 = 0
        var result: pid_t
        repeat { result = waitpid(pid, &status, 0) } while result == -1 && errno == EINTR
        let code: Int32
        if result == -1 {
            code = 255
        } else if status & 0x7f == 0 {
            code = (status >> 8) & 0xff
        } else {
            code = 128 + (status & 0x7f)
        }
        lock.lock()
        exitStatus = code
        let pending = waiters
        waiters = []
        lock.unlock()
        pending.forEach { $0.resume(returning: code) }
    }

    /// The exit code once the process has ended (128 + N when killed by signal N), else nil.
    public var exitCode: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return exitStatus
    }

    /// Waits for the process to end and returns its exit code.
    public func wait() async -> Int32 {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let code = exitStatus {
                lock.unlock()
                continuation.resume(returning: code)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Sends `signal` to the whole process group.
    public func signalGroup(_ signal: Int32) {
        _ = kill(-pid, signal)
    }

    /// Stops the group: SIGTERM, then SIGKILL after `grace` seconds if anything is left.
    public func terminateGroup(grace: Double = 2) async {
        signalGroup(SIGTERM)
        let deadline = Date().addingTimeInterval(grace)
        while exitCode == nil, Date() < deadline { try? await Task.sleep(nanoseconds: 10_000_000) }
        // The group may outlive its leader (a background job of the script): kill what is left.
        signalGroup(SIGKILL)
    }

    /// Stops a process group started by an earlier process (found in a stored handle), if it still exists.
    ///
    /// `startTicks` (field 22 of /proc/PID/stat, recorded at spawn) guards against a recycled pid.
    public static func terminateStaleGroup(pgid: pid_t, startTicks: UInt64?) {
        guard pgid > 1 else { return }
        if let expected = startTicks, let actual = processStartTicks(pgid), actual != expected { return }
        _ = kill(-pgid, SIGKILL)
    }

    /// Kills the process group of every process whose environment holds `marker` (`NAME=value`).
    ///
    /// The fallback for processes whose handle was never stored (their driver died between
    /// starting them and recording it). Linux only; elsewhere it does nothing. Returns how many
    /// processes matched.
    @discardableResult
    public static func terminateProcesses(withEnvironment marker: String) -> Int {
        #if os(Linux)
        let own = getpid()
        var matched = 0
        let needle = Array(marker.utf8) + [0]
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? [] {
            guard let pid = pid_t(entry), pid != own,
                  let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { continue }
            let bytes = [UInt8](environ)
            var start = 0
            var found = false
            while start < bytes.count, !found {
                let end = bytes[start...].firstIndex(of: 0) ?? bytes.count
                found = Array(bytes[start..<end]) + [0] == needle
                start = end + 1
            }
            if found {
                matched += 1
                let group = getpgid(pid)
                _ = group > 1 && group != getpgrp() ? kill(-group, SIGKILL) : kill(pid, SIGKILL)
            }
        }
        return matched
        #else
        return 0
        #endif
    }

    /// The start time of a process in clock ticks since boot (Linux), or nil where unknown.
    public static func processStartTicks(_ pid: pid_t) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // Fields after the command name start at field 3; the start time is field 22.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }
}
