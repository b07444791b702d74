import MLPCore

/// How a deployment sends traffic to its candidate version.
public enum DeploymentMode: String, Codable, Sendable, CaseIterable {
    /// Every request goes to the stable version; there is no candidate.
    case direct
    /// A share of requests (``DeploymentRecord/canaryPercent``) goes to the candidate.
    case canary
    /// The stable version answers every request; a copy goes to the candidate, whose answer is only recorded.
    case shadow
}

/// A named deployment: the stable version of a registered model that answers its requests, and
/// (during a canary or shadow) the candidate version being tried, with the thresholds that roll
/// the candidate back automatically. `mlp serve` routes by it and follows its changes.
public struct DeploymentRecord: Codable, Hashable, Sendable {

    /// What clients address (`/v2/models/{name}/infer`).
    public var name: String
    /// The registered model whose versions it serves.
    public var model: String
    /// The version answering requests.
    public var stableVersion: Int
    /// The version being tried, during a canary or shadow.
    public var candidateVersion: Int?
    /// The stable version before the last promotion or direct deploy (what a rollback returns to).
    public var previousStableVersion: Int?
    public var mode: DeploymentMode
    /// During a canary, the share of requests (0–100) sent to the candidate.
    public var canaryPercent: Double
    /// During a canary, the request header whose value picks the side (the same value always lands on the same side).
    public var stickyHeader: String?
    /// Roll the candidate back when its error fraction over the judged window exceeds this.
    public var maxErrorRate: Double?
    /// Roll the candidate back when its p99 latency (milliseconds) over the judged window exceeds this.
    public var maxP99Ms: Double?
    /// The candidate requests needed before the thresholds are judged.
    public var minRequests: Int
    /// Counts every change; the server applies a deployment when it sees a newer generation, and an
    /// automatic rollback names the generation it judged so it never undoes a newer change.
    public var generation: Int64
    public var createdAt: Double
    public var updatedAt: Double
    public var updatedBy: String

    public init(name: String, model: String, stableVersion: Int, candidateVersion: Int? = nil, previousStableVersion: Int? = nil,
                mode: DeploymentMode = .direct, canaryPercent: Double = 0, stickyHeader: String? = nil,
                maxErrorRate: Double? = nil, maxP99Ms: Double? = nil, minRequests: Int = 50,
                generation: Int64 = 1, createdAt: Double, updatedAt: Double, updatedBy: String) {
        self.name = name
        self.model = model
        self.stableVersion = stableVersion
        self.candidateVersion = candidateVersion
        self.previousStableVersion = previousStableVersion
        self.mode = mode
        self.canaryPercent = canaryPercent
        self.stickyHeader = stickyHeader
        self.maxErrorRate = maxErrorRate
        self.maxP99Ms = maxP99Ms
        self.minRequests = minRequests
        self.generation = generation
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.updatedBy = updatedBy
    }
}

/// One change of a deployment, kept so what served when can be audited.
public struct DeploymentEventRecord: Codable, Hashable, Sendable {

    /// What happened.
    public enum Action: String, Codable, Sendable {
        /// A first version, or a new stable version put in place directly.
        case deploy
        /// A candidate started taking a share of traffic.
        case canary
        /// A candidate started receiving copies of traffic.
        case shadow
        /// The candidate became the stable version.
        case promote
        /// The candidate was dropped, or the previous stable version restored, by a person.
        case rollback
        /// The server dropped the candidate because it breached a threshold.
        case autoRollback = "auto-rollback"
    }

    public var id: Int64?
    public var name: String
    public var action: Action
    public var stableVersion: Int
    public var candidateVersion: Int?
    /// The deployment's generation after the change.
    public var generation: Int64
    public var at: Double
    public var by: String
    /// Why (an automatic rollback's breach, a comment).
    public var reason: String?

    public init(name: String, action: Action, stableVersion: Int, candidateVersion: Int?, generation: Int64, at: Double, by: String, reason: String?) {
        self.name = name
        self.action = action
        self.stableVersion = stableVersion
        self.candidateVersion = candidateVersion
        self.generation = generation
        self.at = at
        self.by = by
        self.reason = reason
    }

}

/// One sealed segment of a deployment's sampled request/response log: a dataset artifact (CSV)
/// holding the logged requests' inputs and answers.
public struct RequestLogRecord: Codable, Hashable, Sendable {
    public var id: Int64?
    public var deployment: String
    /// The dataset artifact's digest.
    public var digest: String
    public var rows: Int
    /// When the first and the last logged request of the segment arrived (seconds since 1970).
    public var firstAt: Double
    public var lastAt: Double
    public var createdAt: Double

    public init(deployment: String, digest: String, rows: Int, firstAt: Double, lastAt: Double, createdAt: Double) {
        self.deployment = deployment
        self.digest = digest
        self.rows = rows
        self.firstAt = firstAt
        self.lastAt = lastAt
        self.createdAt = createdAt
    }

}
