import Foundation

/// How one feature moved between a reference dataset (the training data) and a current one
/// (logged requests).
public struct FeatureDrift: Sendable, Hashable, Codable {
    /// The column.
    public var name: String
    /// `numeric` (PSI over quantile bins and a KS test) or `categorical` (PSI over categories).
    public var kind: String
    /// Non-null values on each side.
    public var referenceCount: Int
    public var currentCount: Int
    /// The population stability index.
    public var psi: Double
    /// The Kolmogorov–Smirnov statistic and p-value (numeric features only).
    public var ksStatistic: Double?
    public var ksPValue: Double?
    /// Whether this feature crossed a threshold of the report.
    public var drifted: Bool
    /// Why it counts as drifted, in words (empty when it does not).
    public var reasons: [String]
}

/// Per-feature drift between a reference dataset and a current one.
///
/// A feature has drifted when its PSI reaches `psiThreshold`, or when its KS p-value is under
/// `ksAlpha` divided by the number of numeric features compared (a Bonferroni correction, so a
/// fresh sample of the training distribution is flagged by KS with probability at most `ksAlpha`
/// however many features there are).
public struct DriftReport: Sendable, Hashable, Codable {
    public var psiThreshold: Double
    public var ksAlpha: Double
    /// The per-feature KS threshold actually used (`ksAlpha` / numeric features).
    public var ksThreshold: Double
    public var features: [FeatureDrift]
    /// Names of the drifted features.
    public var drifted: [String] { features.filter(\.drifted).map(\.name) }

    /// Compares every column of `current` that `reference` also has (or just `columns`).
    ///
    /// - Throws: ``DatasetError`` when a named column is missing on either side or its kind
    ///   (numeric or not) differs between the two.
    public static func compare(reference: Dataset, current: Dataset, columns: [String]? = nil,
                               psiThreshold: Double = 0.2, ksAlpha: Double = 0.01, bins: Int = 10) throws -> DriftReport {
        let names = columns ?? current.columnNames.filter { reference.column(named: $0) != nil }
        guard !names.isEmpty else {
            throw DatasetError(message: "no column to compare: the reference has none of \(current.columnNames.joined(separator: ", "))")
        }
        var pairs: [(Column, Column)] = []
        for name in names {
            guard let referenceColumn = reference.column(named: name) else {
                throw DatasetError(message: "column '\(name)' is not in the reference dataset (it has \(reference.columnNames.joined(separator: ", ")))")
            }
            guard let currentColumn = current.column(named: name) else {
                throw DatasetError(message: "column '\(name)' is not in the current dataset (it has \(current.columnNames.joined(separator: ", ")))")
            }
            guard isNumeric(referenceColumn) == isNumeric(currentColumn) else {
                throw DatasetError(message: "column '\(name)' is \(referenceColumn.type) in the reference but \(currentColumn.type) now")
            }
            pairs.append((referenceColumn, currentColumn))
        }
        let numericCount = pairs.filter { isNumeric($0.0) }.count
        let ksThreshold = ksAlpha / Double(max(1, numericCount))
        var features: [FeatureDrift] = []
        for (referenceColumn, currentColumn) in pairs {
            var feature: FeatureDrift
            if isNumeric(referenceColumn) {
                let r = numbers(referenceColumn)
                let c = numbers(currentColumn)
                let ks = DriftStatistics.kolmogorovSmirnov(r, c)
                feature = FeatureDrift(name: referenceColumn.name, kind: "numeric", referenceCount: r.count, currentCount: c.count,
                                       psi: DriftStatistics.psi(reference: r, current: c, bins: bins),
                                       ksStatistic: ks.statistic, ksPValue: ks.pValue, drifted: false, reasons: [])
                if ks.pValue < ksThreshold {
                    feature.reasons.append("KS p-value \(format(ks.pValue)) < \(format(ksThreshold)) (D = \(format(ks.statistic)))")
                }
            } else {
                let r = counts(referenceColumn)
                let c = counts(currentColumn)
                feature = FeatureDrift(name: referenceColumn.name, kind: "categorical", referenceCount: r.values.reduce(0, +),
                                       currentCount: c.values.reduce(0, +), psi: DriftStatistics.psi(referenceCounts: r, currentCounts: c),
                                       ksStatistic: nil, ksPValue: nil, drifted: false, reasons: [])
            }
            if feature.psi >= psiThreshold { feature.reasons.insert("PSI \(format(feature.psi)) ≥ \(format(psiThreshold))", at: 0) }
            feature.drifted = !feature.reasons.isEmpty
            features.append(feature)
        }
        return DriftReport(psiThreshold: psiThreshold, ksAlpha: ksAlpha, ksThreshold: ksThreshold, features: features)
    }

    static func isNumeric(_ column: Column) -> Bool {
        column.type == .float || column.type == .int
    }

    static func numbers(_ column: Column) -> [Double] {
        let values: [Double]
        switch column.storage {
        case .float(let stored): values = stored
        case .int(let stored): values = stored.map(Double.init)
        default: return (0..<column.count).compactMap { column.isNull($0) ? nil : column[$0]?.numeric }
        }
        guard let validity = column.validity else { return values }
        return zip(values, validity).compactMap { $1 ? $0 : nil }
    }

    static func counts(_ column: Column) -> [String: Int] {
        var counts: [String: Int] = [:]
        for row in 0..<column.count where !column.isNull(row) {
            if let value = column[row] { counts[value.description, default: 0] += 1 }
        }
        return counts
    }

    static func format(_ value: Double) -> String {
        value != 0 && abs(value) < 1e-3 ? String(format: "%.2e", value) : String(format: "%.4f", value)
    }
}
