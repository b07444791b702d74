import Foundation
import MLPCore
import MLPStore

/// Runs, newest first, with status, pipeline, start time, duration and step progress.
///
/// Only a window of three screens around the one shown is fetched (``RunQuery/limit`` and
/// ``RunQuery/offset``), so a store with many thousands of runs opens as fast as one with ten,
/// and moving the selection fetches again only when the screen leaves the window.
public final class RunsView: TUIView {
    /// The status filter (nil: every status).
    public private(set) var status: RunStatus?
    /// The pipeline filter (nil: every pipeline).
    public private(set) var pipeline: String?
    /// Runs matching the filters.
    public private(set) var total = 0
    /// The runs fetched: the screen and a screen above and below it, starting at ``pageOffset``.
    public private(set) var page: [RunSummary] = []
    /// The position of ``page``'s first run in the whole list.
    public private(set) var pageOffset = 0
    var cursor = ListCursor()
    var listRows = 1
    /// The filters the count was taken with, to tell new runs from a new filter.
    private var countedFilter: String?

    /// A runs list, optionally filtered from the start.
    public init(status: RunStatus? = nil, pipeline: String? = nil) {
        self.status = status
        self.pipeline = pipeline
    }

    public var title: String {
        var parts = ["Runs (\(total))"]
        if let status { parts.append("status=\(status.rawValue)") }
        if let pipeline { parts.append("pipeline=\(pipeline)") }
        return parts.joined(separator: "  ")
    }

    public var hints: [KeyHint] {
        [KeyHint("↑↓", "move"), KeyHint("⏎", "open"), KeyHint("s", "status"), KeyHint("p", "pipeline"), KeyHint("A", "approvals"), KeyHint("?", "help"), KeyHint("q", "quit")]
    }

    public var keys: [KeyHint] {
        [KeyHint("↑ ↓ j k", "move the selection"), KeyHint("PgUp PgDn", "a page up or down"), KeyHint("g G Home End", "newest, oldest"),
         KeyHint("⏎ →", "open the selected run"), KeyHint("s", "filter by status (cycles)"), KeyHint("p", "filter by pipeline (type a name)"),
         KeyHint("c", "clear the filters")]
    }

    /// The run under the selection.
    public var selectedRun: RunSummary? {
        let index = cursor.selected - pageOffset
        return page.indices.contains(index) ? page[index] : nil
    }

    /// The selected run's position in the whole list.
    public var selectedIndex: Int { cursor.selected }

    private var filterKey: String { "\(status?.rawValue ?? "")|\(pipeline ?? "")" }

    public func reload(_ context: TUIContext, rows: Int) throws {
        listRows = max(1, rows - 1)
        var query = RunQuery(status: status, pipeline: pipeline, limit: listRows, offset: 0)
        let count = try context.store.runCount(query)
        // New runs arrive on top: keep the same run selected unless the newest one is.
        if countedFilter == filterKey, count > total, cursor.selected > 0 {
            cursor.selected += count - total
            cursor.top += count - total
        }
        total = count
        countedFilter = filterKey
        cursor.clamp(count: total, rows: listRows)
        query.offset = max(0, cursor.top - listRows)
        query.limit = listRows * 3
        page = try context.store.runSummaries(query)
        pageOffset = query.offset
    }

    /// Whether every row on screen is in the fetched window.
    var screenIsFetched: Bool {
        let end = min(total, cursor.top + listRows)
        return cursor.top >= pageOffset && end <= pageOffset + page.count
    }

    public func handle(_ key: Key, context: TUIContext) -> ViewAction {
        if cursor.move(key, count: total, rows: listRows) {
            return screenIsFetched ? .redraw : .reload
        }
        switch key {
        case .enter, .right, .character("l"):
            guard let run = selectedRun else { return .redraw }
            return .open(RunView(runID: run.run.id))
        case .click(let row, _):
            // Rows are drawn from the second line of the view's area; the app passes area-relative rows.
            let index = cursor.top + row - 1
            guard row >= 1, index < total else { return .redraw }
            if index == cursor.selected, let run = selectedRun { return .open(RunView(runID: run.run.id)) }
            cursor.selected = index
            return .redraw
        case .character("s"):
            let order: [RunStatus?] = [nil, .running, .waiting, .succeeded, .failed, .rejected, .cancelled, .pending]
            let position = order.firstIndex(where: { $0 == status }) ?? 0
            status = order[(position + 1) % order.count]
            cursor = ListCursor()
            return .reload
        case .character("p"):
            return .prompt(Prompt(label: "pipeline (empty for all): ", text: pipeline ?? "") { [weak self] text, _ in
                let name = text.trimmingCharacters(in: .whitespaces)
                self?.pipeline = name.isEmpty ? nil : name
                self?.cursor = ListCursor()
                return .reload
            })
        case .character("c"):
            status = nil
            pipeline = nil
            cursor = ListCursor()
            return .reload
        default:
            return .unhandled
        }
    }

    /// Column widths for a screen width: pipeline takes what is left.
    struct Columns {
        var status = 10, run = 20, started = 14, took = 7, steps = 7
        var pipeline: Int
        var showStarted: Bool

        init(width: Int) {
            showStarted = width >= 72
            let fixed = 2 + (status + 1) + (run + 1) + (showStarted ? started + 1 : 0) + (took + 1) + steps
            pipeline = max(4, width - fixed - 1)
        }
    }

    public func draw(_ canvas: inout Canvas, in area: Rect, context: TUIContext) {
        let columns = Columns(width: area.width)
        func row(_ cells: [String]) -> String {
            var text = ""
            text += Cells.fit(cells[0], 2)
            text += Cells.fit(cells[1], columns.status) + " "
            text += Cells.fit(cells[2], columns.run) + " "
            text += Cells.fit(cells[3], columns.pipeline) + " "
            if columns.showStarted { text += Cells.fit(cells[4], columns.started) + " " }
            text += Cells.right(cells[5], columns.took) + " "
            text += Cells.right(cells[6], columns.steps)
            return text
        }
        canvas.put(row(["", "STATUS", "RUN", "PIPELINE", "STARTED", "TOOK", "STEPS"]), row: area.row, col: area.col, style: .bold, limit: area.width)
        if total == 0 {
            let filtered = status != nil || pipeline != nil
            canvas.put(filtered ? "no runs match the filters (c clears them)" : "no runs yet: `mlp run` in the project starts one",
                       row: area.row + 2, col: area.col + 2, style: .muted, limit: area.width - 2)
            return
        }
        let now = context.now()
        for index in cursor.top..<min(total, cursor.top + listRows) {
            let line = area.row + 1 + index - cursor.top
            guard line < area.bottom, page.indices.contains(index - pageOffset) else { break }
            let summary = page[index - pageOffset]
            let run = summary.run
            let selected = index == cursor.selected
            let tone = Glyphs.tone(run.status)
            let progress = summary.total > 0 ? "\(summary.finished)/\(summary.total)" : "-"
            let text = row([context.glyphs.symbol(run.status), run.status.rawValue, run.id, run.pipeline,
                            TimeText.time(run.startedAt ?? run.createdAt), TimeText.duration(from: run.startedAt, to: run.finishedAt, now: now), progress])
            if selected {
                canvas.fill(row: line, col: area.col, width: area.width, style: .selected)
                canvas.put(text, row: line, col: area.col, style: .selected, limit: area.width)
            } else {
                canvas.put(text, row: line, col: area.col, limit: area.width)
                canvas.restyle(row: line, col: area.col, width: 2 + columns.status, style: Style(tone, bold: tone == .bad))
            }
        }
    }
}
