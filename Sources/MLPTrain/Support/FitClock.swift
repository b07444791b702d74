import Foundation

/// Measures the wall time of a fit, reported as the `fit_seconds` metric.
struct FitClock {
    private let start = DispatchTime.now().uptimeNanoseconds

    /// Seconds since the clock was made.
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
}
