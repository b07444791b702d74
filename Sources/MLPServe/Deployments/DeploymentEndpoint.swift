import CoreMetrics
import Foundation
import Hummingbird

/// A deployment: one model name whose requests are routed between a stable version and a
/// candidate by a ``RoutePlan`` (direct, canary or shadow), which ``apply(_:)`` swaps atomically.
///
/// - Canary: a request goes to the candidate with probability `percent / 100`; with a sticky
///   header whose value the request carries, by a stable hash of that value instead (the same
///   value always lands on the same side, and the share of values is the percentage). When the
///   candidate fails, stable answers the request instead, so the caller never sees the
///   candidate's failure (``RoutedAnswer/version`` says who answered; the failure is counted in
///   `mlp_deployment_fallbacks_total` and in the rollback window).
/// - Shadow: stable answers; a copy of the request goes to the candidate in a detached task once
///   stable has answered, so the caller never waits for it. At most ``maxShadowCallsInFlight``
///   copies run at once; beyond that a copy is dropped and counted. Both answers are compared
///   (``AnswerAgreement``), counted in `mlp_shadow_requests_total{outcome}` and handed to
///   `onShadow` as a ``ShadowComparison``.
/// - Automatic rollback: the candidate's outcomes are judged against the plan's
///   ``RollbackPolicy``. A candidate failure is a server error (anything but a 4xx that says the
///   request is malformed), or a 4xx for a request that stable answers (the candidate refuses
///   what stable takes). A 4xx that stable gives as well is the caller's fault and is not
///   counted; neither is a request the caller cancelled. On a breach the deployment switches to
///   direct-on-stable at once, counts it, and calls `onAutoRollback` once for that generation; a
///   later ``apply(_:)`` of that same generation keeps the candidate out.
///
/// Responses carry the deployment's ``name`` as `modelName` and the version that answered as
/// `modelVersion`. The hot path takes one short lock to read the plan; it never awaits an actor.
public final class DeploymentEndpoint: ModelEndpoint, @unchecked Sendable {
    /// The name clients address.
    public let name: String
    /// The most mirrored copies that run at once in shadow mode; more are dropped.
    public let maxShadowCallsInFlight: Int

    private let metrics: ServeMetrics
    private let onAutoRollback: @Sendable (AutoRollback) -> Void
    private let onShadow: (@Sendable (ShadowComparison) -> Void)?
    private let autoRollbacks: CoreMetrics.Counter
    private let candidatePercent: CoreMetrics.Gauge
    private let shadowOutcomes: [ShadowOutcome: CoreMetrics.Counter]
    private let seed: UInt64

    private let lock = NSLock()
    private var current: RouteState                 // guarded by lock
    private var draws: UInt64 = 0                   // guarded by lock
    private var shadowsInFlight = 0                 // guarded by lock
    private var rolledBackGenerations: Set<Int64> = []  // guarded by lock

    /// A deployment named `name` serving `plan`, its routing recorded in `metrics`.
    ///
    /// - Parameters:
    ///   - onAutoRollback: called (off the lock, on the task of the request that tipped the
    ///     window) when the rollback policy takes the candidate out; once per plan generation. It
    ///     should return quickly: start a task for slow work such as writing to the store.
    ///   - onShadow: called with both answers of every mirrored request that was not dropped
    ///     (without it, answers are only compared and counted, and no sentence says where they differ).
    ///   - maxShadowCallsInFlight: the most mirrored copies running at once (at least 1).
    ///   - randomSeed: seeds the canary's random split (for reproducible tests); nil: random.
    public init(name: String, plan: RoutePlan, metrics: ServeMetrics,
                onAutoRollback: @escaping @Sendable (AutoRollback) -> Void = { _ in },
                onShadow: (@Sendable (ShadowComparison) -> Void)? = nil,
                maxShadowCallsInFlight: Int = 64, randomSeed: UInt64? = nil) {
        self.name = name
        self.metrics = metrics
        self.onAutoRollback = onAutoRollback
        self.onShadow = onShadow
        self.maxShadowCallsInFlight = max(1, maxShadowCallsInFlight)
        seed = randomSeed ?? UInt64.random(in: .min ... .max)
        autoRollbacks = metrics.counter(ServeMetrics.autoRollbacks, [("deployment", name)])
        candidatePercent = metrics.gauge(ServeMetrics.candidatePercent, [("deployment", name)])
        var outcomes: [ShadowOutcome: CoreMetrics.Counter] = [:]
        for outcome in ShadowOutcome.allCases {
            outcomes[outcome] = metrics.counter(ServeMetrics.shadowRequests, [("deployment", name), ("outcome", outcome.rawValue)])
        }
        shadowOutcomes = outcomes
        current = RouteState(plan: plan, deployment: name, metrics: metrics, judge: nil)
        candidatePercent.record(current.candidateFraction * 100)
    }

