import Foundation

/// The outcomes of a candidate's most recent requests (failed or not, and how long each took),
/// judged against a ``RollbackPolicy`` in constant time per request: running counts of failures
/// and of requests slower than the latency limit decide a breach without sorting.
struct CandidateWindow {
    let policy: RollbackPolicy
    private var failed: [Bool] = []
    private var seconds: [Double] = []
    private var next = 0
    private(set) var failures = 0
    private var slow = 0

    init(policy: RollbackPolicy) {
        self.policy = policy
        failed.reserveCapacity(policy.effectiveWindow)
        seconds.reserveCapacity(policy.effectiveWindow)
    }

    /// The requests in the window.
    var count: Int { failed.count }

    /// The fraction of the window's requests that failed.
    var errorRate: Double { count == 0 ? 0 : Double(failures) / Double(count) }

    /// The p99 latency by nearest rank: the `ceil(0.99 n)`-th smallest of the `n` latencies.
    var p99Seconds: Double {
        guard count > 0 else { return 0 }
        return seconds.sorted()[Self.p99Rank(count) - 1]
    }

    /// The 1-based nearest rank of the 99th percentile among `n` values.
    static func p99Rank(_ n: Int) -> Int { (99 * n + 99) / 100 }

    private func isSlow(_ value: Double) -> Bool { policy.maxP99Seconds.map { value > $0 } ?? false }

    /// Adds one request's outcome, pushing out the oldest once the window is full.
    mutating func add(failed didFail: Bool, seconds value: Double) {
        if failed.count < policy.effectiveWindow {
            failed.append(didFail)
            seconds.append(value)
        } else {
            if failed[next] { failures -= 1 }
            if isSlow(seconds[next]) { slow -= 1 }
            failed[next] = didFail
            seconds[next] = value
            next = (next + 1) % failed.count
        }
        if didFail { failures += 1 }
        if isSlow(value) { slow += 1 }
    }

    /// Why the policy is breached, as a sentence; nil while it is not (or too few requests are in).
    var breach: String? {
        let n = count
        guard n >= policy.effectiveMinRequests else { return nil }
        if let limit = policy.maxErrorRate, errorRate > limit {
            return "error rate \(Self.format(errorRate, 2)) over the last \(n) requests > \(limit)"
        }
        // The p99 is above the limit exactly when more values than the ranks above it are.
        if let limit = policy.maxP99Seconds, slow >= n - Self.p99Rank(n) + 1 {
            return "p99 latency \(Self.format(p99Seconds, 3)) s over the last \(n) requests > \(limit) s"
        }
        return nil
    }

    private static func format(_ value: Double, _ digits: Int) -> String { String(format: "%.\(digits)f", value) }
}

/// A candidate's rollback window and whether the candidate was rolled back. Shared by the
/// states of one candidate's run, so a plan re-applied unchanged keeps judging the same window;
/// guarded by the deployment's lock.
final class CandidateJudge: @unchecked Sendable {
    var window: CandidateWindow
    var rolledBack = false

    init(policy: RollbackPolicy) { window = CandidateWindow(policy: policy) }
}
