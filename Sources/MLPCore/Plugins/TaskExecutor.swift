/// Everything an executor needs to start one attempt of one step.
///
/// The engine has already resolved references, materialised input artifacts and prepared the
/// attempt folder; the executor only has to start the work and report on it.
public struct TaskRequest: Sendable {
    public var runID: String
    public var step: String
    /// The item index for a fan-out child, nil otherwise.
    public var index: Int?
    /// 1 for the first attempt.
    public var attempt: Int
    /// The project root; scripts run here.
    public var projectDirectory: String
    /// The resolved `with:` block.
    public var config: [String: PortValue]
    /// Where the step must write its outputs (one file or folder per declared output).
    public var outputsDirectory: String
    public var stdoutPath: String
    public var stderrPath: String
    /// Variables to add to the step's environment (`MLP_*` and the step's `env:`).
    public var environment: [String: String]

    public init(runID: String, step: String, index: Int?, attempt: Int, projectDirectory: String,
                config: [String: PortValue], outputsDirectory: String, stdoutPath: String, stderrPath: String,
                environment: [String: String]) {
        self.runID = runID
        self.step = step
        self.index = index
        self.attempt = attempt
        self.projectDirectory = projectDirectory
        self.config = config
        self.outputsDirectory = outputsDirectory
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
        self.environment = environment
    }
}

/// A submitted task: a Codable description that is stored with the attempt, so a later process
/// (`mlp resume`, `mlp cancel`) can look it up or stop it.
public struct TaskHandle: Codable, Hashable, Sendable {
    /// The registry key of the executor that made it (`executor/shell`).
    public var executor: String
    /// The executor's own identifier (a process group, a Ray job id…).
    public var id: String
    /// Anything else the executor needs to find the task again.
    public var details: [String: String]

    public init(executor: String, id: String, details: [String: String] = [:]) {
        self.executor = executor
        self.id = id
        self.details = details
    }
}

/// Where a task stands.
public enum TaskPhase: String, Codable, Sendable {
    case queued, running, succeeded, failed
    /// The task is gone and its result cannot be known (its owner died).
    case lost
    public var isFinished: Bool { self != .queued && self != .running }
}

/// A task's phase with a message and where to read its logs.
public struct TaskStatus: Codable, Hashable, Sendable {
    public var phase: TaskPhase
    public var message: String
    /// For a process: its exit code (128 + N when killed by signal N).
    public var exitCode: Int32?
    public var logLinks: [String]

    public init(phase: TaskPhase, message: String = "", exitCode: Int32? = nil, logLinks: [String] = []) {
        self.phase = phase
        self.message = message
        self.exitCode = exitCode
        self.logLinks = logLinks
    }
}

/// Runs steps somewhere: a local process, a Ray cluster, a Spark job.
///
/// The shape is create / get / delete: ``submit(_:)`` returns a handle, ``status(of:)`` reports
/// on it, ``cancel(_:)`` stops it and is idempotent. ``wait(for:)`` has a polling default that
/// local executors replace with a real wait. Timeouts and retries are the engine's business.
public protocol TaskExecutor: Sendable {
    /// The step kind this executor runs, for type-checking and `mlp templates`.
    var descriptor: StepKindDescriptor { get }
    /// Files (relative to the project) whose contents are the step's code; their digest is part
    /// of the cache key, so editing one re-runs the step.
    func codeFiles(for config: [String: PortValue]) -> [String]
    func submit(_ request: TaskRequest) async throws -> TaskHandle
    func status(of handle: TaskHandle) async throws -> TaskStatus
    /// Stops the task and everything it started. Cancelling a finished or unknown task is not an error.
    func cancel(_ handle: TaskHandle) async throws
    /// Returns once the task has finished.
    func wait(for handle: TaskHandle) async throws -> TaskStatus
}

extension TaskExecutor {
    public func codeFiles(for config: [String: PortValue]) -> [String] { [] }

    public func wait(for handle: TaskHandle) async throws -> TaskStatus {
        var delay: UInt64 = 1_000_000
        while true {
            let status = try await status(of: handle)
            if status.phase.isFinished { return status }
            try await Task.sleep(nanoseconds: delay)
            delay = min(delay * 2, 500_000_000)
        }
    }
}
