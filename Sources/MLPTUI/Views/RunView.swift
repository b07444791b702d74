import Foundation
import MLPCore
import MLPStore

/// One run: its steps as a DAG drawn as an indented tree (a step is indented one level deeper
/// than the deepest step it needs; fan-out items sit under their step) with state, attempts,
/// cache hits, durations and fan-out progress; below them the selected step with its edges, or
/// the run's params, metrics and artifacts.
public final class RunView: TUIView {
    /// One line of the step tree.
    public struct Row: Equatable {
        /// The step or fan-out item.
        public var step: StepRecord
        /// 0 for a step, 1 for an item of a fan-out.
        public var depth: Int
        /// For a fan-out parent: items done and items in all.
        public var done: Int?
        public var items: Int?
        /// Whether this is the last item of its fan-out (drawn with a closing branch).
        public var isLast: Bool
        /// How many steps deep the step is in the DAG (0: it needs nothing).
        public var level = 0
    }

    /// What the lower pane shows: the selected step, or the run's params, metrics and artifacts.
    public enum Pane: String { case step, run }

    /// The run shown.
    public let runID: String
    /// The run as last fetched; nil when it is not in the store.
    public private(set) var run: RunRecord?
    /// Every step row of the run (fan-out parents and items), in id order.
    public private(set) var steps: [StepRecord] = []
    /// The run's params.
    public private(set) var params: [ParamRecord] = []
    /// Final metrics (no series points).
    public private(set) var metrics: [MetricRecord] = []
    /// The lines of the step tree, as drawn.
    public private(set) var rows: [Row] = []
    /// The selected step's attempts.
    public private(set) var attempts: [AttemptRecord] = []
    /// The selected step's approval, when it is a gate that asked for one.
    public private(set) var approval: ApprovalRecord?
    /// Fan-out steps whose items are listed.
    public private(set) var expanded: Set<String> = []
    /// What the lower pane shows.
    public private(set) var pane: Pane = .step
    var cursor = ListCursor()
    var listRows = 1
    var selectedID: Int64?
    /// Each step's upstream steps, from the pipeline the run recorded.
    public private(set) var upstream: [String: [String]] = [:]
    private var readDependencies = false

    /// The view of one run.
    public init(runID: String) { self.runID = runID }

    public var title: String { "Run \(runID)" }

    public var hints: [KeyHint] {
        [KeyHint("↑↓", "step"), KeyHint("⏎", "logs"), KeyHint("space", "items"), KeyHint("tab", pane == .step ? "run info" : "step info"),
         KeyHint("esc", "back"), KeyHint("?", "help")]
    }

    public var keys: [KeyHint] {
        [KeyHint("↑ ↓ j k", "select a step"), KeyHint("⏎ l", "follow the selected step's log"),
         KeyHint("space → ←", "show or hide a fan-out step's items"), KeyHint("e", "show every fan-out's items"),
         KeyHint("tab", "switch the lower pane: the step, or the run's params, metrics and artifacts"),
         KeyHint("a r", "approve or reject the selected gate, with a comment"),
         KeyHint("esc h", "back to the runs")]
    }

    /// The line of the tree under the selection.
    public var selectedRow: Row? { rows.indices.contains(cursor.selected) ? rows[cursor.selected] : nil }

    public func reload(_ context: TUIContext, rows height: Int) throws {
        run = try context.store.run(id: runID)
        if !readDependencies, let run, let dependencies = context.dependencies {
            upstream = dependencies(run)
            readDependencies = true
        }
        steps = try context.store.steps(runID: runID)
        params = try context.store.params(runID: runID)
        metrics = try context.store.metrics(runID: runID).filter { $0.iteration == nil }
        rows = Self.tree(steps, expanded: expanded, upstream: upstream)
        listRows = max(1, Layout(height: height, rows: rows.count).steps - 1)
        if let selectedID, let index = rows.firstIndex(where: { $0.step.id == selectedID }) { cursor.selected = index }
        cursor.clamp(count: rows.count, rows: listRows)
        selectedID = selectedRow?.step.id
        attempts = try selectedID.map { try context.store.attempts(stepID: $0) } ?? []
        if let step = selectedRow?.step, step.kind == "approval" {
            approval = try context.store.approval(runID: runID, step: step.name)
        } else {
            approval = nil
        }
    }

