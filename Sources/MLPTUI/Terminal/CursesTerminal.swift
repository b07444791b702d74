import CNcurses
import Foundation

/// The real terminal, through ncurses: reads keys and copies a ``Canvas`` to the screen.
final class CursesTerminal {
    let colors: Bool
    let unicode: Bool
    private var pairs: [Tone: Int32] = [:]

    /// Enters curses mode. Colours are off when NO_COLOR is set (and not empty) or the terminal
    /// has none; the mouse is read only when `mouse` is true (it takes over the terminal's own
    /// text selection).
    init(environment: [String: String], mouse: Bool) {
        setlocale(LC_ALL, "")
        unicode = mlp_locale_is_utf8() != 0
        TerminalGuard.install()
        // A short Esc delay: Esc alone means "back", not the start of a key sequence.
        if environment["ESCDELAY"] == nil { setenv("ESCDELAY", "25", 1) }
        initscr()
        TerminalGuard.active = 1
        cbreak()
        noecho()
        nonl()
        keypad(stdscr, true)
        curs_set(0)
        if mouse { _ = mlp_enable_mouse() }
        let noColor = environment["NO_COLOR"].map { !$0.isEmpty } ?? false
        colors = !noColor && has_colors()
        if colors {
            start_color()
            use_default_colors()
            let table: [(Tone, Int32)] = [(.accent, Int32(COLOR_CYAN)), (.good, Int32(COLOR_GREEN)), (.bad, Int32(COLOR_RED)),
                                          (.warn, Int32(COLOR_YELLOW)), (.active, Int32(COLOR_BLUE)), (.muted, -1)]
            for (number, entry) in table.enumerated() {
                let pair = Int32(number + 1)
                init_pair(Int16(pair), Int16(entry.1), -1)
                pairs[entry.0] = pair
            }
        }
    }

    var width: Int { Int(COLS) }
    var height: Int { Int(LINES) }

    /// Leaves curses mode and puts the terminal back.
    func close() { TerminalGuard.restore() }

    /// Waits up to `milliseconds` for a key; nil when none came.
    func readKey(timeout milliseconds: Int32) -> Key? {
        timeout(milliseconds)
        var character: wint_t = 0
        let result = get_wch(&character)
        if result == ERR { return nil }
        if result == KEY_CODE_YES { return functionKey(Int32(character)) }
        return Self.decode(UInt32(character))
    }

    /// A character from the keyboard: control codes as their keys.
    static func decode(_ code: UInt32) -> Key? {
        switch code {
        case 3: return .control("c")
        case 9: return .tab
        case 10, 13: return .enter
        case 27: return .escape
        case 8, 127: return .backspace
        case 1...26: return .control(Character(UnicodeScalar(code + 96)!))
        default:
            guard let scalar = UnicodeScalar(code) else { return nil }
            return .character(Character(scalar))
        }
    }

    private func functionKey(_ code: Int32) -> Key? {
        switch code {
        case mlp_key_up(): return .up
        case mlp_key_down(): return .down
        case mlp_key_left(): return .left
        case mlp_key_right(): return .right
        case mlp_key_home(): return .home
        case mlp_key_end(): return .end
        case mlp_key_ppage(): return .pageUp
        case mlp_key_npage(): return .pageDown
        case mlp_key_enter(): return .enter
        case mlp_key_backspace(): return .backspace
        case mlp_key_dc(): return .delete
        case mlp_key_btab(): return .backTab
        case mlp_key_resize(): return .resize
        case mlp_key_mouse():
            var row: Int32 = 0
            var col: Int32 = 0
            switch mlp_mouse_event(&row, &col) {
            case 1: return .click(row: Int(row), col: Int(col))
            case 4: return .wheelUp
            case 5: return .wheelDown
            default: return nil
            }
        default: return nil
        }
    }

    private func attributes(_ style: Style) -> Int32 {
        var value = mlp_attr_normal()
        if style.bold { value |= mlp_attr_bold() }
        if style.reverse { value |= mlp_attr_reverse() }
        if style.underline { value |= mlp_attr_underline() }
        if style.tone == .muted, !colors { return value }
        if style.tone == .muted { value |= mlp_attr_dim() }
        if colors, let pair = pairs[style.tone], style.tone != .muted { value |= mlp_color_pair(pair) }
        return value
    }

    /// Copies the canvas to the screen; ncurses sends only what changed.
    func present(_ canvas: Canvas, clearFirst: Bool) {
        if clearFirst { clearok(stdscr, true) }
        for row in 0..<min(canvas.height, height) {
            for run in canvas.runs(row: row) {
                attrset(attributes(run.style))
                var text = run.text
                // The bottom-right cell cannot be written without scrolling on some terminals.
                if row == height - 1, run.col + text.count >= width { text = String(text.prefix(max(0, width - 1 - run.col))) }
                mvaddstr(Int32(row), Int32(run.col), text)
            }
        }
        attrset(mlp_attr_normal())
        refresh()
    }
}
