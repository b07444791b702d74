/// The unit of a ``LogicalType/timestamp(_:utc:)`` column's integers.
public enum TimeUnit: String, Sendable, Hashable, CaseIterable {
    case millis, micros, nanos

    /// Units in one second.
    public var perSecond: Int64 {
        switch self {
        case .millis: return 1_000
        case .micros: return 1_000_000
        case .nanos: return 1_000_000_000
        }
    }

    /// Digits of a second's fraction (3, 6, 9).
    var fractionDigits: Int {
        switch self {
        case .millis: return 3
        case .micros: return 6
        case .nanos: return 9
        }
    }
}

/// What an `int` column's integers mean, when they are dates or instants rather than numbers.
///
/// The storage stays ``ColumnStorage/int(_:)``; the annotation lets writers (Parquet, `mlpds`, CSV,
/// JSON lines) keep the type: a Parquet DATE or TIMESTAMP read by mlp is written back as the same type.
public enum LogicalType: Hashable, Sendable, CustomStringConvertible {
    /// Days since 1970-01-01.
    case date
    /// `unit`s since 1970-01-01T00:00:00; `utc` when the instant is in UTC (Parquet's isAdjustedToUTC,
    /// Arrow's `tz=UTC`), otherwise a local (naive) date-time.
    case timestamp(TimeUnit, utc: Bool)

    /// The name stored in an `mlpds` header: `date`, `timestamp[ms]`, `timestamp[us,UTC]`, ….
    public var description: String {
        switch self {
        case .date: return "date"
        case .timestamp(let unit, let utc):
            let short = unit == .millis ? "ms" : unit == .micros ? "us" : "ns"
            return "timestamp[\(short)\(utc ? ",UTC" : "")]"
        }
    }

    /// The annotation a ``description`` names, or `nil` for a name mlp does not know.
    public init?(name: String) {
        if name == "date" { self = .date; return }
        for unit in TimeUnit.allCases {
            for utc in [false, true] where LogicalType.timestamp(unit, utc: utc).description == name {
                self = .timestamp(unit, utc: utc)
                return
            }
        }
        return nil
    }

    /// `value` in ISO 8601: `2024-01-31` for a date, `2024-01-31T12:00:00.123456Z` for a UTC timestamp
    /// (no `Z` for a local one; the fraction has the unit's digits and is left out when zero).
    public func iso8601(_ value: Int64) -> String {
        switch self {
        case .date:
            return LogicalType.civilDate(days: value)
        case .timestamp(let unit, let utc):
            let perSecond = unit.perSecond
            var seconds = value / perSecond
            var fraction = value % perSecond
            if fraction < 0 { fraction += perSecond; seconds -= 1 }
            var days = seconds / 86_400
            var secondOfDay = seconds % 86_400
            if secondOfDay < 0 { secondOfDay += 86_400; days -= 1 }
            var text = LogicalType.civilDate(days: days) + "T"
                + LogicalType.pad(secondOfDay / 3600, 2) + ":" + LogicalType.pad(secondOfDay / 60 % 60, 2) + ":"
                + LogicalType.pad(secondOfDay % 60, 2)
            if fraction != 0 { text += "." + LogicalType.pad(fraction, unit.fractionDigits) }
            return utc ? text + "Z" : text
        }
    }

    static func pad(_ value: Int64, _ digits: Int) -> String {
        let text = String(value)
        return text.count >= digits ? text : String(repeating: "0", count: digits - text.count) + text
    }

    /// The proleptic Gregorian date `days` after 1970-01-01 (H. Hinnant's civil_from_days).
    static func civilDate(days: Int64) -> String {
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let mp = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        let yearText = year < 0 ? "-" + pad(-year, 4) : pad(year, 4)
        return yearText + "-" + pad(month, 2) + "-" + pad(day, 2)
    }
}
