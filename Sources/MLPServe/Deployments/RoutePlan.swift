/// When a deployment's candidate is taken out of service on its own: the candidate's error rate
/// or p99 latency over its most recent requests passes a limit.
///
/// Only the candidate's requests are judged, and only once ``minRequests`` of them are in the
/// window. A request refused as malformed (a 4xx that stable gives too) says nothing about the
/// candidate and is not counted; see ``DeploymentEndpoint``.
public struct RollbackPolicy: Sendable, Equatable {
    /// Roll back when the fraction of the window's candidate requests that failed exceeds this
    /// (0.05: more than 5 %); nil: the error rate is not judged.
    public var maxErrorRate: Double?
    /// Roll back when the p99 latency (nearest rank) of the window's candidate requests exceeds
    /// this many seconds; nil: latency is not judged.
    public var maxP99Seconds: Double?
    /// Judge only once the window holds at least this many candidate requests.
    public var minRequests: Int
    /// The most recent this many candidate requests are judged (a window smaller than
    /// ``minRequests`` grows to it).
    public var window: Int

    /// A policy; with neither limit set it never fires.
    public init(maxErrorRate: Double? = nil, maxP99Seconds: Double? = nil, minRequests: Int = 50, window: Int = 200) {
        self.maxErrorRate = maxErrorRate
        self.maxP99Seconds = maxP99Seconds
        self.minRequests = minRequests
        self.window = window
    }

    /// The policy, after checking its numbers make sense (for values a user typed).
    ///
    /// - Throws: ``DeploymentPlanError`` naming the field and the range it must be in.
    public func validated() throws -> RollbackPolicy {
        if let maxErrorRate, !(0...1).contains(maxErrorRate) {
            throw DeploymentPlanError("the rollback's maximum error rate is \(maxErrorRate); give a fraction in 0...1 (0.05 for 5 %)")
        }
        if let maxP99Seconds, !(maxP99Seconds > 0 && maxP99Seconds.isFinite) {
            throw DeploymentPlanError("the rollback's maximum p99 latency is \(maxP99Seconds) s; give a positive number of seconds")
        }
        guard window >= 1 else { throw DeploymentPlanError("the rollback window is \(window) requests; give at least 1") }
        guard minRequests >= 1 else {
            throw DeploymentPlanError("the rollback needs \(minRequests) requests before judging; give at least 1")
        }
        return self
    }

    /// The window size used: at least 1 and at least ``minRequests``.
    var effectiveWindow: Int { max(1, window, minRequests) }
    /// The requests needed before judging: at least 1.
    var effectiveMinRequests: Int { max(1, minRequests) }
}

/// How a deployment splits its traffic right now: the stable version, maybe a candidate, and the
/// mode that decides which answers. ``DeploymentEndpoint/apply(_:)`` swaps one in atomically.
public struct RoutePlan: Sendable {
    /// How requests reach the candidate.
    public enum Mode: Sendable, Equatable {
        /// Every request goes to stable.
        case direct
        /// `percent` % of requests go to the candidate. With `stickyHeader`, a request carrying
        /// that header is routed by a hash of its value (the same value always lands on the same
        /// side); without the header, at random.
        case canary(percent: Double, stickyHeader: String?)
        /// Stable answers every request; a copy goes to the candidate off the request path and
        /// the two answers are compared.
        case shadow
    }

    /// The version that answers by default.
    public var stable: any ModelEndpoint
    /// The version being tried (nil with ``Mode/direct``; a canary or shadow plan without one
    /// routes everything to stable).
    public var candidate: (any ModelEndpoint)?
    /// How requests reach the candidate.
    public var mode: Mode
    /// When to take the candidate out of service on its own (nil: never).
    public var rollback: RollbackPolicy?
    /// The store's revision of the deployment; echoed in ``AutoRollback``.
    public var generation: Int64

    /// A plan from its parts.
    public init(stable: any ModelEndpoint, candidate: (any ModelEndpoint)? = nil, mode: Mode = .direct,
                rollback: RollbackPolicy? = nil, generation: Int64 = 0) {
        self.stable = stable
        self.candidate = candidate
        self.mode = mode
        self.rollback = rollback
        self.generation = generation
    }

    /// The header whose value keeps a caller on one side of a canary (nil when none is used).
    public var stickyHeader: String? {
        if case .canary(_, let header?) = mode, candidate != nil, !header.isEmpty { return header }
        return nil
    }

    /// The share of requests, 0...100, the plan sends to the candidate to answer.
    public var candidatePercent: Double {
        guard candidate != nil, case .canary(let percent, _) = mode else { return 0 }
        return percent.isNaN ? 0 : min(100, max(0, percent))
    }

    /// The plan, after checking it can be served as written (for plans built from user input).
    ///
    /// - Throws: ``DeploymentPlanError`` when a canary or shadow has no candidate, a canary's
    ///   percentage is outside 0...100, or the rollback policy is out of range.
    public func validated() throws -> RoutePlan {
        switch mode {
        case .direct: break
        case .canary(let percent, _):
            guard candidate != nil else { throw DeploymentPlanError("a canary needs a candidate version; give one, or deploy directly") }
            guard (0...100).contains(percent) else { throw DeploymentPlanError("the canary's traffic is \(percent) %; give 0...100") }
        case .shadow:
            guard candidate != nil else { throw DeploymentPlanError("a shadow deployment needs a candidate version to mirror requests to") }
        }
        _ = try rollback?.validated()
        return self
    }
}

/// A deployment plan that cannot be served as given: what is wrong and what to give instead.
public struct DeploymentPlanError: Error, CustomStringConvertible, Sendable, Equatable {
    /// What is wrong and what to do.
    public var message: String

    /// An error with a message.
    public init(_ message: String) { self.message = message }

    /// The message.
    public var description: String { message }
}

/// What ``DeploymentEndpoint`` reports when its ``RollbackPolicy`` took a candidate out of
/// service: which deployment and version, the plan generation, and the numbers that breached.
public struct AutoRollback: Sendable, Equatable {
    /// The deployment's name.
    public let deployment: String
    /// The version that was rolled back.
    public let candidateVersion: String
    /// The generation of the plan that was rolled back.
    public let generation: Int64
    /// Why, as a sentence: "error rate 0.31 over the last 200 requests > 0.05".
    public let reason: String
    /// The candidate requests in the window judged.
    public let requests: Int
    /// Their error fraction.
    public let errorRate: Double
    /// Their p99 latency (nearest rank), in seconds.
    public let p99Seconds: Double

    /// A rollback report from its parts.
    public init(deployment: String, candidateVersion: String, generation: Int64, reason: String, requests: Int, errorRate: Double, p99Seconds: Double) {
        self.deployment = deployment
        self.candidateVersion = candidateVersion
        self.generation = generation
        self.reason = reason
        self.requests = requests
        self.errorRate = errorRate
        self.p99Seconds = p99Seconds
    }
}