    // MARK: - Plan

    /// The plan in force now (direct-on-stable after an automatic rollback).
    public var plan: RoutePlan {
        lock.lock()
        defer { lock.unlock() }
        return current.plan
    }

    /// Swaps `plan` in atomically: requests that already picked a version finish on it, later
    /// ones follow `plan`, and no request fails because of the swap. Re-applying the plan in
    /// force (same generation and candidate version) keeps the candidate's rollback window; a
    /// plan whose generation was rolled back automatically is applied without its candidate.
    public func apply(_ plan: RoutePlan) {
        var plan = plan
        lock.lock()
        defer { lock.unlock() }
        if plan.candidate != nil, rolledBackGenerations.contains(plan.generation) {
            plan.candidate = nil
            plan.mode = .direct
        }
        let continues = plan.generation == current.plan.generation && plan.candidate?.version == current.candidateVersion
            && plan.rollback == current.plan.rollback
        current = RouteState(plan: plan, deployment: name, metrics: metrics, judge: continues ? current.judge : nil)
        candidatePercent.record(current.candidateFraction * 100)
    }

    /// The header whose value keeps a caller on one side of the current canary, if any.
    public var stickyHeader: String? { plan.stickyHeader }

    /// The versions the current plan routes to: stable, then the candidate.
    public var versions: [String] {
        let plan = self.plan
        return [plan.stable.version] + (plan.candidate.map { $0.version == plan.stable.version ? [] : [$0.version] } ?? [])
    }

    /// Stable or the candidate of the current plan, by version; nil when neither is `version`.
    public func endpoint(forVersion version: String) -> (any ModelEndpoint)? {
        let plan = self.plan
        if plan.stable.version == version { return plan.stable }
        if let candidate = plan.candidate, candidate.version == version { return candidate }
        return nil
    }

    /// Mirrored copies running now.
    public var shadowCallsInFlight: Int {
        lock.lock()
        defer { lock.unlock() }
        return shadowsInFlight
    }

    // MARK: - ModelEndpoint

    /// The stable version.
    public var version: String { plan.stable.version }

    /// Stable's inputs and outputs under the deployment's name, listing the plan's versions.
    public var metadata: ModelMetadata {
        var metadata = plan.stable.metadata
        metadata.name = name
        metadata.versions = versions
        return metadata
    }

    /// Whether stable and the candidate (if any) can answer.
    public var isReady: Bool {
        get async {
            let plan = self.plan
            guard await plan.stable.isReady else { return false }
            guard let candidate = plan.candidate else { return true }
            return await candidate.isReady
        }
    }

