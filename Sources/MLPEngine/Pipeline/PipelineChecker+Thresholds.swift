import Foundation
import MLPCore

extension PipelineChecker {
    /// The shape of an approval gate's `thresholds:` (unknown keys, non-numeric bounds, a change
    /// rule without `against`…) and its `on_threshold_failure:`, each problem located at its key
    /// when the pipeline file can be read, else at the `thresholds:` value.
    func checkThresholds(_ step: StepSpec) -> [Diagnostic] {
        var diagnostics: [Diagnostic] = []
        if let entry = step.with.first(where: { $0.key == "on_threshold_failure" }), case .literal(.string(let text), _) = entry.value,
           text != "reject", text != "wait" {
            diagnostics.append(Diagnostic(entry.valueLocation, "on_threshold_failure must be reject or wait, not '\(text)'",
                                          expected: "reject (the default: the gate fails at once) or wait (for a person, like auto_approve_if)"))
        }
        guard let entry = step.with.first(where: { $0.key == "thresholds" }) else { return diagnostics }
        let lines = (try? String(contentsOfFile: entry.valueLocation.file, encoding: .utf8))?.components(separatedBy: "\n")
        for error in MetricThresholds.shapeErrors(Self.shape(of: entry.value)) {
            let at = lines.flatMap { Self.locate(error.path, in: $0, from: entry.valueLocation, keyColumn: entry.location.column) } ?? entry.valueLocation
            let path = (["thresholds"] + error.path).joined(separator: ".")
            diagnostics.append(Diagnostic(at, "\(path): \(error.message)", expected: error.expected))
        }
        return diagnostics
    }

    /// A `with:` value as ``MetricThresholds/ValueShape``: references stay unresolved until the run.
    static func shape(of value: ValueExpr) -> MetricThresholds.ValueShape {
        switch value {
        case .literal(let json, _): return MetricThresholds.ValueShape(json)
        case .reference(let reference): return .unresolved(reference.text)
        case .template: return .unresolved("a string with references")
        case .list: return .other("a list")
        case .map(let fields): return .map(fields.mapValues { shape(of: $0) })
        }
    }

    /// Where the keys of `path` are written, searching the lines of the `thresholds:` block (those
    /// from its value on, until one indented no deeper than the `thresholds:` key itself).
    static func locate(_ path: [String], in lines: [String], from start: SourceLocation, keyColumn: Int) -> SourceLocation? {
        guard !path.isEmpty, start.line >= 1, start.line <= lines.count else { return nil }
        var line = start.line - 1
        var column = start.column - 1
        var found: SourceLocation?
        for key in path {
            var hit: SourceLocation?
            while line < lines.count {
                let text = Array(lines[line].unicodeScalars)
                if line > start.line - 1 {
                    let indent = text.prefix { $0 == " " }.count
                    let blank = text.allSatisfy { $0 == " " || $0 == "\t" } || text.dropFirst(indent).first == "#"
                    if !blank, indent < keyColumn { return found }
                }
                if let offset = keyOffset(key, in: text, from: column) {
                    hit = SourceLocation(file: start.file, line: line + 1, column: offset + 1)
                    column = offset + key.unicodeScalars.count
                    break
                }
                line += 1
                column = 0
            }
            guard let hit else { return found }
            found = hit
        }
        return found
    }

    /// The offset of `key` written as a mapping key (`key:`, `"key":`) at or after `from`.
    static func keyOffset(_ key: String, in text: [Unicode.Scalar], from: Int) -> Int? {
        let pattern = Array(key.unicodeScalars)
        guard !pattern.isEmpty, text.count >= pattern.count else { return nil }
        var index = max(0, from)
        while index + pattern.count <= text.count {
            if Array(text[index..<index + pattern.count]) == pattern {
                let before = index == 0 ? " " : text[index - 1]
                var after = index + pattern.count
                if after < text.count, text[after] == "\"" || text[after] == "'" { after += 1 }
                while after < text.count, text[after] == " " { after += 1 }
                let boundary = " {,\"'\t".unicodeScalars.contains(before)
                if boundary, after < text.count, text[after] == ":" {
                    return before == "\"" || before == "'" ? index - 1 : index
                }
            }
            index += 1
        }
        return nil
    }
}
