import Foundation
import MLPCore
import MLPStore

/// The TUI without the terminal: a stack of views, the prompt, the status line and the help
/// page. The terminal loop feeds it keys and ticks and draws what ``render(width:height:)`` returns.
public final class TUIApp {
    /// The store and settings every view reads through.
    public let context: TUIContext
    /// The open views; the last one is on screen.
    public private(set) var stack: [TUIView]
    /// The line being typed, if any.
    public private(set) var prompt: Prompt?
    /// What the status line says until the next key.
    public private(set) var message: (text: String, isError: Bool)?
    /// Whether the `?` page is up.
    public private(set) var showingHelp = false
    /// Set when the user quits.
    public private(set) var finished = false
    /// The last size drawn, so views fetch for the rows they have.
    public private(set) var size: (width: Int, height: Int) = (0, 0)

    /// An app showing `root`, with `opening` (if any) open on top of it.
    public init(context: TUIContext, root: TUIView = RunsView(), opening: TUIView? = nil) {
        self.context = context
        stack = [root] + (opening.map { [$0] } ?? [])
    }

    /// The view on screen.
    public var top: TUIView { stack[stack.count - 1] }

    /// Rows of the view's area for a screen height: title bar, status line and help bar take three.
    static func bodyRows(_ height: Int) -> Int { max(1, height - 3) }

    static let minimumSize = (width: 40, height: 8)

    /// Fetches the top view's data again; a store error goes to the status line.
    public func refresh() {
        do {
            try top.reload(context, rows: Self.bodyRows(size.height))
        } catch {
            message = ("cannot read the store: \(error)", true)
        }
    }

    /// Sets the screen size; returns whether it changed.
    @discardableResult
    public func resize(width: Int, height: Int) -> Bool {
        guard size.width != width || size.height != height else { return false }
        size = (width, height)
        refresh()
        return true
    }

    static let globalKeys = [
        KeyHint("?", "this help (any key closes it)"), KeyHint("A", "the approvals queue"), KeyHint("R", "the runs list"),
        KeyHint("q", "back; quit from the runs list"), KeyHint("Q  Ctrl-C", "quit"), KeyHint("Ctrl-L", "redraw the screen"),
        KeyHint("mouse", "wheel scrolls, click selects (click again opens)"),
    ]

    /// Handles one key.
    public func handle(_ key: Key) {
        if key == .resize { return }
        if showingHelp {
            showingHelp = false
            return
        }
        if var prompt {
            switch key {
            case .escape:
                self.prompt = nil
                message = ("cancelled", false)
            case .enter:
                self.prompt = nil
                apply(prompt.submit(prompt.text, context))
            case .backspace, .delete:
                if !prompt.text.isEmpty { prompt.text.removeLast() }
                self.prompt = prompt
            case .control("u"):
                prompt.text = ""
                self.prompt = prompt
            case .character(let character):
                prompt.text.append(character)
                self.prompt = prompt
            default:
                break
            }
            return
        }
        message = nil
        var key = key
        // Views get clicks relative to their area, which starts below the title bar.
        if case .click(let row, let col) = key { key = .click(row: row - 1, col: col) }
        let action = top.handle(key, context: context)
        if case .unhandled = action { globalKey(key) } else { apply(action) }
    }

    private func globalKey(_ key: Key) {
        switch key {
        case .character("?"): showingHelp = true
        case .character("q"), .escape, .backspace, .left, .character("h"):
            if stack.count > 1 {
                apply(.back)
            } else if key == .character("q") {
                finished = true
            }
        case .character("Q"), .control("c"): finished = true
        case .character("A"):
            if !(top is ApprovalsView) { apply(.open(ApprovalsView())) }
        case .character("R"):
            stack.removeSubrange(1...)
            refresh()
        default:
            break
        }
    }

    func apply(_ action: ViewAction) {
        switch action {
        case .redraw, .unhandled: break
        case .reload: refresh()
        case .open(let view):
            stack.append(view)
            refresh()
        case .back:
            if stack.count > 1 { stack.removeLast() }
            refresh()
        case .quit: finished = true
        case .prompt(let prompt): self.prompt = prompt
        case .message(let text):
            message = (text, false)
            refresh()
        case .error(let text):
            message = (text, true)
        }
    }

