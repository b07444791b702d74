import MLPCore
import Testing
@testable import MLPTUI

@Suite struct CanvasTests {
    @Test func putClipsToWidthAndLimit() {
        var canvas = Canvas(width: 10, height: 2)
        let written = canvas.put("hello world", row: 0, col: 2)
        #expect(written == 8)
        #expect(canvas.line(0) == "  hello wo")
        canvas.put("abcdef", row: 1, col: 0, limit: 3)
        #expect(canvas.line(1) == "abc")
        // Off the canvas: nothing happens.
        let outside = canvas.put("x", row: 5, col: 0)
        #expect(outside == 0)
    }

    @Test func controlCharactersAreShownAsEscapes() {
        var canvas = Canvas(width: 8, height: 1)
        canvas.put("a\u{1B}b\tc", row: 0, col: 0)
        #expect(canvas.line(0) == "a^[b^Ic")
    }

    /// A C1 control (U+009B is CSI on many terminals) and an ESC fused with a combining mark into
    /// one character reached the terminal raw when only ASCII controls were blanked.
    @Test func noControlScalarReachesTheTerminal() {
        var canvas = Canvas(width: 40, height: 1)
        canvas.put("x\u{9B}2Jy\u{1B}\u{301}]0;title\u{07}z", row: 0, col: 0)
        let scalars = canvas.cells.flatMap { $0.character.unicodeScalars }
        #expect(!scalars.contains { TerminalText.isControl($0) })
        #expect(canvas.line(0).unicodeScalars.starts(with: "x<9b>2Jy^[".unicodeScalars))
    }

    @Test func terminalTextKeepsNewlinesOnlyWhereAsked() {
        #expect(TerminalText.shown("a\u{1B}]0;pwned\u{07}\nb\tc") == "a^[]0;pwned^G\nb\tc")
        #expect(TerminalText.oneLine("evil\nname\u{7F}") == "evil^Jname^?")
        #expect(TerminalText.shown("plain ✓ text") == "plain ✓ text")
    }

    @Test func runsGroupCellsOfOneStyle() {
        var canvas = Canvas(width: 6, height: 1)
        canvas.put("ab", row: 0, col: 0, style: .bold)
        canvas.put("cd", row: 0, col: 2, style: .selected)
        let runs = canvas.runs(row: 0)
        #expect(runs.map(\.text) == ["ab", "cd", "  "])
        #expect(runs.map(\.col) == [0, 2, 4])
        #expect(runs[1].style == .selected)
    }

    @Test func cellsFitAndAlign() {
        #expect(Cells.fit("abc", 5) == "abc  ")
        #expect(Cells.fit("abcdef", 4) == "abc…")
        #expect(Cells.right("7", 3) == "  7")
        #expect(Cells.clip("abcdef", 3) == "ab…")
    }

    @Test func listCursorKeepsSelectionOnScreen() {
        var cursor = ListCursor()
        let moved = cursor.move(.down, count: 100, rows: 10)
        #expect(moved)
        #expect(cursor.selected == 1 && cursor.top == 0)
        _ = cursor.move(.pageDown, count: 100, rows: 10)
        #expect(cursor.selected == 10 && cursor.top == 1)
        _ = cursor.move(.end, count: 100, rows: 10)
        #expect(cursor.selected == 99 && cursor.top == 90)
        _ = cursor.move(.home, count: 100, rows: 10)
        #expect(cursor.selected == 0 && cursor.top == 0)
        _ = cursor.move(.up, count: 100, rows: 10)
        #expect(cursor.selected == 0)
        let other = cursor.move(.character("x"), count: 100, rows: 10)
        #expect(!other)
    }

    @Test func glyphsFallBackToASCII() {
        let ascii = Glyphs(unicode: false)
        #expect(ascii.symbol(StepStatus.succeeded) == "+")
        #expect(ascii.symbol(StepStatus.running) == ">")
        #expect(Glyphs().symbol(StepStatus.succeeded) == "✓")
        #expect(TimeText.duration(65) == "1m05s")
        #expect(TimeText.number(0.9123456) == "0.9123")
        #expect(TimeText.number(3) == "3")
    }
}


@Suite struct KeyDecodingTests {
    @Test func controlCodesBecomeKeys() {
        #expect(CursesTerminal.decode(27) == .escape)
        #expect(CursesTerminal.decode(13) == .enter)
        #expect(CursesTerminal.decode(127) == .backspace)
        #expect(CursesTerminal.decode(9) == .tab)
        #expect(CursesTerminal.decode(3) == .control("c"))
        #expect(CursesTerminal.decode(12) == .control("l"))
        #expect(CursesTerminal.decode(0x61) == .character("a"))
        #expect(CursesTerminal.decode(0xE9) == .character("é"))
    }
}
