import Foundation

/// The create / get / delete bookkeeping of an executor that runs its work inside mlp as Swift
/// tasks (data preparation steps, for example): `start` begins the work, `wait` awaits it,
/// `cancel` cancels it cooperatively.
public final class InProcessTaskTable: @unchecked Sendable {
    private let lock = NSLock()
    private var tasks: [String: Task<Void, Error>] = [:]
    /// The registry key written into handles (`executor/split`).
    public let executorKey: String

    public init(executorKey: String) { self.executorKey = executorKey }

    /// Starts `work` and returns its handle.
    public func start(_ work: @escaping @Sendable () async throws -> Void) -> TaskHandle {
        let id = UUID().uuidString
        let task = Task { try await work() }
        lock.lock()
        tasks[id] = task
        lock.unlock()
        return TaskHandle(executor: executorKey, id: id)
    }

    private func task(_ handle: TaskHandle) -> Task<Void, Error>? {
        lock.lock()
        defer { lock.unlock() }
        return tasks[handle.id]
    }

    public func wait(for handle: TaskHandle) async -> TaskStatus {
        guard let task = task(handle) else { return TaskStatus(phase: .lost, message: "the task belonged to a process that stopped") }
        defer { forget(handle) }
        do {
            try await task.value
            return TaskStatus(phase: .succeeded)
        } catch {
            return TaskStatus(phase: .failed, message: "\(error)")
        }
    }

    private func forget(_ handle: TaskHandle) {
        lock.lock()
        tasks[handle.id] = nil
        lock.unlock()
    }

    public func status(of handle: TaskHandle) -> TaskStatus {
        task(handle) == nil ? TaskStatus(phase: .lost, message: "the task belonged to a process that stopped") : TaskStatus(phase: .running)
    }

    public func cancel(_ handle: TaskHandle) {
        task(handle)?.cancel()
    }
}
