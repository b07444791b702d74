import CoreMetrics

/// One applied ``RoutePlan`` with what routing needs of it worked out once: the versions, the
/// candidate's share, its metric counters, and the candidate's rollback window. A request keeps
/// the state it picked for its whole life, so a plan swapped in meanwhile does not touch it.
final class RouteState: @unchecked Sendable {
    let plan: RoutePlan
    let stableVersion: String
    /// The candidate's version; nil when the plan routes everything to stable.
    let candidateVersion: String?
    /// The share of requests, 0...1, a canary sends to the candidate (0 otherwise).
    let candidateFraction: Double
    /// Whether requests carrying the sticky header are routed by its value.
    let routesByKey: Bool
    /// Whether the candidate gets mirrored copies rather than requests to answer.
    let isShadow: Bool
    let stableRouted: CoreMetrics.Counter
    let candidateRouted: CoreMetrics.Counter?
    let fallbacks: CoreMetrics.Counter?
    /// The candidate's recent outcomes (nil without a candidate or a rollback policy).
    let judge: CandidateJudge?
    /// Stable and the candidate as endpoints that answer inline, when they do (worked out once
    /// here, so routing a request inline needs no dynamic cast).
    let stableInline: (any InlineModelEndpoint)?
    let candidateInline: (any InlineModelEndpoint)?
    /// Whether every version the plan routes to answers inline.
    let answersInline: Bool

    init(plan: RoutePlan, deployment: String, metrics: ServeMetrics, judge: CandidateJudge?) {
        self.plan = plan
        stableVersion = plan.stable.version
        let candidate: (any ModelEndpoint)? = plan.mode == .direct ? nil : plan.candidate
        candidateVersion = candidate?.version
        candidateFraction = plan.candidatePercent / 100
        routesByKey = plan.stickyHeader != nil
        isShadow = candidate != nil && plan.mode == .shadow
        stableRouted = metrics.counter(ServeMetrics.deploymentRequests, [("deployment", deployment), ("version", stableVersion), ("role", "stable")])
        if let version = candidateVersion {
            candidateRouted = metrics.counter(ServeMetrics.deploymentRequests, [("deployment", deployment), ("version", version), ("role", "candidate")])
            fallbacks = metrics.counter(ServeMetrics.deploymentFallbacks, [("deployment", deployment), ("version", version)])
        } else {
            candidateRouted = nil
            fallbacks = nil
        }
        self.judge = candidate == nil ? nil : judge ?? plan.rollback.map(CandidateJudge.init(policy:))
        stableInline = plan.stable.answeringInline
        candidateInline = candidate?.answeringInline
        answersInline = stableInline != nil && (candidate == nil || candidateInline != nil)
    }
}
