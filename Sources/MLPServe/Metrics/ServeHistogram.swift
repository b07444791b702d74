import Synchronization

/// A Prometheus histogram recorded with relaxed atomic adds: no lock, no bucket loop over
/// `Duration`s. The server records three histograms per request and per forward pass on its
/// event loops; swift-prometheus's `Histogram` takes a lock and compares every bucket bound as
/// a 128-bit `Duration` each time, which measured as much CPU as the forward pass of a small
/// tabular model. The series render in the same text format (see ``emit(into:)``).
///
/// Values are integers in the histogram's unit (nanoseconds, rows); dividing by `divisor` gives
/// the exposed unit (1e9 for seconds). Readers may see a sum and a count taken a few records apart,
/// as with any concurrently updated Prometheus series.
final class ServeHistogram: Sendable {
    /// The metric name, e.g. `mlp_batch_size`.
    let name: String
    /// `key="value",...` without braces.
    let renderedLabels: String
    /// Upper bounds, ascending, in the recorded unit.
    let bounds: [Int64]
    private let divisor: Double
    /// Non-cumulative counts: `buckets[i]` holds values in `(bounds[i-1], bounds[i]]`; the last, above every bound.
    private let buckets: [AtomicCount]
    private let total: AtomicCount

    /// A histogram named `name` with `labels`, bucket upper bounds `bounds` (recorded units,
    /// any order); a recorded value divided by `divisor` is in the exposed unit.
    init(name: String, labels: [(String, String)], bounds: [Int64], divisor: Double) {
        self.name = name
        renderedLabels = labels.map { "\($0.0)=\"\(Self.escaped($0.1))\"" }.joined(separator: ",")
        self.bounds = bounds.sorted()
        self.divisor = divisor
        buckets = (0...bounds.count).map { _ in AtomicCount() }
        total = AtomicCount()
    }

    /// Counts one observation of `value` (recorded units; negative values count as 0).
    func record(_ value: Int64) {
        let value = max(0, value)
        var index = 0
        while index < bounds.count, value > bounds[index] { index += 1 }
        buckets[index].value.add(1, ordering: .relaxed)
        total.value.add(Int(truncatingIfNeeded: value), ordering: .relaxed)
    }

    /// The observations so far.
    var count: Int { buckets.reduce(0) { $0 + $1.value.load(ordering: .relaxed) } }

    /// Appends this series' `_bucket` (cumulative, then `+Inf`), `_sum` and `_count` lines.
    func emit(into buffer: inout [UInt8]) {
        let counts = buckets.map { $0.value.load(ordering: .relaxed) }
        let sum = Double(total.value.load(ordering: .relaxed)) / divisor
        let prefix = renderedLabels.isEmpty ? "" : renderedLabels + ","
        var cumulative = 0
        for (index, bound) in bounds.enumerated() {
            cumulative += counts[index]
            buffer.append(contentsOf: "\(name)_bucket{\(prefix)le=\"\(Double(bound) / divisor)\"} \(cumulative)\n".utf8)
        }
        cumulative += counts[bounds.count]
        let braces = renderedLabels.isEmpty ? "" : "{\(renderedLabels)}"
        buffer.append(contentsOf: "\(name)_bucket{\(prefix)le=\"+Inf\"} \(cumulative)\n".utf8)
        buffer.append(contentsOf: "\(name)_sum\(braces) \(sum)\n".utf8)
        buffer.append(contentsOf: "\(name)_count\(braces) \(cumulative)\n".utf8)
    }

    /// A label value with `\`, `"` and newlines escaped as the text format requires.
    static func escaped(_ value: String) -> String {
        var escaped = ""
        for character in value {
            switch character {
            case "\\": escaped += "\\\\"
            case "\"": escaped += "\\\""
            case "\n": escaped += "\\n"
            default: escaped.append(character)
            }
        }
        return escaped
    }
}

/// One atomic counter (a class, so an array can hold several `~Copyable` atomics).
private final class AtomicCount: Sendable {
    let value = Atomic<Int>(0)
}