    /// Steps in the order the pipeline lists them; items of expanded fan-outs under their parent.
    public static func tree(_ steps: [StepRecord], expanded: Set<String>, upstream: [String: [String]] = [:]) -> [Row] {
        let items = Dictionary(grouping: steps.filter { $0.index != nil }, by: \.name).mapValues { $0.sorted { $0.index! < $1.index! } }
        let levels = Self.levels(upstream)
        var rows: [Row] = []
        for step in steps where step.index == nil {
            let children = items[step.name] ?? []
            let fansOut = step.childCount != nil || !children.isEmpty
            rows.append(Row(step: step, depth: 0, done: fansOut ? children.filter { $0.status.isDone }.count : nil,
                            items: fansOut ? (step.childCount ?? children.count) : nil, isLast: false, level: levels[step.name] ?? 0))
            if expanded.contains(step.name) {
                for (position, child) in children.enumerated() {
                    rows.append(Row(step: child, depth: 1, done: nil, items: nil, isLast: position == children.count - 1, level: levels[step.name] ?? 0))
                }
            }
        }
        return rows
    }

    /// Each step's level in the DAG: 0 when it needs nothing, else one more than its deepest upstream step.
    public static func levels(_ upstream: [String: [String]]) -> [String: Int] {
        var levels: [String: Int] = [:]
        func level(_ name: String, _ visiting: Set<String>) -> Int {
            if let known = levels[name] { return known }
            guard !visiting.contains(name) else { return 0 }
            let value = (upstream[name] ?? []).map { level($0, visiting.union([name])) + 1 }.max() ?? 0
            levels[name] = value
            return value
        }
        for name in upstream.keys.sorted() { _ = level(name, []) }
        return levels
    }

    /// How the view's height is shared: header, step list, lower pane.
    struct Layout {
        var header = 4
        var steps: Int
        var pane: Int

        init(height: Int, rows: Int) {
            let body = max(0, height - header)
            // The step list gets what it needs up to 60% of the body; the pane the rest.
            steps = max(2, min(rows + 1, body * 6 / 10))
            pane = max(0, body - steps)
        }
    }

    public func handle(_ key: Key, context: TUIContext) -> ViewAction {
        if key != .character(" "), cursor.move(key, count: rows.count, rows: listRows) {
            selectedID = selectedRow?.step.id
            return .reload
        }
        switch key {
        case .enter, .character("l"):
            guard let row = selectedRow else { return .redraw }
            if row.items != nil, row.depth == 0 { return toggle(row.step.name) }
            guard let id = row.step.id else { return .redraw }
            return .open(LogView(runID: runID, stepID: id, stepName: row.step.displayName))
        case .character(" "), .right, .left:
            guard let row = selectedRow, row.items != nil || row.depth == 1 else { return .redraw }
            if row.depth == 1 {
                selectedID = steps.first { $0.name == row.step.name && $0.index == nil }?.id
                return toggle(row.step.name)
            }
            if key == .left, !expanded.contains(row.step.name) { return .back }
            return toggle(row.step.name)
        case .character("e"):
            let fanOuts = Set(rows.filter { $0.items != nil }.map(\.step.name))
            expanded = expanded == fanOuts ? [] : fanOuts
            return .reload
        case .character("a"), .character("r"):
            guard let gate = approval, selectedRow?.step.name == gate.step else { return .unhandled }
            guard gate.status == .pending else { return .message("gate \(gate.step) is already \(gate.status.rawValue)") }
            let approve = key == .character("a")
            let verb = approve ? "approve" : "reject"
            return .prompt(Prompt(label: "\(verb) \(gate.step) of \(gate.runID) — comment (⏎ \(verb)s, esc cancels): ") { text, context in
                ApprovalsView.decide(gate, approve: approve, comment: text, context: context)
            })
        case .tab, .backTab, .character("i"):
            pane = pane == .step ? .run : .step
            return .redraw
        case .click(let row, _):
            let index = cursor.top + row - Layout(height: 0, rows: 0).header - 1
            guard row > Layout(height: 0, rows: 0).header, index < rows.count, index - cursor.top < listRows else { return .redraw }
            cursor.selected = index
            selectedID = selectedRow?.step.id
            return .reload
        default:
            return .unhandled
        }
    }

    private func toggle(_ name: String) -> ViewAction {
        if expanded.contains(name) { expanded.remove(name) } else { expanded.insert(name) }
        return .reload
    }

