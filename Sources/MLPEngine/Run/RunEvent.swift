import MLPCore
import MLPStore

/// What happens during a run, for progress displays.
public enum RunEvent: Sendable {
    case started(RunRecord, resumed: Bool)
    case fannedOut(step: String, count: Int)
    case stepStarted(StepRecord, attempt: Int)
    case stepFinished(StepRecord)
    /// An attempt failed; `retryIn` is the backoff before the next one, nil when no retry is left.
    case attemptFailed(StepRecord, attempt: Int, message: String, retryIn: Double?)
    case gateWaiting(ApprovalRecord)
    case gateDecided(ApprovalRecord)
    case cancelling(reason: String)
    case finished(RunRecord)
}

/// Receives run events. Called from the driving task; keep it quick.
public protocol RunObserver: Sendable {
    func handle(_ event: RunEvent)
}
