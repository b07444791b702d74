import Foundation
import MLPCore
import MLPStore
import MLPTUI

/// Renders rows as an aligned text table; the last column is never padded. Cells are one line each:
/// control characters in them (a model name with an escape sequence or a newline) are shown as
/// visible escapes (``TerminalText/oneLine(_:)``).
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(_ headers: String...) { self.headers = headers }
    init() { headers = [] }

    mutating func add(_ cells: String...) { rows.append(cells) }
    mutating func add(row cells: [String]) { rows.append(cells) }

    func render() -> String {
        let all = ([headers] + rows).map { $0.map(TerminalText.oneLine) }
        var widths = Array(repeating: 0, count: headers.count)
        for row in all {
            for (index, cell) in row.enumerated() where index < widths.count { widths[index] = max(widths[index], cell.count) }
        }
        return all.map { row in
            row.enumerated().map { index, cell in
                index == row.count - 1 ? cell : cell.padding(toLength: widths[index], withPad: " ", startingAt: 0)
            }.joined(separator: "  ").replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression)
        }.joined(separator: "\n")
    }
}

enum Format {
    /// `2026-11-22 09:30:12` in local time.
    static func time(_ seconds: Double?) -> String {
        guard let seconds else { return "-" }
        let formatter = DateFormatter()
        formatter.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return formatter.string(from: Date(timeIntervalSince1970: seconds))
    }

    /// `850ms`, `3.2s`, `4m05s`, `2h10m`.
    static func duration(_ seconds: Double?) -> String {
        guard let seconds, seconds >= 0 else { return "-" }
        if seconds < 1 { return "\(Int((seconds * 1000).rounded()))ms" }
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        if seconds < 3600 { return String(format: "%dm%02ds", Int(seconds) / 60, Int(seconds) % 60) }
        return String(format: "%dh%02dm", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
    }

    static func duration(from start: Double?, to end: Double?) -> String {
        guard let start else { return "-" }
        return duration((end ?? Date().timeIntervalSince1970) - start)
    }

    /// `50`, `12.5`: a number without a trailing `.0`.
    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(format: "%g", value)
    }

    /// `10%`, `12.5%` for a value given in percent.
    static func percent(_ value: Double) -> String { number(value) + "%" }

    /// `1.2 KB` style sizes.
    static func size(_ bytes: Int64) -> String {
        let units = ["B", "KB", "MB", "GB", "TB"]
        var value = Double(bytes)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(bytes) B" : String(format: "%.1f %@", value, units[unit])
    }

    /// A value for a table cell: short, one line.
    static func value(_ json: JSONValue, limit: Int = 48) -> String {
        var text: String
        if let digest = json["artifact"]?.stringValue {
            text = "\(json["type"]?.stringValue ?? "artifact") \(digest.prefix(12))"
        } else if case .string(let string) = json {
            text = string
        } else {
            text = json.canonicalText
        }
        text = text.replacingOccurrences(of: "\n", with: " ")
        return text.count > limit ? String(text.prefix(limit - 1)) + "…" : text
    }

    /// Prints an Encodable as pretty JSON with sorted keys.
    static func printJSON<T: Encodable>(_ value: T) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Swift.print(jsonForTerminal(String(decoding: try encoder.encode(value), as: UTF8.self)))
    }

    /// JSON text safe on a terminal and still the same data: JSONEncoder escapes U+0000…U+001F but
    /// leaves DEL and the C1 controls raw; inside a JSON string (the only place they can be) they
    /// become `\u007f`…`\u009f`.
    static func jsonForTerminal(_ json: String) -> String {
        guard json.unicodeScalars.contains(where: { (0x7F...0x9F).contains($0.value) }) else { return json }
        var result = String.UnicodeScalarView()
        for scalar in json.unicodeScalars {
            if (0x7F...0x9F).contains(scalar.value) {
                result.append(contentsOf: String(format: "\\u%04x", scalar.value).unicodeScalars)
            } else {
                result.append(scalar)
            }
        }
        return String(result)
    }
}

/// JSON views of store records for `--json` output: plain field names, JSON columns expanded.
enum JSONView {
    static func parse(_ text: String?) -> JSONValue {
        guard let text, let value = try? JSONValue(parsing: text) else { return .null }
        return value
    }

    static func number(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func string(_ value: String?) -> JSONValue { value.map { .string($0) } ?? .null }

    static func run(_ run: RunRecord, counts: [StepStatus: Int]? = nil) -> JSONValue {
        var fields: [String: JSONValue] = [
            "id": .string(run.id), "pipeline": .string(run.pipeline), "status": .string(run.status.rawValue),
            "project": .string(run.projectDirectory), "pipeline_digest": .string(run.pipelineDigest),
            "git_commit": string(run.gitCommit), "git_dirty": run.gitDirty.map { .bool($0) } ?? .null,
            "mlp_version": .string(run.mlpVersion), "host": .string(run.host), "created_at": .number(run.createdAt),
            "started_at": number(run.startedAt), "finished_at": number(run.finishedAt), "error": string(run.error),
            "parallelism": .number(Double(run.parallelism)), "no_cache": .bool(run.noCache),
        ]
        if let counts {
            fields["steps"] = .object(Dictionary(uniqueKeysWithValues: counts.map { ($0.key.rawValue, JSONValue.number(Double($0.value))) }))
        }
        return .object(fields)
    }

    static func step(_ step: StepRecord) -> JSONValue {
        .object([
            "id": .number(Double(step.id ?? 0)), "name": .string(step.name), "index": step.index.map { .number(Double($0)) } ?? .null,
            "kind": .string(step.kind), "status": .string(step.status.rawValue), "attempts": .number(Double(step.attempts)),
            "cache_key": string(step.cacheKey), "cache_hit": .bool(step.cacheHit), "cached_from": step.cachedFrom.map { .number(Double($0)) } ?? .null,
            "started_at": number(step.startedAt), "finished_at": number(step.finishedAt), "error": string(step.error),
            "outputs": parse(step.outputs), "item": parse(step.item), "children": step.childCount.map { .number(Double($0)) } ?? .null,
        ])
    }

    static func approval(_ approval: ApprovalRecord) -> JSONValue {
        .object([
            "run": .string(approval.runID), "step": .string(approval.step), "status": .string(approval.status.rawValue),
            "shown": parse(approval.shown), "rule": string(approval.rule), "requested_at": .number(approval.requestedAt),
            "deadline": number(approval.deadline), "decided_at": number(approval.decidedAt), "decided_by": string(approval.decidedBy),
            "comment": string(approval.comment),
        ])
    }
}