    public func draw(_ canvas: inout Canvas, in area: Rect, context: TUIContext) {
        guard let run else {
            canvas.put("run \(runID) is not in the store", row: area.row + 1, col: area.col + 2, style: Style(.bad), limit: area.width - 2)
            return
        }
        let now = context.now()
        let glyphs = context.glyphs
        let layout = Layout(height: area.height, rows: rows.count)
        var line = area.row
        let tone = Glyphs.tone(run.status)
        var used = canvas.put("\(glyphs.symbol(run.status)) \(run.status.rawValue)", row: line, col: area.col, style: Style(tone, bold: true), limit: area.width)
        used += canvas.put("  \(run.pipeline)  \(run.id)", row: line, col: area.col + used, style: .bold, limit: area.width - used)
        if let error = run.error {
            canvas.put("  \(error)", row: line, col: area.col + used, style: Style(.bad), limit: area.width - used)
        }
        line += 1
        // A fan-out parent is not a unit of work once its items exist (as in the runs list).
        let units = steps.filter { !($0.index == nil && ($0.childCount ?? 0) > 0) }
        let finished = units.filter { $0.status.isFinished }.count
        let git = run.gitCommit.map { "git \($0.prefix(10))\(run.gitDirty == true ? "+dirty" : "")" } ?? "no git"
        canvas.put("started \(TimeText.time(run.startedAt ?? run.createdAt)) · took \(TimeText.duration(from: run.startedAt, to: run.finishedAt, now: now)) · steps \(finished)/\(units.count) · \(git) · mlp \(run.mlpVersion)",
                   row: line, col: area.col, style: .muted, limit: area.width)
        line += 1
        let paramText = params.isEmpty ? "none" : params.map { "\($0.name)=\(ValueText.short(ValueText.parse($0.value)))" }.joined(separator: "  ")
        canvas.put("params  ", row: line, col: area.col, style: .bold)
        canvas.put(paramText, row: line, col: area.col + 8, limit: area.width - 8)
        line += 1
        let metricText = metrics.isEmpty ? "none yet" : metrics.map { "\($0.key)=\(TimeText.number($0.value))" }.joined(separator: "  ")
        canvas.put("metrics ", row: line, col: area.col, style: .bold)
        canvas.put(metricText, row: line, col: area.col + 8, limit: area.width - 8)
        line = area.row + layout.header

        // The step tree.
        let nameWidth = max(8, min(28, area.width - 54))
        func cells(_ a: String, _ b: String, _ c: String, _ d: String, _ e: String, _ f: String, _ g: String) -> String {
            Cells.fit(a, nameWidth + 4) + " " + Cells.fit(b, 10) + " " + Cells.fit(c, 10) + " " + Cells.right(d, 3) + " " + Cells.fit(e, 6) + " " + Cells.right(f, 7) + " " + Cells.right(g, 7)
        }
        canvas.put(cells("STEP", "KIND", "STATE", "TRY", "CACHE", "TOOK", "ITEMS"), row: line, col: area.col, style: .bold, limit: area.width)
        line += 1
        for (offset, row) in rows.enumerated().dropFirst(cursor.top).prefix(listRows) {
            let step = row.step
            let marker: String
            if row.depth == 1 {
                marker = "  " + (row.isLast ? glyphs.treeLast : glyphs.treeBranch)
            } else if row.items != nil {
                marker = (expanded.contains(step.name) ? glyphs.expanded : glyphs.collapsed) + " "
            } else {
                marker = "  "
            }
            // DAG levels indent the name, two cells a level, at most four levels.
            let indent = String(repeating: " ", count: 2 * min(4, row.level))
            let name = indent + marker + glyphs.symbol(step.status) + " " + (row.depth == 1 ? "[\(step.index!)]" : step.name)
            let cache = step.cacheHit ? "hit" : (step.cacheKey != nil && step.status.isDone ? "miss" : "-")
            let items = row.items.map { "\(row.done ?? 0)/\($0)" } ?? ""
            let text = cells(name, row.depth == 1 ? "" : step.kind, step.status.rawValue, step.attempts > 0 ? String(step.attempts) : "-",
                             cache, TimeText.duration(from: step.startedAt, to: step.finishedAt, now: now), items)
            if offset == cursor.selected {
                canvas.fill(row: line, col: area.col, width: area.width, style: .selected)
                canvas.put(text, row: line, col: area.col, style: .selected, limit: area.width)
            } else {
                canvas.put(text, row: line, col: area.col, limit: area.width)
                let tone = Glyphs.tone(step.status)
                canvas.restyle(row: line, col: area.col, width: nameWidth + 4, style: Style(tone, bold: tone == .bad))
                canvas.restyle(row: line, col: area.col + nameWidth + 16, width: 10, style: Style(tone))
            }
            line += 1
        }

        // The lower pane.
        line = area.row + layout.header + layout.steps
        guard layout.pane >= 2 else { return }
        let tabs = pane == .step ? "[ step ]  run " : "  step  [ run ]"
        canvas.fill(row: line, col: area.col, width: area.width, style: Style(.muted, underline: true))
        canvas.put("─ \(tabs) (tab switches) ", row: line, col: area.col, style: Style(.accent, bold: true), limit: area.width)
        line += 1
        let lines = pane == .step ? stepLines(now: now, glyphs: glyphs) : runLines()
        for (text, style) in lines.prefix(area.bottom - line) {
            canvas.put(text, row: line, col: area.col + 1, style: style, limit: area.width - 1)
            line += 1
        }
    }

