import Foundation

/// Features mapped to small integer bins, stored column-major as bytes (`codes[feature * rows + row]`).
/// Bin `missingBin` holds missing values; the others hold value ranges in ascending order.
final class BinnedFeatures: @unchecked Sendable {
    /// The bin of a missing (`NaN`) value.
    static let missingBin = 255
    /// Bins per feature, missing bin included.
    static let binCount = 256

    let rows: Int
    let features: Int
    let codes: UnsafeMutableBufferPointer<UInt8>

    init(rows: Int, features: Int) {
        self.rows = rows
        self.features = features
        codes = .allocate(capacity: max(1, rows * features))
    }

    deinit { codes.deallocate() }

    /// The codes of one feature, `rows` long.
    func column(_ feature: Int) -> UnsafeMutablePointer<UInt8> { codes.baseAddress! + feature * rows }
}

/// Quantile bin thresholds per feature, fitted once on the training rows (as scikit-learn's
/// `_BinMapper`): a feature with at most `maxBins` distinct values gets a threshold between each
/// pair of neighbours; otherwise thresholds sit at `maxBins` evenly spaced quantiles.
///
/// A value goes to the bin of the first threshold it does not exceed: bin `b` holds
/// `thresholds[b-1] < v <= thresholds[b]`, so a split "bin <= b" is the split "v <= thresholds[b]".
struct FeatureBinning: Sendable {
    /// Per feature, strictly increasing thresholds (fewer than `maxBins`).
    var thresholds: [[Double]]

    /// Non-missing bins per feature (one more than its thresholds).
    var nonMissingBins: [Int] { thresholds.map { $0.count + 1 } }

    /// Fits thresholds on `rows` of `features` (all rows when `nil`), in parallel over features.
    static func fit(_ features: ColumnMajorFeatures, rows: [Int]?, maxBins: Int) -> FeatureBinning {
        var thresholds = [[Double]](repeating: [], count: features.columns)
        thresholds.withUnsafeMutableBufferPointer { out in
            features.values.withUnsafeBufferPointer { values in
                DispatchQueue.concurrentPerform(iterations: features.columns) { feature in
                    let column = values.baseAddress! + feature * features.rows
                    var sample: [Double]
                    if let rows {
                        sample = []
                        sample.reserveCapacity(rows.count)
                        for row in rows where !column[row].isNaN { sample.append(column[row]) }
                    } else {
                        sample = UnsafeBufferPointer(start: column, count: features.rows).filter { !$0.isNaN }
                    }
                    out[feature] = featureThresholds(sorting: &sample, maxBins: maxBins)
                }
            }
        }
        return FeatureBinning(thresholds: thresholds)
    }

    /// The thresholds of one feature from its non-missing values (sorted in place).
    static func featureThresholds(sorting values: inout [Double], maxBins: Int) -> [Double] {
        guard !values.isEmpty else { return [] }
        values.sort()
        var distinct: [Double] = []
        for value in values where distinct.last != value {
            distinct.append(value)
            if distinct.count > maxBins { break }
        }
        var thresholds: [Double] = []
        if distinct.count <= maxBins {
            for i in 1..<distinct.count { thresholds.append((distinct[i - 1] + distinct[i]) / 2) }
        } else {
            // numpy's percentile(method="midpoint") at 100·i/maxBins, i = 1..<maxBins.
            let last = Double(values.count - 1)
            for i in 1..<maxBins {
                let position = Double(i) / Double(maxBins) * last
                let below = values[Int(position.rounded(.down))], above = values[Int(position.rounded(.up))]
                let threshold = (below + above) / 2
                if thresholds.last.map({ threshold > $0 }) ?? true { thresholds.append(threshold) }
            }
        }
        return thresholds
    }

    /// The bin of `value` for `feature`.
    @inline(__always)
    static func bin(_ value: Double, thresholds: UnsafeBufferPointer<Double>) -> UInt8 {
        if value.isNaN { return UInt8(BinnedFeatures.missingBin) }
        var low = 0, high = thresholds.count
        while low < high {
            let middle = (low + high) >> 1
            if value <= thresholds[middle] { high = middle } else { low = middle + 1 }
        }
        return UInt8(low)
    }

    /// Bins `rows` of `features` (all rows when `nil`) in that order, in parallel over features.
    func bin(_ features: ColumnMajorFeatures, rows: [Int]?) -> BinnedFeatures {
        let count = rows?.count ?? features.rows
        let binned = BinnedFeatures(rows: count, features: features.columns)
        features.values.withUnsafeBufferPointer { values in
            DispatchQueue.concurrentPerform(iterations: features.columns) { feature in
                let column = values.baseAddress! + feature * features.rows
                let out = binned.column(feature)
                thresholds[feature].withUnsafeBufferPointer { cuts in
                    if let rows {
                        for (i, row) in rows.enumerated() { out[i] = Self.bin(column[row], thresholds: cuts) }
                    } else {
                        for i in 0..<count { out[i] = Self.bin(column[i], thresholds: cuts) }
                    }
                }
            }
        }
        return binned
    }
}
