import Foundation
import NIOConcurrencyHelpers

/// Counts failed authentications per client address over a sliding window; an address past the
/// limit is refused (429 with `Retry-After`) until its oldest failure leaves the window, whatever
/// token it sends, so guessing secrets costs minutes per handful of guesses.
public final class AuthFailureLimiter: Sendable {
    /// Failures allowed per window.
    public let limit: Int
    /// The window, in seconds.
    public let window: Double
    private let failures = NIOLockedValueBox<[String: [Double]]>([:])

    public init(limit: Int = 10, window: Double = 60) {
        self.limit = limit
        self.window = window
    }

    /// Seconds until `client` may try again, or nil when it is not limited.
    public func retryAfter(_ client: String, now: Double = Date().timeIntervalSince1970) -> Int? {
        failures.withLockedValue { table in
            guard var times = table[client] else { return nil }
            times.removeAll { $0 <= now - window }
            table[client] = times.isEmpty ? nil : times
            guard times.count >= limit, let oldest = times.first else { return nil }
            return max(1, Int((oldest + window - now).rounded(.up)))
        }
    }

    /// Records one failed authentication of `client`.
    public func recordFailure(_ client: String, now: Date = Date()) {
        let time = now.timeIntervalSince1970
        failures.withLockedValue { table in
            var times = (table[client] ?? []).filter { $0 > time - window }
            times.append(time)
            // Only the newest `limit` failures decide anything.
            if times.count > limit { times.removeFirst(times.count - limit) }
            table[client] = times
            // Keep the table bounded under a flood from many addresses.
            if table.count > 100_000 { table = table.filter { $0.value.last.map { $0 > time - window } ?? false } }
        }
    }
}
