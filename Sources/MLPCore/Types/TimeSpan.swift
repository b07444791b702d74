/// A duration written the way people write them in `mlp.yaml`: `500ms`, `30s`, `10m`, `2h`, `1d`,
/// a combination such as `1h30m`, or a bare number of seconds.
public struct TimeSpan: Hashable, Sendable, Codable, CustomStringConvertible {
    public var seconds: Double

    public init(seconds: Double) { self.seconds = seconds }

    /// Parses a duration; returns nil when the text is not one.
    public init?(parsing text: String) {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let plain = Double(trimmed) {
            guard plain >= 0, plain.isFinite else { return nil }
            seconds = plain
            return
        }
        var total = 0.0
        var number = ""
        var index = trimmed.startIndex
        var sawUnit = false
        while index < trimmed.endIndex {
            let char = trimmed[index]
            if char.isNumber || char == "." {
                number.append(char)
                index = trimmed.index(after: index)
                continue
            }
            var unit = ""
            while index < trimmed.endIndex, trimmed[index].isLetter {
                unit.append(trimmed[index])
                index = trimmed.index(after: index)
            }
            guard let value = Double(number), !unit.isEmpty else { return nil }
            switch unit {
            case "ms": total += value / 1000
            case "s": total += value
            case "m": total += value * 60
            case "h": total += value * 3600
            case "d": total += value * 86400
            default: return nil
            }
            number = ""
            sawUnit = true
        }
        guard sawUnit, number.isEmpty else { return nil }
        seconds = total
    }

    public var description: String {
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return seconds == seconds.rounded() ? "\(Int(seconds))s" : String(format: "%.1fs", seconds) }
        if seconds < 3600 { return "\(Int(seconds) / 60)m\(Int(seconds) % 60 == 0 ? "" : "\(Int(seconds) % 60)s")" }
        return "\(Int(seconds) / 3600)h\(Int(seconds) % 3600 / 60 == 0 ? "" : "\(Int(seconds) % 3600 / 60)m")"
    }
}

import Foundation
