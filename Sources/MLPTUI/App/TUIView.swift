import Foundation
import MLPCore
import MLPStore

/// A key and what it does, for the help bar and the `?` page.
public struct KeyHint: Sendable, Equatable {
    public var keys: String
    public var action: String
    public init(_ keys: String, _ action: String) {
        self.keys = keys
        self.action = action
    }
}

/// A line of text typed at the bottom of the screen (a comment, a search, a filter).
public struct Prompt {
    public var label: String
    public var text: String
    /// Called with the typed text when Enter is pressed.
    public var submit: (String, TUIContext) -> ViewAction

    /// A prompt showing `label`, starting with `text` typed.
    public init(label: String, text: String = "", submit: @escaping (String, TUIContext) -> ViewAction) {
        self.label = label
        self.text = text
        self.submit = submit
    }
}

/// What a view asks of the app after a key.
public enum ViewAction {
    /// Nothing to do but draw again.
    case redraw
    /// Fetch the view's data again, then draw.
    case reload
    case open(TUIView)
    case back
    case quit
    case prompt(Prompt)
    case message(String)
    case error(String)
    /// Not a key of this view: the app tries its global keys.
    case unhandled
}

/// What every view reads through: the store, who decides, and how to draw states.
public final class TUIContext {
    /// The only way views reach data: the same protocol the CLI uses, so a remote store can stand in.
    public let store: any MetadataStore
    /// Recorded with approve and reject decisions.
    public let user: String
    /// Symbols for states; ASCII when the terminal is not UTF-8.
    public var glyphs: Glyphs
    /// The clock, replaceable in tests.
    public var now: () -> Double
    /// Called after a decision is stored; returns a line for the status bar (the CLI uses it to
    /// say whether a process drives the run, or to start one).
    public var afterDecision: ((ApprovalRecord) -> String?)?
    /// Each step's upstream steps, read from the pipeline text a run recorded (the CLI parses
    /// it); without it the run view shows no edges.
    public var dependencies: ((RunRecord) -> [String: [String]])?
    /// Where logs are read when they are not files here (a shared server's store): the bytes of
    /// an attempt's `stdout` or `stderr` from an offset. Nil: the attempt's log files are read.
    public var readLog: ((_ attemptID: Int64, _ stream: String, _ offset: UInt64) -> Data)?

    /// A context over a store; `user` is recorded with decisions.
    public init(store: any MetadataStore, user: String, glyphs: Glyphs = Glyphs(), now: @escaping () -> Double = { Date().timeIntervalSince1970 },
                afterDecision: ((ApprovalRecord) -> String?)? = nil, dependencies: ((RunRecord) -> [String: [String]])? = nil) {
        self.store = store
        self.user = user
        self.glyphs = glyphs
        self.now = now
        self.afterDecision = afterDecision
        self.dependencies = dependencies
    }
}

/// One screen of the TUI. Views hold their own state, fetch through ``TUIContext/store`` in
/// ``reload(_:rows:)`` and draw into a ``Canvas``, so they are testable without a terminal.
public protocol TUIView: AnyObject {
    /// Shown in the title bar.
    var title: String { get }
    /// The few keys shown in the help bar.
    var hints: [KeyHint] { get }
    /// Every key of the view, for the `?` page.
    var keys: [KeyHint] { get }
    /// Fetches what the view shows; `rows` is the height of the view's area.
    func reload(_ context: TUIContext, rows: Int) throws
    func draw(_ canvas: inout Canvas, in area: Rect, context: TUIContext)
    func handle(_ key: Key, context: TUIContext) -> ViewAction
}

/// Moving a selection through a list with the usual keys.
struct ListCursor: Equatable {
    var selected = 0
    var top = 0

    /// Applies a movement key; returns false for keys that are not movement.
    mutating func move(_ key: Key, count: Int, rows: Int) -> Bool {
        let page = max(1, rows - 1)
        switch key {
        case .up, .character("k"), .wheelUp: selected -= 1
        case .down, .character("j"), .wheelDown: selected += 1
        case .pageUp, .control("b"): selected -= page
        case .pageDown, .control("f"), .character(" "): selected += page
        case .home, .character("g"): selected = 0
        case .end, .character("G"): selected = count - 1
        default: return false
        }
        clamp(count: count, rows: rows)
        return true
    }

    /// Keeps the selection inside the list and on screen.
    mutating func clamp(count: Int, rows: Int) {
        selected = max(0, min(selected, count - 1))
        let rows = max(1, rows)
        if selected < top { top = selected }
        if selected >= top + rows { top = selected - rows + 1 }
        top = max(0, min(top, max(0, count - rows)))
    }
}
