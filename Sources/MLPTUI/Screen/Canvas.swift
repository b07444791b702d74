/// A colour role; the terminal maps each to a colour, or to nothing under NO_COLOR.
public enum Tone: Int, Sendable, CaseIterable {
    case plain, accent, good, bad, warn, active, muted
}

/// How a cell is drawn.
public struct Style: Hashable, Sendable {
    /// The colour role.
    public var tone: Tone
    /// Bold (or bright) text.
    public var bold: Bool
    /// Reverse video: bars and the selected row.
    public var reverse: Bool
    /// Underlined: pane separators.
    public var underline: Bool

    /// A style: a tone plus attributes.
    public init(_ tone: Tone = .plain, bold: Bool = false, reverse: Bool = false, underline: Bool = false) {
        self.tone = tone
        self.bold = bold
        self.reverse = reverse
        self.underline = underline
    }

    /// Ordinary text.
    public static let plain = Style()
    /// Headings.
    public static let bold = Style(bold: true)
    /// Secondary text.
    public static let muted = Style(.muted)
    /// Title and help bars.
    public static let bar = Style(reverse: true)
    /// The selected row.
    public static let selected = Style(.accent, bold: true, reverse: true)
    /// A search match in a log.
    public static let match = Style(.warn, bold: true, reverse: true)

    /// The same style with reverse video on (a selected row keeps its tone).
    public var reversed: Style {
        var copy = self
        copy.reverse = true
        return copy
    }
}

/// A rectangle of the screen, in cells.
public struct Rect: Equatable, Sendable {
    public var row: Int
    public var col: Int
    public var width: Int
    public var height: Int

    /// A rectangle; a negative size counts as zero.
    public init(row: Int, col: Int, width: Int, height: Int) {
        self.row = row
        self.col = col
        self.width = max(0, width)
        self.height = max(0, height)
    }

    /// The first row below the rectangle.
    public var bottom: Int { row + height }
}

/// An in-memory screen: views draw into it, the terminal copies it out.
///
/// Keeping views off the terminal lets tests draw a view and read its text back. Every
/// character takes one cell; control characters (C0, DEL, C1; `\n` and `\t` too) are shown as
/// visible escapes (``TerminalText/oneLine(_:)``), never sent to the terminal.
public struct Canvas: Sendable {
    /// One character cell and its style.
    public struct Cell: Equatable, Sendable {
        public var character: Character
        public var style: Style
    }

    /// Columns.
    public let width: Int
    /// Rows.
    public let height: Int
    /// The cells, row after row.
    public private(set) var cells: [Cell]

    /// A blank canvas.
    public init(width: Int, height: Int) {
        self.width = max(0, width)
        self.height = max(0, height)
        cells = Array(repeating: Cell(character: " ", style: .plain), count: self.width * self.height)
    }

    /// The whole canvas as a rectangle.
    public var bounds: Rect { Rect(row: 0, col: 0, width: width, height: height) }

    /// Writes `text` at a position, clipped to `limit` cells (and to the canvas); returns the cells written.
    @discardableResult
    public mutating func put(_ text: String, row: Int, col: Int, style: Style = .plain, limit: Int? = nil) -> Int {
        guard row >= 0, row < height, col < width else { return 0 }
        let end = min(width, limit.map { col + max(0, $0) } ?? width)
        var column = col
        for character in TerminalText.oneLine(text) {
            if column >= end { break }
            if column >= 0 {
                cells[row * width + column] = Cell(character: character, style: style)
            }
            column += 1
        }
        return max(0, column - col)
    }

    /// Fills part of a row (the whole row by default) with spaces in a style.
    public mutating func fill(row: Int, col: Int = 0, width count: Int? = nil, style: Style) {
        guard row >= 0, row < height else { return }
        let end = min(width, count.map { col + $0 } ?? width)
        var column = max(0, col)
        while column < end {
            cells[row * width + column] = Cell(character: " ", style: style)
            column += 1
        }
    }

    /// Restyles cells without changing their characters.
    public mutating func restyle(row: Int, col: Int, width count: Int, style: Style) {
        guard row >= 0, row < height else { return }
        for column in max(0, col)..<min(width, col + max(0, count)) {
            cells[row * width + column].style = style
        }
    }

    /// The cell at a position (which must be on the canvas).
    public func cell(row: Int, col: Int) -> Cell { cells[row * width + col] }

    /// One row's text, trailing spaces removed.
    public func line(_ row: Int) -> String {
        guard row >= 0, row < height else { return "" }
        var text = String(cells[(row * width)..<(row * width + width)].map(\.character))
        while text.last == " " { text.removeLast() }
        return text
    }

    /// The whole canvas as text, one line per row.
    public var text: String { (0..<height).map(line).joined(separator: "\n") }

    /// Runs of equal style in a row, for the terminal to draw: start column, text, style.
    public func runs(row: Int) -> [(col: Int, text: String, style: Style)] {
        var result: [(col: Int, text: String, style: Style)] = []
        var start = 0
        var current = ""
        var style = width > 0 ? cells[row * width].style : .plain
        for column in 0..<width {
            let cell = cells[row * width + column]
            if cell.style != style {
                result.append((start, current, style))
                start = column
                current = ""
                style = cell.style
            }
            current.append(cell.character)
        }
        if width > 0 { result.append((start, current, style)) }
        return result
    }
}

/// Text helpers for fixed-width columns.
public enum Cells {
    /// `text` cut or padded to exactly `width` cells; a cut ends with `…`.
    public static func fit(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        let count = text.count
        if count == width { return text }
        if count < width { return text + String(repeating: " ", count: width - count) }
        return String(text.prefix(width - 1)) + "…"
    }

    /// `text` cut to at most `width` cells, with `…` when cut.
    public static func clip(_ text: String, _ width: Int) -> String {
        guard width > 0 else { return "" }
        return text.count <= width ? text : String(text.prefix(width - 1)) + "…"
    }

    /// Right-aligned in `width` cells.
    public static func right(_ text: String, _ width: Int) -> String {
        let count = text.count
        return count >= width ? String(text.suffix(width)) : String(repeating: " ", count: width - count) + text
    }
}
