/// The life of a run. A run is driven by at most one process at a time.
public enum RunStatus: String, Codable, CaseIterable, Sendable {
    /// Created, nothing started yet.
    case pending
    /// Steps are running or ready to run.
    case running
    /// Nothing can run until a person (or a timeout) decides an approval gate.
    case waiting
    case succeeded
    /// A step failed after its retries; `mlp resume` runs it again.
    case failed
    case cancelled
    /// An approval gate was rejected: the run stopped on a person's decision.
    case rejected

    /// Whether the run has ended (it may still be resumed when failed or cancelled).
    public var isFinished: Bool {
        switch self {
        case .succeeded, .failed, .cancelled, .rejected: return true
        case .pending, .running, .waiting: return false
        }
    }

    /// Whether `mlp resume` may pick the run up.
    public var isResumable: Bool {
        switch self {
        case .pending, .running, .waiting, .failed, .cancelled: return true
        case .succeeded, .rejected: return false
        }
    }

    /// Whether a run may move from this status to `next`.
    public func canTransition(to next: RunStatus) -> Bool {
        switch (self, next) {
        case (.pending, .running), (.pending, .cancelled): return true
        case (.running, .waiting), (.running, .succeeded), (.running, .failed), (.running, .cancelled), (.running, .rejected): return true
        case (.waiting, .running), (.waiting, .succeeded), (.waiting, .failed), (.waiting, .cancelled), (.waiting, .rejected): return true
        case (.failed, .running), (.cancelled, .running): return true
        default: return self == next
        }
    }
}

/// The life of one step (or one item of a fan-out).
public enum StepStatus: String, Codable, CaseIterable, Sendable {
    case pending
    case running
    /// An attempt failed and the next one waits out its backoff.
    case retrying
    /// An approval gate waits for a decision.
    case waiting
    case succeeded
    /// Outputs were taken from an earlier identical execution.
    case cached
    case failed
    /// Not run because something upstream failed, was rejected or was cancelled.
    case skipped
    case cancelled
    /// An approval gate that was rejected.
    case rejected

    /// Whether the step ended with usable outputs.
    public var isDone: Bool { self == .succeeded || self == .cached }

    /// Whether the step has ended, well or badly.
    public var isFinished: Bool {
        switch self {
        case .succeeded, .cached, .failed, .skipped, .cancelled, .rejected: return true
        case .pending, .running, .retrying, .waiting: return false
        }
    }

    /// Whether a step may move from this status to `next`.
    ///
    /// Resuming moves an unfinished or failed step back to `pending`; a step that is done
    /// never moves again.
    public func canTransition(to next: StepStatus) -> Bool {
        if isDone { return false }
        switch (self, next) {
        case (.pending, .running), (.pending, .cached), (.pending, .skipped), (.pending, .cancelled), (.pending, .waiting), (.pending, .failed): return true
        // An approval gate decided at once by its rule.
        case (.pending, .succeeded), (.pending, .rejected): return true
        case (.running, .succeeded), (.running, .cached), (.running, .failed), (.running, .retrying), (.running, .cancelled), (.running, .pending), (.running, .skipped): return true
        case (.retrying, .running), (.retrying, .cancelled), (.retrying, .pending), (.retrying, .failed): return true
        case (.waiting, .succeeded), (.waiting, .rejected), (.waiting, .cancelled), (.waiting, .pending): return true
        case (.failed, .pending), (.skipped, .pending), (.cancelled, .pending): return true
        default: return false
        }
    }

    /// A one-character symbol, so a status reads without colour.
    public var symbol: String {
        switch self {
        case .pending: return "·"
        case .running: return "▶"
        case .retrying: return "↻"
        case .waiting: return "⏸"
        case .succeeded: return "✓"
        case .cached: return "≡"
        case .failed: return "✗"
        case .skipped: return "-"
        case .cancelled: return "⊘"
        case .rejected: return "✗"
        }
    }
}

/// The decision on an approval gate.
public enum ApprovalStatus: String, Codable, CaseIterable, Sendable {
    case pending, approved, rejected
}

// Step counts keyed by status travel as JSON objects ({"succeeded": 3}), not as key/value arrays.
extension StepStatus: CodingKeyRepresentable {}