    /// What the lower pane says about the selected step.
    func stepLines(now: Double, glyphs: Glyphs) -> [(String, Style)] {
        guard let row = selectedRow else { return [("no steps", .muted)] }
        let step = row.step
        var lines: [(String, Style)] = []
        var head = "\(step.displayName) · \(step.kind) · \(glyphs.symbol(step.status)) \(step.status.rawValue)"
        if let items = row.items {
            let children = steps.filter { $0.name == step.name && $0.index != nil }
            let byStatus = Dictionary(grouping: children, by: \.status).mapValues(\.count)
            head += " · items \(row.done ?? 0)/\(items) done" + byStatus.keys.sorted { $0.rawValue < $1.rawValue }
                .filter { !$0.isDone }.map { ", \(byStatus[$0]!) \($0.rawValue)" }.joined()
        }
        lines.append((head, Style(Glyphs.tone(step.status), bold: true)))
        if !upstream.isEmpty {
            let needs = upstream[step.name] ?? []
            let feeds = upstream.keys.filter { upstream[$0]!.contains(step.name) }
            let order = Dictionary(steps.filter { $0.index == nil }.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
            let sorted = feeds.sorted { (order[$0] ?? 0) < (order[$1] ?? 0) }
            lines.append(("needs: " + (needs.isEmpty ? "nothing" : needs.joined(separator: ", ")) + "  \(glyphs.arrow)  feeds: "
                          + (sorted.isEmpty ? "nothing" : sorted.joined(separator: ", ")), .muted))
        }
        if step.cacheHit {
            lines.append(("cache hit" + (step.cachedFrom.map { " (outputs of step #\($0))" } ?? ""), Style(.good)))
        } else if let key = step.cacheKey {
            lines.append(("cache key \(key.prefix(16)) · not a hit", .muted))
        }
        if let error = step.error { lines.append(("error: \(error)", Style(.bad))) }
        if let gate = approval, gate.step == step.name {
            let shown = ValueText.fields(ValueText.parse(gate.shown)).map { "\($0.key)=\(ValueText.short($0.value))" }.joined(separator: "  ")
            lines.append(("shows: " + (shown.isEmpty ? "nothing" : shown), .plain))
            if gate.status == .pending {
                lines.append(("waiting since \(TimeText.time(gate.requestedAt)) · a approves, r rejects (with a comment)", Style(.warn)))
            } else {
                lines.append(("\(gate.status.rawValue) by \(gate.decidedBy ?? "?") at \(TimeText.time(gate.decidedAt))" + (gate.comment.map { ": \($0)" } ?? ""),
                              Style(gate.status == .approved ? .good : .bad)))
            }
        }
        if let item = step.item { lines.append(("item: \(ValueText.short(ValueText.parse(item)))", .plain)) }
        for attempt in attempts.suffix(4) {
            var text = "attempt \(attempt.number): \(attempt.outcome.rawValue)"
            if let code = attempt.exitCode { text += " · exit \(code)" }
            text += " · \(TimeText.duration(from: attempt.startedAt, to: attempt.finishedAt, now: now))"
            if let error = attempt.error { text += " · \(error)" }
            lines.append((text, attempt.outcome == .failed || attempt.outcome == .timedOut ? Style(.bad) : .plain))
        }
        for (key, value) in ValueText.fields(ValueText.parse(step.outputs)) {
            lines.append(("\(key) = \(ValueText.short(value))", .plain))
        }
        if step.kind != "approval", row.items == nil, attempts.isEmpty, !step.status.isFinished {
            lines.append(("not started", .muted))
        }
        return lines
    }

    /// What the lower pane says about the run: params, metrics, artifacts.
    func runLines() -> [(String, Style)] {
        var lines: [(String, Style)] = [("params", .bold)]
        lines += params.isEmpty ? [("  none", .muted)] : params.map { ("  \($0.name) (\($0.type.rawValue)) = \(ValueText.short(ValueText.parse($0.value)))", .plain) }
        lines.append(("metrics", .bold))
        lines += metrics.isEmpty ? [("  none yet", .muted)] : metrics.map { ("  \($0.key) = \(TimeText.number($0.value))", .plain) }
        lines.append(("artifacts", .bold))
        var artifacts: [(String, Style)] = []
        for step in steps where step.index == nil {
            for (key, value) in ValueText.fields(ValueText.parse(step.outputs)) {
                for artifact in ValueText.artifacts(in: value) {
                    artifacts.append(("  \(step.name).\(key)  \(artifact.type)  sha256:\(artifact.digest.prefix(16))", .plain))
                }
            }
        }
        lines += artifacts.isEmpty ? [("  none yet", .muted)] : artifacts
        return lines
    }
}
