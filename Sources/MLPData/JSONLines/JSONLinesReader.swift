#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads JSON lines — one JSON object per line — into a ``Dataset``.
///
/// Keys become columns in the order they first appear; a key missing from a line is a null there, as are
/// `null` and `""`. Numbers are inferred as int or float, `true`/`false` as bool; a JSON string makes its
/// column a string column; a nested object or array is kept as its JSON text. Blank lines are skipped.
public enum JSONLinesReader {
    /// Reads the file at `path`, in chunks.
    ///
    /// - Throws: ``JSONLinesError`` with the line (and character) of a line that is not one JSON object.
    public static func read(path: String, chunkSize: Int = 4 << 20) throws -> Dataset {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw JSONLinesError(source: path, "cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var parser = JSONLinesParser(source: path)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: max(chunkSize, 64))
        while true {
            let n = chunk.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw JSONLinesError(source: path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            pending.append(contentsOf: chunk[0..<n])
            if let lastNewline = pending.lastIndex(of: 10) {
                try parser.parse(pending[...lastNewline])
                pending.removeSubrange(...lastNewline)
            }
        }
        try parser.parse(pending[...])
        return try parser.finish()
    }

    /// Reads JSON lines from memory.
    public static func read(text: String, source: String = "<text>") throws -> Dataset {
        var parser = JSONLinesParser(source: source)
        try parser.parse(Array(text.utf8)[...])
        return try parser.finish()
    }
}

/// Parses whole lines into column builders.
struct JSONLinesParser {
    let source: String
    var builders: [ColumnBuilder] = []
    var index: [String: Int] = [:]
    var rows = 0
    var line = 0
    var scratch: [UInt8] = []
    var seen: [Bool] = []

    init(source: String) { self.source = source }

    mutating func parse(_ bytes: ArraySlice<UInt8>) throws {
        try bytes.withUnsafeBufferPointer { buffer in
            let p = buffer.baseAddress!
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count, p[end] != 10 { end += 1 }
                line += 1
                var last = end
                if last > start, p[last - 1] == 13 { last -= 1 }
                try parseLine(p, start, last)
                start = end + 1
            }
        }
    }

    func fail(_ message: String, _ at: Int? = nil, lineStart: Int = 0) -> JSONLinesError {
        JSONLinesError(source: source, line: line, character: at.map { $0 - lineStart + 1 }, message)
    }

    mutating func parseLine(_ p: UnsafePointer<UInt8>, _ start: Int, _ end: Int) throws {
        var i = start
        func skipSpace() { while i < end, p[i] == 32 || p[i] == 9 { i += 1 } }
        skipSpace()
        if i == end { return }
        guard p[i] == UInt8(ascii: "{") else { throw fail("expected a JSON object starting with '{'; each line must hold one object", i, lineStart: start) }
        i += 1
        seen = [Bool](repeating: false, count: builders.count)
        skipSpace()
        if i < end, p[i] == UInt8(ascii: "}") {
            i += 1
        } else {
            while true {
                skipSpace()
                guard i < end, p[i] == UInt8(ascii: "\"") else { throw fail("expected a quoted key", i, lineStart: start) }
                try string(p, &i, end, lineStart: start)
                let key = String(decoding: scratch, as: UTF8.self)
                skipSpace()
                guard i < end, p[i] == UInt8(ascii: ":") else { throw fail("expected ':' after the key \"\(key)\"", i, lineStart: start) }
                i += 1
                skipSpace()
                let column = columnIndex(key)
                guard !seen[column] else { throw fail("the key \"\(key)\" appears twice in one object", i, lineStart: start) }
                seen[column] = true
                try value(p, &i, end, into: builders[column], lineStart: start)
                skipSpace()
                guard i < end else { throw fail("the object is not closed; expected ',' or '}'", i, lineStart: start) }
                if p[i] == UInt8(ascii: ",") {
                    i += 1
                    continue
                }
                guard p[i] == UInt8(ascii: "}") else { throw fail("expected ',' or '}' after the value of \"\(key)\"", i, lineStart: start) }
                i += 1
                break
            }
        }
        skipSpace()
        guard i == end else { throw fail("unexpected text after the object; put one object on each line", i, lineStart: start) }
        for (column, present) in seen.enumerated() where !present { builders[column].appendNulls(1) }
        rows += 1
    }

    mutating func columnIndex(_ key: String) -> Int {
        if let found = index[key] { return found }
        let builder = ColumnBuilder(name: key, declared: nil)
        builder.appendNulls(rows)
        builders.append(builder)
        seen.append(false)
        index[key] = builders.count - 1
        return builders.count - 1
    }

    mutating func value(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, into builder: ColumnBuilder, lineStart: Int) throws {
        guard i < end else { throw fail("expected a value", i, lineStart: lineStart) }
        let c = p[i]
        switch c {
        case UInt8(ascii: "\""):
            try string(p, &i, end, lineStart: lineStart)
            scratch.withUnsafeBufferPointer { builder.appendText($0.baseAddress ?? p, $0.count) }
        case UInt8(ascii: "{"), UInt8(ascii: "["):
            let start = i
            try skipNested(p, &i, end, lineStart: lineStart)
            builder.appendText(p + start, i - start)
        default:
            let start = i
            while i < end, case let b = p[i], b != UInt8(ascii: ","), b != UInt8(ascii: "}"), b != 32, b != 9 { i += 1 }
            let count = i - start
            if count == 4, memcmp(p + start, "null", 4) == 0 {
                _ = builder.append(p + start, 0)
            } else if (count == 4 && memcmp(p + start, "true", 4) == 0) || (count == 5 && memcmp(p + start, "false", 5) == 0) {
                _ = builder.append(p + start, count)
            } else if count > 0, p[start] == UInt8(ascii: "-") || p[start] &- UInt8(ascii: "0") < 10, FieldParsing.double(p + start, count) != nil {
                _ = builder.append(p + start, count)
            } else {
                let shown = String(decoding: UnsafeBufferPointer(start: p + start, count: min(count, 40)), as: UTF8.self)
                throw fail("'\(shown)' is not a JSON value (a string needs quotes)", start, lineStart: lineStart)
            }
        }
    }

    /// Reads the string starting at the quote at `i` into ``scratch``, unescaping it.
    mutating func string(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, lineStart: Int) throws {
        let open = i
        i += 1
        scratch.removeAll(keepingCapacity: true)
        while true {
            guard i < end else { throw fail("the string that opens here is never closed", open, lineStart: lineStart) }
            let c = p[i]
            if c == UInt8(ascii: "\"") {
                i += 1
                return
            }
            guard c == UInt8(ascii: "\\") else {
                scratch.append(c)
                i += 1
                continue
            }
            guard i + 1 < end else { throw fail("the string ends inside an escape", i, lineStart: lineStart) }
            let escape = p[i + 1]
            i += 2
            switch escape {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): scratch.append(escape)
            case UInt8(ascii: "b"): scratch.append(8)
            case UInt8(ascii: "f"): scratch.append(12)
            case UInt8(ascii: "n"): scratch.append(10)
            case UInt8(ascii: "r"): scratch.append(13)
            case UInt8(ascii: "t"): scratch.append(9)
            case UInt8(ascii: "u"):
                var scalar = try hex4(p, &i, end, lineStart: lineStart)
                if scalar >= 0xD800, scalar < 0xDC00, i + 1 < end, p[i] == UInt8(ascii: "\\"), p[i + 1] == UInt8(ascii: "u") {
                    i += 2
                    let low = try hex4(p, &i, end, lineStart: lineStart)
                    guard low >= 0xDC00, low < 0xE000 else { throw fail("a \\u surrogate pair is incomplete", i, lineStart: lineStart) }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                guard let unicode = Unicode.Scalar(scalar) else { throw fail("\\u escape \(scalar) is not a character", i, lineStart: lineStart) }
                scratch.append(contentsOf: String(Character(unicode)).utf8)
            default:
                throw fail("'\\\(Character(Unicode.Scalar(escape)))' is not a JSON escape", i - 2, lineStart: lineStart)
            }
        }
    }

    func hex4(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, lineStart: Int) throws -> UInt32 {
        guard i + 4 <= end else { throw fail("a \\u escape needs four hex digits", i, lineStart: lineStart) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let c = p[i] | 0x20
            let digit: UInt8
            if c &- UInt8(ascii: "0") < 10 { digit = c &- UInt8(ascii: "0") } else if c >= UInt8(ascii: "a"), c <= UInt8(ascii: "f") { digit = c - UInt8(ascii: "a") + 10 } else {
                throw fail("a \\u escape needs four hex digits", i, lineStart: lineStart)
            }
            value = value << 4 | UInt32(digit)
            i += 1
        }
        return value
    }

    /// Skips a nested object or array, minding strings.
    func skipNested(_ p: UnsafePointer<UInt8>, _ i: inout Int, _ end: Int, lineStart: Int) throws {
        let open = i
        var depth = 0
        var inString = false
        while i < end {
            let c = p[i]
            if inString {
                if c == UInt8(ascii: "\\") { i += 1 } else if c == UInt8(ascii: "\"") { inString = false }
            } else if c == UInt8(ascii: "\"") {
                inString = true
            } else if c == UInt8(ascii: "{") || c == UInt8(ascii: "[") {
                depth += 1
            } else if c == UInt8(ascii: "}") || c == UInt8(ascii: "]") {
                depth -= 1
                if depth == 0 {
                    i += 1
                    return
                }
            }
            i += 1
        }
        throw fail("the nested value that opens here is never closed", open, lineStart: lineStart)
    }

    func finish() throws -> Dataset {
        var columns: [Column] = []
        for builder in builders {
            guard builder.textIsValidUTF8() else {
                throw JSONLinesError(source: source, "column '\(builder.name)' holds bytes that are not valid UTF-8; convert the file to UTF-8")
            }
            columns.append(builder.finish(categoricalLimit: 0))
        }
        return try Dataset(columns: columns, rowCount: rows)
    }
}
