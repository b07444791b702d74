import Foundation
import MLPCore
import MLPStore

/// The queue of approval gates waiting for a decision, what each shows, and how it compares
/// with the current champion; approve or reject with a comment.
///
/// The champion is the model the last release shipped: the newest approved decision on a gate
/// of the same name and pipeline whose run then succeeded. Its gate showed the same metrics,
/// so the two sets are compared key by key.
public final class ApprovalsView: TUIView {
    /// The released model a gate is compared with: its approval and its run.
    public struct Champion: Equatable {
        public var approval: ApprovalRecord
        public var run: RunRecord
    }

    /// Whether decided gates are listed too.
    public private(set) var showDecided = false
    /// The gates listed: waiting ones oldest first, or with ``showDecided`` all of them newest first.
    public private(set) var approvals: [ApprovalRecord] = []
    /// The selected gate's run.
    public private(set) var run: RunRecord?
    /// The selected gate's champion, if there is one.
    public private(set) var champion: Champion?
    var cursor = ListCursor()
    var listRows = 1
    private var selectedID: Int64?

    /// The queue of waiting gates.
    public init() {}

    public var title: String { showDecided ? "Approvals (all \(approvals.count))" : "Approvals (\(approvals.count) waiting)" }

    public var hints: [KeyHint] {
        [KeyHint("↑↓", "move"), KeyHint("a", "approve"), KeyHint("r", "reject"), KeyHint("⏎", "open run"), KeyHint("d", showDecided ? "waiting only" : "decided too"),
         KeyHint("esc", "back"), KeyHint("?", "help")]
    }

    public var keys: [KeyHint] {
        [KeyHint("↑ ↓ j k", "select a gate"), KeyHint("a", "approve the selected gate: type a comment, ⏎ stores the decision, esc cancels"),
         KeyHint("r", "reject the selected gate, with a comment"), KeyHint("⏎", "open the gate's run"),
         KeyHint("d", "also list gates already decided"), KeyHint("esc h", "back")]
    }

    /// The gate under the selection.
    public var selected: ApprovalRecord? { approvals.indices.contains(cursor.selected) ? approvals[cursor.selected] : nil }

    public func reload(_ context: TUIContext, rows: Int) throws {
        let store = context.store
        approvals = try store.approvals(status: showDecided ? nil : .pending)
        if showDecided { approvals.reverse() }
        listRows = max(1, min(approvals.count, max(3, rows / 3)))
        if let selectedID, let index = approvals.firstIndex(where: { $0.id == selectedID }) { cursor.selected = index }
        cursor.clamp(count: approvals.count, rows: listRows)
        selectedID = selected?.id
        guard let gate = selected else {
            run = nil
            champion = nil
            return
        }
        run = try store.run(id: gate.runID)
        champion = try run.flatMap { try Self.champion(for: gate, pipeline: $0.pipeline, store: store) }
    }

    /// The newest approved gate of the same name and pipeline, in another run that succeeded.
    public static func champion(for gate: ApprovalRecord, pipeline: String, store: any MetadataStore) throws -> Champion? {
        let candidates = try store.approvals(status: .approved)
            .filter { $0.step == gate.step && $0.runID != gate.runID }
            .sorted { ($0.decidedAt ?? $0.requestedAt) > ($1.decidedAt ?? $1.requestedAt) }
        for candidate in candidates.prefix(50) {
            if let run = try store.run(id: candidate.runID), run.pipeline == pipeline, run.status == .succeeded {
                return Champion(approval: candidate, run: run)
            }
        }
        return nil
    }

    public func handle(_ key: Key, context: TUIContext) -> ViewAction {
        if cursor.move(key, count: approvals.count, rows: listRows) {
            selectedID = selected?.id
            return .reload
        }
        switch key {
        case .character("a"), .character("r"):
            guard let gate = selected else { return .message("nothing waits for approval") }
            guard gate.status == .pending else { return .message("gate \(gate.step) of run \(gate.runID) is already \(gate.status.rawValue)") }
            let approve = key == .character("a")
            let verb = approve ? "approve" : "reject"
            return .prompt(Prompt(label: "\(verb) \(gate.step) of \(gate.runID) — comment (⏎ \(verb)s, esc cancels): ") { text, context in
                Self.decide(gate, approve: approve, comment: text, context: context)
            })
        case .enter, .character("l"):
            guard let gate = selected else { return .redraw }
            return .open(RunView(runID: gate.runID))
        case .character("d"):
            showDecided.toggle()
            cursor = ListCursor()
            return .reload
        case .click(let row, _):
            let index = cursor.top + row - 1
            guard row >= 1, index < approvals.count, row <= listRows else { return .redraw }
            cursor.selected = index
            selectedID = selected?.id
            return .reload
        default:
            return .unhandled
        }
    }

    /// Stores a decision exactly as `mlp approve` and `mlp reject` do.
    static func decide(_ gate: ApprovalRecord, approve: Bool, comment: String, context: TUIContext) -> ViewAction {
        let text = comment.trimmingCharacters(in: .whitespaces)
        do {
            let record = try context.store.decide(runID: gate.runID, step: gate.step, approve: approve, by: context.user, comment: text.isEmpty ? nil : text)
            var message = "\(approve ? "approved" : "rejected") \(gate.step) of run \(gate.runID) as \(record.decidedBy ?? context.user)"
            if let more = context.afterDecision?(record) { message += "; \(more)" }
            return .message(message)
        } catch {
            return .error("could not \(approve ? "approve" : "reject") \(gate.step) of \(gate.runID): \(error)")
        }
    }

