import Foundation

/// Two-sample statistics that say whether a feature's live values still look like its training
/// values: the population stability index (PSI) and the Kolmogorov–Smirnov test.
public enum DriftStatistics {
    /// Proportions below this are raised to it, so an empty bin does not make the PSI infinite.
    static let proportionFloor = 1e-4

    /// The population stability index of `current` against `reference`, over `bins` bins cut at
    /// the reference's quantiles (fewer when the reference has ties across a cut):
    /// Σ (c − r) · ln(c / r) over the bins' proportions. Conventionally under 0.1 is stable,
    /// 0.1–0.2 a moderate shift and over 0.2 a significant one. Non-finite values are ignored;
    /// 0 when either side has no values.
    public static func psi(reference: [Double], current: [Double], bins: Int = 10) -> Double {
        let sortedReference = reference.filter(\.isFinite).sorted()
        let currentValues = current.filter(\.isFinite)
        guard !sortedReference.isEmpty, !currentValues.isEmpty, bins > 1 else { return 0 }
        var edges: [Double] = []
        for cut in 1..<bins {
            let edge = sortedReference[min(sortedReference.count - 1, cut * sortedReference.count / bins)]
            if edges.last != edge, edge > sortedReference[0] { edges.append(edge) }
        }
        // A value goes to the first bin whose upper edge is above it: bin i holds [edges[i-1], edges[i]).
        func histogram(_ values: [Double]) -> [Double] {
            var counts = [Double](repeating: 0, count: edges.count + 1)
            for value in values { counts[upperBound(edges, value)] += 1 }
            return counts.map { $0 / Double(values.count) }
        }
        return psi(histogram(sortedReference), histogram(currentValues))
    }

    /// The population stability index over categories: each category seen on either side is a bin.
    public static func psi(referenceCounts: [String: Int], currentCounts: [String: Int]) -> Double {
        let referenceTotal = referenceCounts.values.reduce(0, +)
        let currentTotal = currentCounts.values.reduce(0, +)
        guard referenceTotal > 0, currentTotal > 0 else { return 0 }
        let categories = Set(referenceCounts.keys).union(currentCounts.keys).sorted()
        return psi(categories.map { Double(referenceCounts[$0] ?? 0) / Double(referenceTotal) },
                   categories.map { Double(currentCounts[$0] ?? 0) / Double(currentTotal) })
    }

    static func psi(_ reference: [Double], _ current: [Double]) -> Double {
        zip(reference, current).reduce(0) { sum, pair in
            let r = max(pair.0, proportionFloor)
            let c = max(pair.1, proportionFloor)
            return sum + (c - r) * log(c / r)
        }
    }

    /// The index of the first element of `sorted` greater than `value`.
    static func upperBound(_ sorted: [Double], _ value: Double) -> Int {
        var low = 0
        var high = sorted.count
        while low < high {
            let middle = (low + high) / 2
            if sorted[middle] <= value { low = middle + 1 } else { high = middle }
        }
        return low
    }

    /// The two-sample Kolmogorov–Smirnov test: the largest distance between the two empirical
    /// distribution functions, and its asymptotic p-value (the chance of a distance at least this
    /// large if both samples came from one continuous distribution). Non-finite values are ignored.
    public static func kolmogorovSmirnov(_ first: [Double], _ second: [Double]) -> KolmogorovSmirnovResult {
        let a = first.filter(\.isFinite).sorted()
        let b = second.filter(\.isFinite).sorted()
        guard !a.isEmpty, !b.isEmpty else { return KolmogorovSmirnovResult(statistic: 0, pValue: 1) }
        var i = 0
        var j = 0
        var distance = 0.0
        while i < a.count, j < b.count {
            // Step past every copy of the smaller value on both sides before comparing, so ties count once.
            let value = min(a[i], b[j])
            while i < a.count, a[i] == value { i += 1 }
            while j < b.count, b[j] == value { j += 1 }
            distance = max(distance, abs(Double(i) / Double(a.count) - Double(j) / Double(b.count)))
        }
        let n = Double(a.count)
        let m = Double(b.count)
        let effective = (n * m / (n + m)).squareRoot()
        return KolmogorovSmirnovResult(statistic: distance,
                                       pValue: kolmogorovTail((effective + 0.12 + 0.11 / effective) * distance))
    }

    /// Q(λ) = 2 Σ_{k≥1} (−1)^{k−1} e^{−2k²λ²}, the tail of the Kolmogorov distribution.
    static func kolmogorovTail(_ lambda: Double) -> Double {
        guard lambda > 1e-3 else { return 1 }
        var sum = 0.0
        var sign = 1.0
        for k in 1...100 {
            let term = exp(-2 * Double(k * k) * lambda * lambda)
            sum += sign * term
            if term < 1e-12 { break }
            sign = -sign
        }
        return min(1, max(0, 2 * sum))
    }
}

/// The outcome of a two-sample Kolmogorov–Smirnov test.
public struct KolmogorovSmirnovResult: Sendable, Hashable, Codable {
    /// The largest distance between the two empirical distribution functions (0…1).
    public var statistic: Double
    /// The asymptotic p-value of that distance.
    public var pValue: Double
}
