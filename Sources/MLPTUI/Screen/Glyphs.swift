import Foundation
import MLPCore

/// Symbols and tones for states, so a state reads both with and without colour.
public struct Glyphs: Sendable {
    /// Whether the terminal shows UTF-8; without it, symbols fall back to ASCII.
    public var unicode: Bool

    /// Glyphs for a UTF-8 terminal, or ASCII ones.
    public init(unicode: Bool = true) { self.unicode = unicode }

    /// A step state's one-character symbol.
    public func symbol(_ status: StepStatus) -> String {
        if unicode { return status.symbol }
        switch status {
        case .pending: return "."
        case .running: return ">"
        case .retrying: return "~"
        case .waiting: return "?"
        case .succeeded: return "+"
        case .cached: return "="
        case .failed: return "x"
        case .skipped: return "-"
        case .cancelled: return "/"
        case .rejected: return "!"
        }
    }

    /// A run state's symbol (that of the step state it resembles).
    public func symbol(_ status: RunStatus) -> String { symbol(Self.stepStatus(for: status)) }

    /// A gate decision's symbol.
    public func symbol(_ status: ApprovalStatus) -> String {
        switch status {
        case .pending: return symbol(StepStatus.waiting)
        case .approved: return symbol(StepStatus.succeeded)
        case .rejected: return symbol(StepStatus.rejected)
        }
    }

    /// The colour role of a step state.
    public static func tone(_ status: StepStatus) -> Tone {
        switch status {
        case .succeeded, .cached: return .good
        case .running, .retrying: return .active
        case .waiting: return .warn
        case .failed, .rejected: return .bad
        case .pending, .skipped, .cancelled: return .muted
        }
    }

    /// The colour role of a run state.
    public static func tone(_ status: RunStatus) -> Tone { tone(stepStatus(for: status)) }

    static func stepStatus(for status: RunStatus) -> StepStatus {
        switch status {
        case .pending: return .pending
        case .running: return .running
        case .waiting: return .waiting
        case .succeeded: return .succeeded
        case .failed: return .failed
        case .cancelled: return .cancelled
        case .rejected: return .rejected
        }
    }

    /// Marks cut text.
    public var ellipsis: String { unicode ? "…" : "..." }
    /// Between what a step needs and what it feeds.
    public var arrow: String { unicode ? "→" : "->" }
    /// Before a fan-out item that is not the last.
    public var treeBranch: String { unicode ? "├ " : "|-" }
    /// Before a fan-out's last item.
    public var treeLast: String { unicode ? "└ " : "`-" }
    /// A fan-out step whose items are hidden.
    public var collapsed: String { unicode ? "▸" : "+" }
    /// A fan-out step whose items are listed.
    public var expanded: String { unicode ? "▾" : "-" }
}

/// Times and durations as the views show them.
public enum TimeText {
    /// `11-22 09:30:12` in local time.
    public static func time(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        var stamp = time_t(seconds)
        var parts = tm()
        localtime_r(&stamp, &parts)
        return String(format: "%02d-%02d %02d:%02d:%02d", parts.tm_mon + 1, parts.tm_mday, parts.tm_hour, parts.tm_min, parts.tm_sec)
    }

    /// `850ms`, `3.2s`, `4m05s`, `2h10m`, `3d04h`.
    public static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds >= 0 else { return "-" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        if seconds < 3600 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
        if seconds < 86400 { return String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60) }
        return String(format: "%dd%02dh", Int(seconds) / 86400, Int(seconds) % 86400 / 3600)
    }

    /// From `start` to `end`, or to `now` while unfinished.
    public static func duration(from start: Double?, to end: Double?, now: Double) -> String {
        guard let start else { return "-" }
        return duration((end ?? now) - start)
    }

    /// A number as metrics show it: integers plain, others with up to 4 significant decimals.
    public static func number(_ value: Double) -> String {
        if value.isFinite, value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
        return String(format: "%.4g", value)
    }
}