    /// Answers as the current plan routes a request that carries no routing key.
    public func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        try await infer(request, routingKey: nil)
    }

    /// Answers as the current plan routes; `routingKey` is the value of the plan's sticky header.
    public func infer(_ request: InferenceRequest, routingKey: String?) async throws -> InferenceResponse {
        try await route(request, routingKey: routingKey).result.get()
    }

    // MARK: - Routing

    /// An answer (or failure) and the version that gave it, for per-version request metrics.
    public struct RoutedAnswer: Sendable {
        /// The version that answered, or whose failure is returned.
        public let version: String
        /// The answer, or the error the caller gets.
        public let result: Result<InferenceResponse, any Error>
    }

    /// Routes one request as the current plan says and returns the answer with its version.
    public func route(_ request: InferenceRequest, routingKey: String? = nil) async -> RoutedAnswer {
        let (state, target) = decide(routingKey: routingKey)
        switch target {
        case .stable:
            return stableAnswered(await Self.result { try await state.plan.stable.infer(request) }, state)
        case .shadow(let candidate, let version):
            let started = ContinuousClock.now
            let answer = stableAnswered(await Self.result { try await state.plan.stable.infer(request) }, state)
            mirror(request, to: candidate, version: version, state: state, stable: answer, stableSeconds: Self.seconds(since: started))
            return answer
        case .candidate(let candidate, let version):
            state.candidateRouted?.increment()
            let started = ContinuousClock.now
            let answer = await Self.result { try await candidate.infer(request) }
            let seconds = Self.seconds(since: started)
            switch candidateAnswered(answer, version: version, seconds: seconds, state: state) {
            case .answered(let answer):
                return answer
            case .failed(let candidateError):
                let fallback = stableAnswered(await Self.result { try await state.plan.stable.infer(request) }, state, routed: false)
                return settleFallback(fallback, candidateError: candidateError, seconds: seconds, state: state)
            }
        }
    }

    /// Whether ``routeInline(_:routingKey:)`` can answer now: every version of the current plan
    /// answered inline (``InlineModelEndpoint/answersInline``) when the plan was applied.
    public var answersInline: Bool {
        lock.lock()
        defer { lock.unlock() }
        return current.answersInline
    }

    /// What ``routeInline(_:routingKey:)`` gives: the answer, and for a shadow the mirrored call,
    /// which the caller runs once the answer is on its way (it never changes the answer).
    public struct InlineRoute {
        /// The answer (or failure) and the version that gave it.
        public let answer: RoutedAnswer
        /// The candidate's run of the same request, compared and counted when called; nil unless shadowing.
        public let mirror: (() -> Void)?
    }

    /// Routes one request as ``route(_:routingKey:)`` does, on the calling thread without
    /// suspending; nil when a version of the plan picked cannot answer inline (use ``route(_:routingKey:)``).
    public func routeInline(_ request: InferenceRequest, routingKey: String? = nil) -> InlineRoute? {
        let (state, target) = decide(routingKey: routingKey)
        guard let stable = state.stableInline else { return nil }
        switch target {
        case .stable:
            return InlineRoute(answer: stableAnswered(Result { try stable.inferInline(request) }, state), mirror: nil)
        case .shadow(_, let version):
            guard let candidate = state.candidateInline else { return nil }
            let started = ContinuousClock.now
            let answer = stableAnswered(Result { try stable.inferInline(request) }, state)
            let stableSeconds = Self.seconds(since: started)
            if case .failure(let error) = answer.result, error is CancellationError { return InlineRoute(answer: answer, mirror: nil) }
            return InlineRoute(answer: answer, mirror: { [self] in
                let started = ContinuousClock.now
                let result = Result { try candidate.inferInline(request) }
                compareShadow(request, candidate: result, seconds: Self.seconds(since: started), version: version, state: state,
                              stable: answer, stableSeconds: stableSeconds)
            })
        case .candidate(_, let version):
            guard let candidate = state.candidateInline else { return nil }
            state.candidateRouted?.increment()
            let started = ContinuousClock.now
            let answer = Result { try candidate.inferInline(request) }
            let seconds = Self.seconds(since: started)
            switch candidateAnswered(answer, version: version, seconds: seconds, state: state) {
            case .answered(let answer):
                return InlineRoute(answer: answer, mirror: nil)
            case .failed(let candidateError):
                let fallback = stableAnswered(Result { try stable.inferInline(request) }, state, routed: false)
                return InlineRoute(answer: settleFallback(fallback, candidateError: candidateError, seconds: seconds, state: state), mirror: nil)
            }
        }
    }

    /// Where the plan sends one request.
    private enum Target {
        case stable
        case candidate(any ModelEndpoint, version: String)
        case shadow(any ModelEndpoint, version: String)
    }

    /// The state in force and where it sends a request with `routingKey`.
    private func decide(routingKey: String?) -> (RouteState, Target) {
        let (state, draw) = pick()
        guard let candidate = state.plan.candidate, let version = state.candidateVersion else { return (state, .stable) }
        if state.isShadow { return (state, .shadow(candidate, version: version)) }
        let fraction: Double
        if state.routesByKey, let key = routingKey, !key.isEmpty {
            fraction = Self.stickyFraction(of: key, deployment: name)
        } else {
            fraction = Self.unitInterval(Self.mix(seed &+ draw &* 0x9E37_79B9_7F4A_7C15))
        }
        return (state, fraction < state.candidateFraction ? .candidate(candidate, version: version) : .stable)
    }

    private static func result(_ body: () async throws -> InferenceResponse) async -> Result<InferenceResponse, any Error> {
        do { return .success(try await body()) } catch { return .failure(error) }
    }

    /// The state in force and this request's draw number, under the lock.
    private func pick() -> (RouteState, UInt64) {
        lock.lock()
        defer { lock.unlock() }
        draws &+= 1
        return (current, draws)
    }

    /// Stable's answer (or failure) as the caller gets it.
    private func stableAnswered(_ result: Result<InferenceResponse, any Error>, _ state: RouteState, routed: Bool = true) -> RoutedAnswer {
        if routed { state.stableRouted.increment() }
        switch result {
        case .success(let answer):
            return RoutedAnswer(version: answer.modelVersion ?? state.stableVersion, result: .success(renamed(answer, state.stableVersion)))
        case .failure(let error):
            return RoutedAnswer(version: state.stableVersion, result: .failure(error))
        }
    }

    /// What the caller of a canary's candidate gets.
    private enum CandidateAnswer {
        /// The candidate's answer (or the caller's cancellation), as the caller gets it.
        case answered(RoutedAnswer)
        /// The candidate failed: stable answers instead, and ``settleFallback(_:candidateError:seconds:state:)``
        /// counts the failure, so the caller does not see it. A request both refuse as malformed
        /// is the caller's fault, not the candidate's.
        case failed(any Error)
    }

    /// The candidate's answer, its success counted in the rollback window.
    private func candidateAnswered(_ result: Result<InferenceResponse, any Error>, version: String, seconds: Double,
                                   state: RouteState) -> CandidateAnswer {
        switch result {
        case .success(let answer):
            record(state, failed: false, seconds: seconds)
            return .answered(RoutedAnswer(version: answer.modelVersion ?? version, result: .success(renamed(answer, version))))
        case .failure(let error) where error is CancellationError:
            return .answered(RoutedAnswer(version: version, result: .failure(error)))
        case .failure(let error):
            return .failed(error)
        }
    }

    private func settleFallback(_ fallback: RoutedAnswer, candidateError: any Error, seconds: Double, state: RouteState) -> RoutedAnswer {
        if case .success = fallback.result {
            state.fallbacks?.increment()
            record(state, failed: true, seconds: seconds)
        } else if !Self.isCallersFault(candidateError) {
            state.fallbacks?.increment()
            record(state, failed: true, seconds: seconds)
        }
        return fallback
    }

    /// The answer under the deployment's name, naming the version that gave it.
    private func renamed(_ answer: InferenceResponse, _ version: String) -> InferenceResponse {
        var answer = answer
        answer.modelName = name
        if answer.modelVersion == nil { answer.modelVersion = version }
        return answer
    }

    // MARK: - Shadow

    private func mirror(_ request: InferenceRequest, to candidate: any ModelEndpoint, version: String, state: RouteState,
                        stable: RoutedAnswer, stableSeconds: Double) {
        if case .failure(let error) = stable.result, error is CancellationError { return }
        lock.lock()
        let admitted = shadowsInFlight < maxShadowCallsInFlight
        if admitted { shadowsInFlight += 1 }
        lock.unlock()
        guard admitted else {
            shadowOutcomes[.dropped]?.increment()
            return
        }
        Task.detached { [self] in
            defer { shadowFinished() }
            let started = ContinuousClock.now
            let answer: Result<InferenceResponse, any Error>
            do { answer = .success(try await candidate.infer(request)) } catch { answer = .failure(error) }
            compareShadow(request, candidate: answer, seconds: Self.seconds(since: started), version: version, state: state,
                          stable: stable, stableSeconds: stableSeconds)
        }
    }

    /// Judges a mirrored request's two answers: counts the outcome, feeds the rollback window and
    /// hands both to `onShadow`.
    private func compareShadow(_ request: InferenceRequest, candidate answer: Result<InferenceResponse, any Error>, seconds: Double,
                               version: String, state: RouteState, stable: RoutedAnswer, stableSeconds: Double) {
        let verdict = Self.judge(stable: stable.result, candidate: answer, describe: onShadow != nil)
        if let failed = verdict.candidateFailed { record(state, failed: failed, seconds: seconds) }
        shadowOutcomes[verdict.outcome]?.increment()
        onShadow?(ShadowComparison(
            deployment: name, generation: state.plan.generation, stableVersion: stable.version, candidateVersion: version,
            request: request, stable: Self.shadowAnswer(stable.result), candidate: Self.shadowAnswer(answer),
            stableSeconds: stableSeconds, candidateSeconds: seconds, outcome: verdict.outcome, difference: verdict.difference))
    }

    private func shadowFinished() {
        lock.lock()
        shadowsInFlight -= 1
        lock.unlock()
    }

    /// The outcome of a mirrored request, whether it counts for or against the candidate (nil:
    /// neither), and where the answers differ.
    static func judge(stable: Result<InferenceResponse, any Error>, candidate: Result<InferenceResponse, any Error>, describe: Bool = true)
        -> (outcome: ShadowOutcome, candidateFailed: Bool?, difference: String?) {
        switch (stable, candidate) {
        case (.success(let expected), .success(let got)):
            let difference = AnswerAgreement.difference(stable: expected, candidate: got, describe: describe)
            return (difference == nil ? .agree : .disagree, false, difference)
        case (.failure(let error), .success):
            return (.disagree, false, "stable failed (\(httpStatus(of: error)): \(error)) but the candidate answered")
        case (.success, .failure(let error)):
            return (.error, true, "the candidate failed (\(httpStatus(of: error)): \(error)) but stable answered")
        case (.failure(let stableError), .failure(let error)):
            guard isCallersFault(error) else {
                return (.error, true, "the candidate failed (\(httpStatus(of: error)): \(error))")
            }
            if isCallersFault(stableError) { return (.agree, nil, nil) }
            return (.disagree, nil, "the candidate refused the request (\(httpStatus(of: error))) and stable failed (\(httpStatus(of: stableError)))")
        }
    }

    private static func shadowAnswer(_ result: Result<InferenceResponse, any Error>) -> ShadowAnswer {
        switch result {
        case .success(let answer): return .answered(answer)
        case .failure(let error): return .failed(status: httpStatus(of: error), message: "\(error)")
        }
    }

    // MARK: - Automatic rollback

    /// Adds one candidate outcome to `state`'s window and, on a breach of its policy while that
    /// window is still the one in force, switches to direct-on-stable and reports the rollback once.
    private func record(_ state: RouteState, failed: Bool, seconds: Double) {
        guard let judge = state.judge else { return }
        var report: AutoRollback?
        lock.lock()
        judge.window.add(failed: failed, seconds: seconds)
        if !judge.rolledBack, judge === current.judge, let reason = judge.window.breach, let version = state.candidateVersion {
            judge.rolledBack = true
            rolledBackGenerations.insert(state.plan.generation)
            let window = judge.window
            let fallback = RoutePlan(stable: state.plan.stable, mode: .direct, rollback: state.plan.rollback, generation: state.plan.generation)
            current = RouteState(plan: fallback, deployment: name, metrics: metrics, judge: nil)
            candidatePercent.record(0)
            report = AutoRollback(deployment: name, candidateVersion: version, generation: state.plan.generation, reason: reason,
                                  requests: window.count, errorRate: window.errorRate, p99Seconds: window.p99Seconds)
        }
        lock.unlock()
        if let report {
            autoRollbacks.increment()
            onAutoRollback(report)
        }
    }

    // MARK: - Helpers

    /// The HTTP status an error is answered with (500 for anything but a ``ServeError`` or an
    /// HTTP error).
    static func httpStatus(of error: any Error) -> Int {
        if let error = error as? ServeError { return Int(error.status.code) }
        if let error = error as? any HTTPResponseError { return Int(error.status.code) }
        return 500
    }

    /// Whether an error says the request itself is wrong (a 4xx other than 408 and 429, which
    /// are the server's timeouts and overload).
    static func isCallersFault(_ error: any Error) -> Bool {
        let status = httpStatus(of: error)
        return (400..<500).contains(status) && status != 408 && status != 429
    }

    /// A stable position in [0, 1) for a sticky value: FNV-1a over the deployment name and the
    /// value, then SplitMix64's finaliser so nearby values spread out.
    static func stickyFraction(of key: String, deployment: String) -> Double {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in deployment.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        hash = (hash ^ 0xFF) &* 0x0000_0100_0000_01B3
        for byte in key.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        return unitInterval(mix(hash))
    }

    /// SplitMix64's output function.
    static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// The top 53 bits as a Double in [0, 1).
    static func unitInterval(_ bits: UInt64) -> Double { Double(bits >> 11) * 0x1p-53 }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }
}
