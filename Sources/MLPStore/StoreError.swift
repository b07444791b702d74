import MLPCore

/// A store operation that cannot be done, with what to do about it.
public enum StoreError: Error, CustomStringConvertible, Codable, Sendable {
    case runNotFound(String)
    case ambiguousRun(String, [String])
    case artifactNotFound(String)
    case ambiguousArtifact(String, [String])
    case stepNotFound(run: String, step: String)
    case invalidTransition(step: String, from: StepStatus, to: StepStatus)
    case invalidRunTransition(run: String, from: RunStatus, to: RunStatus)
    case noPendingApproval(run: String, step: String, status: ApprovalStatus?)
    case runFinished(String, RunStatus)
    case corrupt(String)
    case modelNotFound(String)
    case badModelReference(String)
    case deploymentNotFound(String)
    case badDeployment(String)
    /// An idempotency key sent again with a different operation.
    case idempotencyKeyReused(key: String, operation: String)
    /// The database cannot be reached (a shared server's PostgreSQL restarting); retry later.
    case unavailable(String)
    /// A project name a shared server refuses.
    case badProject(String)
    /// A write the database refused because it contradicts what is stored (an id that exists
    /// already, a reference to a row that does not exist): the client's data, not the store, is wrong.
    case conflict(String)

    public var description: String {
        switch self {
        case .runNotFound(let reference): return "no run matches '\(reference)' (see `mlp runs`)"
        case .ambiguousRun(let reference, let ids): return "'\(reference)' matches several runs: \(ids.joined(separator: ", ")); type more of the id"
        case .artifactNotFound(let reference): return "no artifact matches '\(reference)' (see `mlp artifacts`)"
        case .ambiguousArtifact(let reference, let digests): return "'\(reference)' matches several artifacts: \(digests.map { String($0.prefix(16)) }.joined(separator: ", "))"
        case .stepNotFound(let run, let step): return "run \(run) has no step '\(step)'"
        case .invalidTransition(let step, let from, let to): return "step \(step) cannot go from \(from.rawValue) to \(to.rawValue)"
        case .invalidRunTransition(let run, let from, let to): return "run \(run) cannot go from \(from.rawValue) to \(to.rawValue)"
        case .noPendingApproval(let run, let step, let status):
            if let status { return "the gate '\(step)' of run \(run) is already \(status.rawValue)" }
            return "run \(run) has no approval gate '\(step)' waiting (see `mlp approvals`)"
        case .runFinished(let run, let status): return "run \(run) is \(status.rawValue); nothing to decide"
        case .corrupt(let detail): return "the metadata store is damaged: \(detail)"
        case .modelNotFound(let reference): return "no registered model matches '\(reference)' (see `mlp models list`)"
        case .badModelReference(let reference): return "'\(reference)' is not a model reference; expected NAME, NAME:VERSION or NAME@ALIAS"
        case .deploymentNotFound(let name): return "no deployment is named '\(name)' (see `mlp deployments`)"
        case .badDeployment(let detail): return detail
        case .idempotencyKeyReused(let key, let operation): return "the idempotency key '\(key)' was already used for \(operation); send a new key for a new write"
        case .badProject(let detail): return detail
        case .conflict(let detail): return "the store refused the write: \(detail)"
        case .unavailable(let detail): return "the metadata store is unavailable: \(detail); retry shortly"
        }
    }
}
