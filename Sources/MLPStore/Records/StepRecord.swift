import MLPCore

/// One step of a run, or one item of a fan-out step (``index`` set).
///
/// A fan-out step has a parent row (``index`` nil) that tracks its children and holds their
/// collected outputs once all are done.
public struct StepRecord: Codable, Hashable, Sendable {
    public var id: Int64?
    public var runID: String
    public var name: String
    /// The item's position in a fan-out; nil for an ordinary step or a fan-out's parent.
    public var index: Int?
    /// The `uses:` of the step.
    public var kind: String
    public var status: StepStatus
    public var attempts: Int
    public var cacheKey: String?
    /// Whether the outputs came from an earlier execution.
    public var cacheHit: Bool
    /// The step whose outputs were reused.
    public var cachedFrom: Int64?
    /// JSON object: each part of the cache key and its digest, for `--explain-cache`.
    public var cacheParts: String?
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?
    /// JSON object: output name → value (see ``PortValue/json``).
    public var outputs: String?
    /// JSON: the fan-out item this child received.
    public var item: String?
    /// For a fan-out parent: how many children there are (nil until the items are known).
    public var childCount: Int?

    public init(runID: String, name: String, index: Int? = nil, kind: String, status: StepStatus = .pending,
                item: String? = nil) {
        self.runID = runID
        self.name = name
        self.index = index
        self.kind = kind
        self.status = status
        self.attempts = 0
        self.cacheHit = false
        self.item = item
    }

    /// "train" or "shard[3]".
    public var displayName: String { index.map { "\(name)[\($0)]" } ?? name }
}

/// One try at running a step.
public struct AttemptRecord: Codable, Hashable, Sendable {

    /// How an attempt ended.
    public enum Outcome: String, Codable, Sendable {
        case running, succeeded, failed, timedOut = "timed_out", cancelled
        /// Its driving process died; `mlp resume` found it unfinished.
        case interrupted
    }

    public var id: Int64?
    public var stepID: Int64
    public var number: Int
    public var outcome: Outcome
    /// The executor's handle (JSON), so another process can stop the task.
    public var handle: String?
    public var startedAt: Double
    public var finishedAt: Double?
    public var exitCode: Int32?
    public var error: String?
    public var stdoutPath: String?
    public var stderrPath: String?

    public init(stepID: Int64, number: Int, startedAt: Double, stdoutPath: String?, stderrPath: String?) {
        self.stepID = stepID
        self.number = number
        self.outcome = .running
        self.startedAt = startedAt
        self.stdoutPath = stdoutPath
        self.stderrPath = stderrPath
    }

}

/// What names an attempt without its id: its step and its number.
public struct AttemptKey: Hashable, Sendable {
    public var stepID: Int64
    public var number: Int
    public init(stepID: Int64, number: Int) {
        self.stepID = stepID
        self.number = number
    }
    public init(_ attempt: AttemptRecord) { self.init(stepID: attempt.stepID, number: attempt.number) }
}
