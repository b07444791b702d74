import Foundation
import MLPCore
import MLPStore

/// A step's log: the tail of its stdout and stderr, following as they grow, with scrolling and search.
public final class LogView: TUIView {
    /// Which of the step's output files are shown.
    public enum Streams: String { case both = "stdout+stderr", stdout, stderr }

    /// The run the step belongs to.
    public let runID: String
    /// The step (or fan-out item) whose log this is.
    public let stepID: Int64
    /// `train` or `shard[3]`.
    public let stepName: String
    /// The step as last fetched.
    public private(set) var step: StepRecord?
    /// The step's attempts, oldest first.
    public private(set) var attempts: [AttemptRecord] = []
    /// The attempt shown; nil for the latest.
    public private(set) var attemptNumber: Int?
    /// The shown attempt's output read so far.
    public private(set) var buffer = LogBuffer()
    /// Whether the view sticks to the end as the log grows.
    public private(set) var following = true
    /// Which streams are shown.
    public private(set) var streams: Streams = .both
    /// The last search (`/`), matched case-insensitively.
    public private(set) var search: String?
    /// Columns scrolled off the left edge (`>` and `<`), for lines wider than the screen.
    private(set) var column = 0
    /// The first line on screen, in ``visible``.
    public private(set) var top = 0
    private var bufferAttemptID: Int64?
    private var visibleCache: [LogBuffer.Line]?
    var textRows = 1

    /// The log of one step of a run, following its latest attempt.
    public init(runID: String, stepID: Int64, stepName: String) {
        self.runID = runID
        self.stepID = stepID
        self.stepName = stepName
    }

    public var title: String { "Log \(stepName) · run \(runID)" }

    public var hints: [KeyHint] {
        [KeyHint("↑↓", "scroll"), KeyHint("G", "follow"), KeyHint("/", "search"), KeyHint("n N", "next/prev"), KeyHint("t", streams == .both ? "stdout" : (streams == .stdout ? "stderr" : "both")),
         KeyHint("esc", "back"), KeyHint("?", "help")]
    }

    public var keys: [KeyHint] {
        [KeyHint("↑ ↓ j k", "scroll a line (scrolling up stops following)"), KeyHint("PgUp PgDn", "scroll a page"),
         KeyHint("g Home", "the first line"), KeyHint("G End", "the last line, and follow the log as it grows"),
         KeyHint("f", "follow on or off"), KeyHint("/", "search (case-insensitive)"), KeyHint("n N", "next, previous match"),
         KeyHint("t", "show stdout and stderr, stdout only, stderr only"), KeyHint("[ ]", "an earlier or later attempt"),
         KeyHint("> <", "scroll right or left, for long lines"),
         KeyHint("esc h", "back to the run")]
    }

    /// The attempt on screen.
    public var attempt: AttemptRecord? {
        guard let attemptNumber else { return attempts.last }
        return attempts.first { $0.number == attemptNumber }
    }

    /// The lines the stream choice lets through.
    public var visible: [LogBuffer.Line] {
        if let visibleCache { return visibleCache }
        let lines: [LogBuffer.Line]
        switch streams {
        case .both: lines = buffer.lines
        case .stdout: lines = buffer.lines.filter { !$0.isError }
        case .stderr: lines = buffer.lines.filter(\.isError)
        }
        visibleCache = lines
        return lines
    }

    public func reload(_ context: TUIContext, rows: Int) throws {
        textRows = max(1, rows - 1)
        step = try context.store.step(id: stepID)
        attempts = try context.store.attempts(stepID: stepID)
        if let attempt {
            if attempt.id != bufferAttemptID {
                buffer = LogBuffer()
                bufferAttemptID = attempt.id
                visibleCache = nil
            }
            var grew = false
            if let readLog = context.readLog, let id = attempt.id {
                if attempt.stdoutPath != nil { grew = buffer.poll(source: "stdout", isError: false) { readLog(id, "stdout", $0) } || grew }
                if attempt.stderrPath != nil { grew = buffer.poll(source: "stderr", isError: true) { readLog(id, "stderr", $0) } || grew }
            } else {
                if let path = attempt.stdoutPath { grew = buffer.poll(path, isError: false) || grew }
                if let path = attempt.stderrPath { grew = buffer.poll(path, isError: true) || grew }
            }
            if attempt.outcome != .running {
                let before = buffer.lines.count
                buffer.flushPartials(errorPaths: Set(context.readLog != nil ? ["stderr"] : [attempt.stderrPath].compactMap { $0 }))
                grew = grew || buffer.lines.count != before
            }
            if grew { visibleCache = nil }
        }
        clampTop()
    }

    private func clampTop() {
        let count = visible.count
        if following { top = max(0, count - textRows) }
        top = max(0, min(top, max(0, count - textRows)))
    }

