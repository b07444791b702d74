/// A duration written the way people write them in `mlp.yaml`: `500ms`, `30s`, `10m`, `2h`, `1d`,
/// a combination such as `1h30m`, or a bare number of seconds.
///
/// Durations are finite, not negative and at most ``maximum`` (100 years): a longer one is an
/// error, never a value that overflows when it is turned into nanoseconds to sleep.
public struct TimeSpan: Hashable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Double

    /// The longest duration accepted: 100 years, far below the 584 years of nanoseconds a
    /// `UInt64` (or an `Int64` `Duration`) can hold.
    public static let maximum = TimeSpan(seconds: 100 * 365 * 86400)

    public init(seconds: Double) { self.seconds = seconds }

    /// Why a text is not a duration.
    public struct ParseError: Error, CustomStringConvertible, Sendable, Equatable {
        public let text: String
        /// The duration was well formed but longer than ``TimeSpan/maximum``.
        public let tooLong: Bool
        public var description: String {
            tooLong
                ? "'\(text)' is longer than the longest duration mlp accepts (100 years, 36500d)"
                : "'\(text)' is not a duration; write one such as 500ms, 30s, 10m or 1h30m"
        }
    }

    /// Parses a duration; returns nil when the text is not one (or is longer than ``maximum``).
    public init?(parsing text: String) {
        guard let span = try? TimeSpan(validating: text) else { return nil }
        self = span
    }

    /// Parses a duration, saying why the text is not one.
    public init(validating text: String) throws {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var total = 0.0
        if let plain = Double(trimmed) {
            guard plain >= 0, plain.isFinite else { throw ParseError(text: text, tooLong: plain == .infinity) }
            total = plain
        } else {
            var number = ""
            var index = trimmed.startIndex
            var sawUnit = false
            while index < trimmed.endIndex {
                let char = trimmed[index]
                if char.isASCII && (char.isNumber || char == ".") {
                    number.append(char)
                    index = trimmed.index(after: index)
                    continue
                }
                var unit = ""
                while index < trimmed.endIndex, trimmed[index].isLetter {
                    unit.append(trimmed[index])
                    index = trimmed.index(after: index)
                }
                guard let value = Double(number), value.isFinite, !unit.isEmpty else { throw ParseError(text: text, tooLong: false) }
                switch unit {
                case "ms": total += value / 1000
                case "s": total += value
                case "m": total += value * 60
                case "h": total += value * 3600
                case "d": total += value * 86400
                default: throw ParseError(text: text, tooLong: false)
                }
                number = ""
                sawUnit = true
            }
            guard sawUnit, number.isEmpty else { throw ParseError(text: text, tooLong: false) }
        }
        guard total.isFinite, total <= Self.maximum.seconds else { throw ParseError(text: text, tooLong: true) }
        seconds = total
    }

    /// The duration in whole nanoseconds, for `Task.sleep`; clamped to 0 ... ``maximum`` so that
    /// no value, however it was made, traps when converted.
    public var nanoseconds: UInt64 {
        guard seconds.isFinite, seconds > 0 else { return 0 }
        return UInt64(min(seconds, Self.maximum.seconds) * 1e9)
    }

    public var description: String {
        guard seconds.isFinite, seconds <= Self.maximum.seconds else { return "\(seconds)s" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds) }
        if seconds < 3600 { return "\(Int(seconds) / 60)m\(Int(seconds) % 60 == 0 ? "" : "\(Int(seconds) % 60)s")" }
        return "\(Int(seconds) / 3600)h\(Int(seconds) % 3600 / 60 == 0 ? "" : "\(Int(seconds) % 3600 / 60)m")"
    }
}

import Foundation
