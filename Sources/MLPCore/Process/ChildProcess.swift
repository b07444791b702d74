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

/// How a process ended, decoded from its wait status: an exit status and a signal are different
/// things (`exit 255` is not "killed by signal 127").
public enum ProcessTermination: Sendable, Hashable, CustomStringConvertible {
    /// The process called `exit` with this status (0 to 255).
    case exited(Int32)
    /// The process was killed by this signal.
    case signaled(Int32)
    /// `waitpid` failed, so how it ended is unknown.
    case unknown

    /// Decodes a `waitpid` status.
    public init(waitStatus status: Int32) {
        let signal = status & 0x7f
        if signal == 0 {
            self = .exited((status >> 8) & 0xff)
        } else if signal != 0x7f {
            self = .signaled(signal)
        } else {
            self = .unknown // stopped, not ended: never reported by a plain waitpid
        }
    }

    /// The status a shell would show in `$?`: the exit status, or 128 + N for signal N.
    public var shellStatus: Int32 {
        switch self {
        case .exited(let code): return code
        case .signaled(let signal): return 128 + signal
        case .unknown: return 255
        }
    }

    public var description: String {
        switch self {
        case .exited(let code): return "exited with status \(code)"
        case .signaled(let signal):
            let name = ProcessTermination.signalNames[signal].map { " (\($0))" } ?? ""
            return "killed by signal \(signal)\(name)"
        case .unknown: return "ended in a way that could not be read (waitpid failed)"
        }
    }

    static let signalNames: [Int32: String] = [SIGHUP: "SIGHUP", SIGINT: "SIGINT", SIGQUIT: "SIGQUIT", SIGILL: "SIGILL", SIGABRT: "SIGABRT",
                                               SIGFPE: "SIGFPE", SIGKILL: "SIGKILL", SIGSEGV: "SIGSEGV", SIGPIPE: "SIGPIPE", SIGALRM: "SIGALRM",
                                               SIGTERM: "SIGTERM", SIGBUS: "SIGBUS", SIGXCPU: "SIGXCPU"]
}

/// A child process started in a process group of its own, with stdout and stderr sent to files.
///
/// Running each step in its own group lets a timeout or a cancel stop the step and everything
/// it started (`kill(-pgid)`), not only the shell at its top. When the process at the top ends —
/// however it ends — whatever it left running in its group is stopped too: a step's background
/// jobs never outlive the step.
public final class ChildProcess: @unchecked Sendable {
    /// The process id; also the id of its process group.
    public let pid: pid_t
    private let lock = NSLock()
    private var ended: ProcessTermination?
    private var waiters: [CheckedContinuation<ProcessTermination, Never>] = []
    /// How long processes left in the group get between SIGTERM and SIGKILL once the top one ended.
    static let leftoverGrace = 1.0

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
        let termination = result == -1 ? ProcessTermination.unknown : ProcessTermination(waitStatus: status)
        stopLeftovers()
        lock.lock()
        ended = termination
        let pending = waiters
        waiters = []
        lock.unlock()
        pending.forEach { $0.resume(returning: termination) }
    }

    /// Stops what the process left running in its group (`cmd &` in a script that then exited):
    /// SIGTERM, then SIGKILL after ``leftoverGrace`` seconds for whatever is still there.
    /// Runs on the reaper thread right after the top process was reaped, before anyone hears
    /// that it ended, so a step counts as finished only once its whole group is gone.
    private func stopLeftovers() {
        guard kill(-pid, 0) == 0 else { return }
        _ = kill(-pid, SIGTERM)
        let deadline = Date().addingTimeInterval(Self.leftoverGrace)
        while kill(-pid, 0) == 0, Date() < deadline { usleep(10_000) }
        _ = kill(-pid, SIGKILL)
    }

    /// How the process ended, once it has; else nil.
    public var termination: ProcessTermination? {
        lock.lock()
        defer { lock.unlock() }
        return ended
    }

    /// The exit code once the process has ended (128 + N when killed by signal N), else nil.
    /// ``termination`` tells an exit status from a signal.
    public var exitCode: Int32? { termination?.shellStatus }

    /// Waits for the process to end and returns how it ended.
    public func waitForTermination() async -> ProcessTermination {
        await withCheckedContinuation { continuation in
            lock.lock()
            if let termination = ended {
                lock.unlock()
                continuation.resume(returning: termination)
            } else {
                waiters.append(continuation)
                lock.unlock()
            }
        }
    }

    /// Waits for the process to end and returns its exit code as a shell shows it (128 + N when
    /// killed by signal N); ``waitForTermination()`` tells the two apart.
    public func wait() async -> Int32 {
        await waitForTermination().shellStatus
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
