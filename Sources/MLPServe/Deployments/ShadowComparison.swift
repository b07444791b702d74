/// How a mirrored copy of a request went, as counted in `mlp_shadow_requests_total{outcome}`.
public enum ShadowOutcome: String, Sendable, CaseIterable {
    /// Both answered and the answers agree (``AnswerAgreement``), or both refused the request as
    /// malformed.
    case agree
    /// The answers differ, or one side answered a request the other refused.
    case disagree
    /// The candidate failed: a server error, or it refused a request stable answered.
    case error
    /// The copy was not sent: too many copies were already in flight.
    case dropped
}

/// What one side of a shadow comparison said.
public enum ShadowAnswer: Sendable {
    /// The side answered.
    case answered(InferenceResponse)
    /// The side failed with this HTTP status and message.
    case failed(status: Int, message: String)

    /// The answer, when there is one.
    public var response: InferenceResponse? {
        if case .answered(let response) = self { return response }
        return nil
    }
}

/// Both answers to one mirrored request, handed to ``DeploymentEndpoint``'s `onShadow` hook (so a
/// request log can keep them side by side). The caller only ever saw ``stable``.
public struct ShadowComparison: Sendable {
    /// The deployment's name.
    public let deployment: String
    /// The generation of the plan the request was routed by.
    public let generation: Int64
    /// The version that answered the caller.
    public let stableVersion: String
    /// The version the copy went to.
    public let candidateVersion: String
    /// The request, as the caller sent it.
    public let request: InferenceRequest
    /// What stable answered (what the caller got).
    public let stable: ShadowAnswer
    /// What the candidate answered.
    public let candidate: ShadowAnswer
    /// How long stable took, in seconds.
    public let stableSeconds: Double
    /// How long the candidate took, in seconds.
    public let candidateSeconds: Double
    /// The verdict (never ``ShadowOutcome/dropped``: a dropped copy has no candidate answer).
    public let outcome: ShadowOutcome
    /// Where the answers differ, as a sentence; nil when they agree.
    public let difference: String?

    /// A comparison from its parts.
    public init(deployment: String, generation: Int64, stableVersion: String, candidateVersion: String, request: InferenceRequest,
                stable: ShadowAnswer, candidate: ShadowAnswer, stableSeconds: Double, candidateSeconds: Double,
                outcome: ShadowOutcome, difference: String?) {
        self.deployment = deployment
        self.generation = generation
        self.stableVersion = stableVersion
        self.candidateVersion = candidateVersion
        self.request = request
        self.stable = stable
        self.candidate = candidate
        self.stableSeconds = stableSeconds
        self.candidateSeconds = candidateSeconds
        self.outcome = outcome
        self.difference = difference
    }
}
