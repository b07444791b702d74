import Foundation

/// Measures a fit: its wall time, reported as the `fit_seconds` metric, and the processor time
/// of the whole process meanwhile (every thread), reported as `fit_cpu_seconds`: on a shared
/// machine the wall time also counts time spent waiting for a core.
struct FitClock {
    private let start = DispatchTime.now().uptimeNanoseconds
    private let startCPU = FitClock.processCPUSeconds()

    /// Seconds since the clock was made.
    var seconds: Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }

    /// Processor seconds (user + system, all threads) the process used since the clock was made.
    var cpuSeconds: Double { FitClock.processCPUSeconds() - startCPU }

    private static func processCPUSeconds() -> Double {
        var usage = rusage()
        guard getrusage(RUSAGE_SELF.rawValue, &usage) == 0 else { return 0 }
        func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
        return seconds(usage.ru_utime) + seconds(usage.ru_stime)
    }
}
