/// A key press or terminal event, decoded from the terminal.
public enum Key: Equatable, Sendable {
    case character(Character)
    /// Ctrl plus a letter (`.control("l")` is Ctrl-L).
    case control(Character)
    case up, down, left, right, pageUp, pageDown, home, end
    case enter, escape, backspace, delete, tab, backTab
    /// The window changed size.
    case resize
    /// A left click at a screen position.
    case click(row: Int, col: Int)
    case wheelUp, wheelDown

    /// A short name, for timings and tests.
    public var name: String {
        switch self {
        case .character(let c): return c == " " ? "space" : String(c)
        case .control(let c): return "C-\(c)"
        case .click: return "click"
        default: return "\(self)"
        }
    }
}