    /// Draws the whole screen.
    public func render(width: Int, height: Int) -> Canvas {
        if size.width != width || size.height != height { resize(width: width, height: height) }
        var canvas = Canvas(width: width, height: height)
        guard width >= Self.minimumSize.width, height >= Self.minimumSize.height else {
            canvas.put("window too small (\(width)x\(height)); mlp tui needs \(Self.minimumSize.width)x\(Self.minimumSize.height)", row: 0, col: 0, limit: width)
            canvas.put("q quits", row: min(1, height - 1), col: 0, limit: width)
            return canvas
        }
        // Title bar: where you are.
        canvas.fill(row: 0, style: .bar)
        // Views under the top one are not refreshed: their titles lose their counts.
        let path = (stack.dropLast().map { $0.title.components(separatedBy: " (")[0] } + [top.title]).joined(separator: " › ")
        let used = canvas.put(" mlp · ", row: 0, col: 0, style: Style(.plain, bold: true, reverse: true))
        canvas.put(path, row: 0, col: used, style: .bar, limit: width - used - 10)
        canvas.put(Cells.right(TimeText.time(context.now()).suffix(8).description, 9), row: 0, col: width - 9, style: .bar)

        let area = Rect(row: 1, col: 0, width: width, height: Self.bodyRows(height))
        if showingHelp {
            drawHelp(&canvas, area)
        } else {
            top.draw(&canvas, in: area, context: context)
        }

        // Status line: a prompt, a message, or nothing.
        let statusRow = height - 2
        if let prompt {
            let shown = canvas.put(prompt.label, row: statusRow, col: 0, style: Style(.accent, bold: true))
            let room = width - shown - 1
            let text = prompt.text.count > room ? String(prompt.text.suffix(room)) : prompt.text
            let typed = canvas.put(text, row: statusRow, col: shown)
            canvas.put("▏", row: statusRow, col: shown + typed, style: Style(.accent, bold: true))
        } else if let message {
            canvas.put(message.text, row: statusRow, col: 0, style: message.isError ? Style(.bad, bold: true) : Style(.good), limit: width)
        }

        // Help bar: the keys that matter here.
        canvas.fill(row: height - 1, style: .bar)
        let hints = showingHelp ? [KeyHint("any key", "close help")] : (prompt != nil ? [KeyHint("⏎", "confirm"), KeyHint("esc", "cancel"), KeyHint("C-u", "clear")] : top.hints)
        var column = 0
        for hint in hints {
            guard column + hint.keys.count + hint.action.count + 3 <= width else { break }
            column += canvas.put(" \(hint.keys)", row: height - 1, col: column, style: Style(.plain, bold: true, reverse: true))
            column += canvas.put(" \(hint.action) ", row: height - 1, col: column, style: .bar)
        }
        return canvas
    }

    private func drawHelp(_ canvas: inout Canvas, _ area: Rect) {
        var line = area.row
        func section(_ title: String, _ keys: [KeyHint]) {
            guard line < area.bottom else { return }
            canvas.put(title, row: line, col: area.col + 1, style: Style(.accent, bold: true), limit: area.width - 1)
            line += 1
            for hint in keys where line < area.bottom {
                canvas.put(Cells.fit(hint.keys, 16), row: line, col: area.col + 3, style: .bold, limit: area.width - 3)
                canvas.put(hint.action, row: line, col: area.col + 20, limit: area.width - 20)
                line += 1
            }
            line += 1
        }
        section("Keys here (\(top.title))", top.keys)
        section("Everywhere", Self.globalKeys)
        // The states legend, wrapped to the width.
        var text = "States:"
        for status in StepStatus.allCases {
            let entry = "\(context.glyphs.symbol(status)) \(status.rawValue)"
            if text.count + 2 + entry.count > area.width - 2, line < area.bottom {
                canvas.put(text, row: line, col: area.col + 1, style: .muted, limit: area.width - 1)
                line += 1
                text = "       "
            }
            text += "  " + entry
        }
        if line < area.bottom { canvas.put(text, row: line, col: area.col + 1, style: .muted, limit: area.width - 1) }
    }
}