    public func draw(_ canvas: inout Canvas, in area: Rect, context: TUIContext) {
        let glyphs = context.glyphs
        let now = context.now()
        func cells(_ a: String, _ b: String, _ c: String, _ d: String, _ e: String) -> String {
            Cells.fit(a, 11) + " " + Cells.fit(b, 16) + " " + Cells.fit(c, 20) + " " + Cells.fit(d, 14) + " " + e
        }
        canvas.put(cells("  STATUS", "GATE", "RUN", "SINCE", "RULE / DECISION"), row: area.row, col: area.col, style: .bold, limit: area.width)
        if approvals.isEmpty {
            canvas.put(showDecided ? "no approval gates yet" : "nothing waits for approval (d lists decided gates)",
                       row: area.row + 2, col: area.col + 2, style: .muted, limit: area.width - 2)
            return
        }
        for (index, gate) in approvals.enumerated().dropFirst(cursor.top).prefix(listRows) {
            let line = area.row + 1 + index - cursor.top
            let decision = gate.status == .pending
                ? (gate.rule.map { "rule: \($0)" } ?? "") + (gate.deadline.map { " · decides itself in \(TimeText.duration($0 - now))" } ?? "")
                : "\(gate.decidedBy ?? "?")" + (gate.comment.map { ": \($0)" } ?? "")
            let text = cells("\(glyphs.symbol(gate.status)) \(gate.status.rawValue)", gate.step, gate.runID, TimeText.time(gate.requestedAt), decision)
            if index == cursor.selected {
                canvas.fill(row: line, col: area.col, width: area.width, style: .selected)
                canvas.put(text, row: line, col: area.col, style: .selected, limit: area.width)
            } else {
                canvas.put(text, row: line, col: area.col, limit: area.width)
                let tone: Tone = gate.status == .pending ? .warn : (gate.status == .approved ? .good : .bad)
                canvas.restyle(row: line, col: area.col, width: 11, style: Style(tone, bold: true))
            }
        }
        var line = area.row + 1 + listRows + 1
        guard let gate = selected, line < area.bottom else { return }
        canvas.fill(row: line, col: area.col, width: area.width, style: Style(.muted, underline: true))
        var title = "─ \(gate.step) of \(gate.runID)"
        if let run { title += " · \(run.pipeline) · run \(run.status.rawValue)" }
        canvas.put(title + " ", row: line, col: area.col, style: Style(.accent, bold: true), limit: area.width)
        line += 1
        var lines: [(String, Style)] = []
        if gate.status != .pending {
            lines.append(("\(gate.status.rawValue) by \(gate.decidedBy ?? "?") at \(TimeText.time(gate.decidedAt))" + (gate.comment.map { ": \($0)" } ?? ""),
                          Style(gate.status == .approved ? .good : .bad)))
        }
        let shown = ValueText.fields(ValueText.parse(gate.shown))
        if shown.isEmpty {
            lines.append(("the gate shows nothing (no `show:`)", .muted))
        } else {
            let championFields = champion.map { Dictionary(ValueText.fields(ValueText.parse($0.approval.shown)).map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }) }
            let keyWidth = min(24, max(6, shown.map(\.key.count).max() ?? 6))
            if let champion {
                lines.append(("champion: run \(champion.run.id), approved by \(champion.approval.decidedBy ?? "?") at \(TimeText.time(champion.approval.decidedAt))", .muted))
                lines.append((Cells.fit("SHOWS", keyWidth) + "  " + Cells.right("THIS RUN", 12) + "  " + Cells.right("CHAMPION", 12) + "  " + Cells.right("CHANGE", 10), .bold))
            } else {
                lines.append(("no champion yet: no earlier approved run of this pipeline succeeded", .muted))
                lines.append((Cells.fit("SHOWS", keyWidth) + "  " + Cells.right("THIS RUN", 12), .bold))
            }
            for (key, value) in shown {
                var text = Cells.fit(key, keyWidth) + "  " + Cells.right(ValueText.short(value), 12)
                var style = Style.plain
                if let championFields {
                    let theirs = championFields[key]
                    text += "  " + Cells.right(theirs.map(ValueText.short) ?? "-", 12)
                    if let mine = value.doubleValue, let other = theirs?.doubleValue {
                        let change = mine - other
                        text += "  " + Cells.right((change > 0 ? "+" : "") + TimeText.number(change), 10)
                        if change != 0 { style = Style(.accent) }
                    }
                }
                lines.append((text, style))
            }
        }
        if let rule = gate.rule { lines.append(("auto_approve_if: \(rule)" + (gate.status == .pending ? " (did not hold)" : ""), .muted)) }
        if gate.status == .pending { lines.append(("a approves, r rejects; the comment is stored with the decision", .muted)) }
        for (text, style) in lines.prefix(max(0, area.bottom - line)) {
            canvas.put(text, row: line, col: area.col + 1, style: style, limit: area.width - 1)
            line += 1
        }
    }
}
