import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The create / get / delete bookkeeping of an executor that runs local processes: it starts a
/// command in its own process group, remembers it by handle, and stops the group on cancel —
/// also a group started by an earlier, dead driver, found through its stored handle.
public final class LocalProcessTable: @unchecked Sendable {
    private let lock = NSLock()
    private var live: [String: ChildProcess] = [:]
    /// The registry key written into handles (`executor/shell`).
    public let executorKey: String

    public init(executorKey: String) { self.executorKey = executorKey }

    /// Starts `arguments` for `request` and returns its handle.
    public func start(_ arguments: [String], for request: TaskRequest) throws -> TaskHandle {
        let child = try ChildProcess.spawn(arguments: arguments, environment: request.environment, directory: request.projectDirectory,
                                           stdoutPath: request.stdoutPath, stderrPath: request.stderrPath)
        var details = ["pgid": String(child.pid), "stdout": request.stdoutPath, "stderr": request.stderrPath]
        if let ticks = ChildProcess.processStartTicks(child.pid) { details["start_ticks"] = String(ticks) }
        let handle = TaskHandle(executor: executorKey, id: String(child.pid), details: details)
        lock.lock()
        live[handle.id] = child
        lock.unlock()
        return handle
    }

    private func child(_ handle: TaskHandle) -> ChildProcess? {
        lock.lock()
        defer { lock.unlock() }
        return live[handle.id]
    }

    private func forget(_ handle: TaskHandle) {
        lock.lock()
        live[handle.id] = nil
        lock.unlock()
    }

    /// The status of a process that ended; the message comes from how it ended, so an exit
    /// status above 128 is not mistaken for a signal.
    private func status(_ termination: ProcessTermination, _ handle: TaskHandle) -> TaskStatus {
        let links = [handle.details["stdout"], handle.details["stderr"]].compactMap { $0 }
        if termination == .exited(0) { return TaskStatus(phase: .succeeded, exitCode: 0, logLinks: links) }
        return TaskStatus(phase: .failed, message: termination.description, exitCode: termination.shellStatus, logLinks: links)
    }

    public func status(of handle: TaskHandle) -> TaskStatus {
        if let child = child(handle) {
            guard let termination = child.termination else { return TaskStatus(phase: .running) }
            return status(termination, handle)
        }
        // Not ours: a process of an earlier driver. Its exit code cannot be known.
        if let pid = pid_t(handle.id), kill(pid, 0) == 0 { return TaskStatus(phase: .running, message: "started by another process") }
        return TaskStatus(phase: .lost, message: "the process is gone and its result is unknown")
    }

    public func wait(for handle: TaskHandle) async -> TaskStatus {
        guard let child = child(handle) else { return status(of: handle) }
        let termination = await child.waitForTermination()
        forget(handle)
        return status(termination, handle)
    }

    public func cancel(_ handle: TaskHandle) async {
        if let child = child(handle) {
            await child.terminateGroup()
        } else if let pgid = pid_t(handle.id) {
            ChildProcess.terminateStaleGroup(pgid: pgid, startTicks: handle.details["start_ticks"].flatMap(UInt64.init))
        }
    }
}