    public func handle(_ key: Key, context: TUIContext) -> ViewAction {
        switch key {
        case .up, .character("k"), .wheelUp: scroll(to: top - 1)
        case .down, .character("j"), .wheelDown: scroll(to: top + 1)
        case .pageUp, .control("b"): scroll(to: top - max(1, textRows - 1))
        case .pageDown, .control("f"), .character(" "): scroll(to: top + max(1, textRows - 1))
        case .home, .character("g"): scroll(to: 0)
        case .end, .character("G"):
            following = true
            clampTop()
        case .character(">"):
            column += 16
        case .character("<"):
            column = max(0, column - 16)
        case .character("f"):
            following.toggle()
            clampTop()
        case .character("t"):
            streams = streams == .both ? .stdout : (streams == .stdout ? .stderr : .both)
            visibleCache = nil
            clampTop()
        case .character("["), .character("]"):
            guard let current = attempt, !attempts.isEmpty else { return .redraw }
            let next = current.number + (key == .character("[") ? -1 : 1)
            guard attempts.contains(where: { $0.number == next }) else { return .message("no attempt \(next)") }
            attemptNumber = next == attempts.last?.number ? nil : next
            return .reload
        case .character("/"):
            return .prompt(Prompt(label: "search: ", text: search ?? "") { [weak self] text, _ in
                guard let self else { return .redraw }
                self.search = text.isEmpty ? nil : text
                guard !text.isEmpty else { return .redraw }
                return self.findMatch(from: self.top, forward: true) ? .redraw : .message("not found: \(text)")
            })
        case .character("n"), .character("N"):
            guard let search else { return .message("no search yet: / searches") }
            let forward = key == .character("n")
            return findMatch(from: top + (forward ? 1 : -1), forward: forward) ? .redraw : .message("no more matches for \(search)")
        default:
            return .unhandled
        }
        return .redraw
    }

    private func scroll(to line: Int) {
        let last = max(0, visible.count - textRows)
        top = max(0, min(line, last))
        // Scrolling to the very end follows again; anything else pauses.
        following = top >= last && line >= last
    }

    /// Moves to the next (or previous) line containing the search; returns whether one exists.
    @discardableResult
    func findMatch(from start: Int, forward: Bool) -> Bool {
        guard let search, !search.isEmpty else { return false }
        let lines = visible
        let indices: [Int] = forward ? Array(max(0, start)..<lines.count) : Array((0...min(start, lines.count - 1)).reversed())
        guard let found = indices.first(where: { lines[$0].text.range(of: search, options: .caseInsensitive) != nil }) else { return false }
        following = false
        top = max(0, min(found, max(0, lines.count - textRows)))
        if found < top || found >= top + textRows { top = found }
        return true
    }

    public func draw(_ canvas: inout Canvas, in area: Rect, context: TUIContext) {
        let lines = visible
        var header = "\(stepName)"
        if let attempt {
            header += " · attempt \(attempt.number)/\(attempts.count) \(attempt.outcome.rawValue)"
        } else if let step {
            header += " · \(step.status.rawValue), no attempt yet"
        }
        header += " · \(streams.rawValue)"
        if column > 0 { header += " · from column \(column + 1)" }
        let position = lines.isEmpty ? "empty" : "lines \(top + 1)-\(min(lines.count, top + textRows)) of \(lines.count)"
        header += " · \(position) · " + (following ? "following" : "paused (G follows)")
        if let search { header += " · /\(search)" }
        if buffer.truncated { header += " · start cut" }
        canvas.fill(row: area.row, col: area.col, width: area.width, style: Style(.accent))
        canvas.put(header, row: area.row, col: area.col, style: Style(.accent, bold: true), limit: area.width)
        if attempt == nil {
            let note: String
            if let step, step.kind == "approval" {
                note = "an approval gate writes no log" + (step.status == .waiting ? "; it waits for a decision (A opens the approvals queue)" : "")
            } else if let step {
                note = step.status.isFinished ? "the step ended without running (\(step.status.rawValue))" : "waiting for the step to start…"
            } else {
                note = "no such step"
            }
            canvas.put(note, row: area.row + 2, col: area.col + 2, style: .muted, limit: area.width - 2)
            return
        }
        if attempt?.stdoutPath == nil {
            canvas.put("this step runs inside mlp (\(step?.kind ?? "?")) and writes no log", row: area.row + 2, col: area.col + 2, style: .muted, limit: area.width - 2)
            return
        }
        for (offset, line) in lines.dropFirst(top).prefix(textRows).enumerated() {
            let row = area.row + 1 + offset
            let text = column > 0 ? String(line.text.dropFirst(column)) : line.text
            canvas.put(text, row: row, col: area.col, style: line.isError ? Style(.bad) : .plain, limit: area.width)
            if let search, !search.isEmpty {
                var from = text.startIndex
                while let range = text.range(of: search, options: .caseInsensitive, range: from..<text.endIndex) {
                    let start = text.distance(from: text.startIndex, to: range.lowerBound)
                    let length = text.distance(from: range.lowerBound, to: range.upperBound)
                    if start < area.width { canvas.restyle(row: row, col: area.col + start, width: min(length, area.width - start), style: .match) }
                    from = range.upperBound
                }
            }
        }
    }
}
