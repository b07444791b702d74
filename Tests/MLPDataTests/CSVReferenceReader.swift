// The CSV reader as it was before it parsed in parallel (commit ae387ca): one thread, one record at a time,
// typed columns through ColumnBuilder. Kept in the tests as the reference the parallel reader must equal —
// the same datasets, the same inferred types, the same errors (message, line, column) — on any input.

@testable import MLPData
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

enum ReferenceCSVReader {
    /// Reads the CSV file at `path`.
    ///
    /// - Throws: ``CSVError`` with the line and column of a bad row (wrong field count, unterminated quote,
    ///   a field that does not parse as its declared type), or when the file cannot be read.
    static func read(path: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError(source: path, "cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var parser = ReferenceCSVParser(source: path, options: options)
        return try parser.run { buffer in
            while true {
                let n = systemRead(fd, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno != EINTR { throw CSVError(source: path, "read failed: \(String(cString: strerror(errno)))") }
            }
        }
    }

    /// Reads CSV from memory (tests, small inline data).
    static func read(text: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        try read(bytes: Array(text.utf8), options: options)
    }

    /// Reads CSV from bytes in memory, in chunks of ``CSVOptions/chunkSize`` like a file.
    static func read(bytes: [UInt8], source: String = "<text>", options: CSVOptions = CSVOptions()) throws -> Dataset {
        var position = 0
        var parser = ReferenceCSVParser(source: source, options: options)
        return try parser.run { buffer in
            let n = min(buffer.count, bytes.count - position)
            bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)])) }
            position += n
            return n
        }
    }
}

/// The streaming state machine behind ``CSVReader``.
struct ReferenceCSVParser {
    let source: String
    let options: CSVOptions
    var builders: [ColumnBuilder] = []
    var names: [String] = []
    /// The line the next record starts on.
    var line = 1
    var startsFile = true
    /// Field bounds of the record being parsed: start, end, and whether it holds `""` escapes.
    var starts: [Int] = []
    var ends: [Int] = []
    var escaped: [Bool] = []
    var scratch: [UInt8] = []

    init(source: String, options: CSVOptions) {
        self.source = source
        self.options = options
    }

    enum RecordResult { case complete(next: Int), incomplete }

    mutating func run(fill: (UnsafeMutableBufferPointer<UInt8>) throws -> Int) throws -> Dataset {
        var capacity = max(options.chunkSize, 64)
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var start = 0, end = 0
        var atEOF = false
        while true {
            // Parse every complete record in the window; at the end of input the last one is complete too.
            records: while start < end {
                switch try parseRecord(UnsafePointer(buffer.baseAddress!), from: start, to: end, atEOF: atEOF) {
                case .complete(let next): start = next
                case .incomplete: break records
                }
            }
            if atEOF { break }
            // Keep the unfinished record at the front, growing the buffer when that record fills it.
            let kept = end - start
            if kept > 0, start > 0 { UnsafeMutableRawPointer(buffer.baseAddress!).copyMemory(from: buffer.baseAddress! + start, byteCount: kept) }
            start = 0
            end = kept
            if kept == capacity {
                capacity *= 2
                let grown = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
                UnsafeMutableRawPointer(grown.baseAddress!).copyMemory(from: buffer.baseAddress!, byteCount: kept)
                buffer.deallocate()
                buffer = grown
            }
            let n = try fill(UnsafeMutableBufferPointer(rebasing: buffer[end..<capacity]))
            if n == 0 { atEOF = true } else { end += n }
        }
        return try finish()
    }

    /// Parses one record starting at `from`. Returns `.incomplete` when the window ends inside it and more
    /// input may follow; at the end of input the record ends where the input does.
    mutating func parseRecord(_ p: UnsafePointer<UInt8>, from: Int, to: Int, atEOF: Bool) throws -> RecordResult {
        let delimiter = options.delimiter
        let quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13
        var i = from
        if startsFile {
            if to - from < 3, !atEOF { return .incomplete }
            if to - from >= 3, p[from] == 0xEF, p[from + 1] == 0xBB, p[from + 2] == 0xBF { i += 3 }
        }
        let recordStart = i
        starts.removeAll(keepingCapacity: true)
        ends.removeAll(keepingCapacity: true)
        escaped.removeAll(keepingCapacity: true)
        var newlines = 0
        var lineStart = i
        fields: while true {
            if i < to, p[i] == quote {
                let quoteAt = i
                i += 1
                let contentStart = i
                var hasEscape = false
                while true {
                    guard i < to else {
                        if atEOF {
                            let (quoteLine, character) = position(p, quoteAt, recordStart)
                            throw CSVError(source: source, line: quoteLine, column: starts.count + 1, columnName: name(starts.count),
                                           "the quoted field that opens at character \(character) is never closed; add the closing quote (a quote inside a quoted field is written as two quotes)")
                        }
                        return .incomplete
                    }
                    let c = p[i]
                    if c == quote {
                        if i + 1 < to {
                            if p[i + 1] == quote {
                                hasEscape = true
                                i += 2
                                continue
                            }
                            break
                        }
                        if atEOF { break }
                        return .incomplete
                    }
                    if c == lf {
                        newlines += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                starts.append(contentStart)
                ends.append(i)
                escaped.append(hasEscape)
                i += 1
                if i < to, case let c = p[i], c != delimiter, c != lf, c != cr {
                    throw CSVError(source: source, line: line + newlines, column: starts.count, columnName: name(starts.count - 1),
                                   "unexpected '\(Character(Unicode.Scalar(c)))' after the closing quote at character \(i - lineStart + 1); a quote inside a quoted field is written as two quotes")
                }
            } else {
                let fieldStart = i
                while i < to {
                    let c = p[i]
                    if c == delimiter || c == lf || c == cr { break }
                    i += 1
                }
                starts.append(fieldStart)
                ends.append(i)
                escaped.append(false)
            }
            guard i < to else {
                if atEOF { break fields }
                return .incomplete
            }
            let c = p[i]
            if c == delimiter {
                i += 1
                continue
            }
            if c == lf {
                i += 1
                break
            }
            if i + 1 < to {
                i += p[i + 1] == lf ? 2 : 1
                break
            }
            if atEOF {
                i += 1
                break
            }
            return .incomplete
        }
        startsFile = false
        let recordLine = line
        line += 1 + newlines
        if starts.count == 1, starts[0] == recordStart, ends[0] == recordStart { return .complete(next: i) }  // a blank line
        if builders.isEmpty && names.isEmpty {
            try startColumns(p, line: recordLine)
            if options.hasHeader { return .complete(next: i) }
        }
        try commit(p, line: recordLine)
        return .complete(next: i)
    }

    /// The line and 1-based character (byte) column of `offset`, counting lines from the record's start.
    func position(_ p: UnsafePointer<UInt8>, _ offset: Int, _ recordStart: Int) -> (line: Int, character: Int) {
        var result = (line: line, character: 1)
        var i = recordStart
        var lineStart = recordStart
        while i < offset {
            if p[i] == 10 {
                result.line += 1
                lineStart = i + 1
            }
            i += 1
        }
        result.character = offset - lineStart + 1
        return result
    }

    func name(_ index: Int) -> String? { index < names.count ? names[index] : nil }

    /// Field `index` of the current record, with `""` turned into `"`.
    mutating func field(_ p: UnsafePointer<UInt8>, _ index: Int, _ body: (UnsafePointer<UInt8>, Int) throws -> Void) rethrows {
        let start = starts[index], count = ends[index] - starts[index]
        guard escaped[index] else { return try body(p + start, count) }
        scratch.removeAll(keepingCapacity: true)
        var i = start
        while i < start + count {
            scratch.append(p[i])
            i += p[i] == UInt8(ascii: "\"") ? 2 : 1
        }
        try scratch.withUnsafeBufferPointer { try body($0.baseAddress!, $0.count) }
    }

    mutating func startColumns(_ p: UnsafePointer<UInt8>, line: Int) throws {
        if options.hasHeader {
            var seen = Set<String>()
            for index in 0..<starts.count {
                var name = ""
                field(p, index) { name = String(decoding: UnsafeBufferPointer(start: $0, count: $1), as: UTF8.self) }
                if name.isEmpty { name = "column_\(index + 1)" }
                guard seen.insert(name).inserted else {
                    throw CSVError(source: source, line: line, column: index + 1, columnName: name, "the header names column '\(name)' twice; column names must be unique")
                }
                names.append(name)
            }
        } else {
            names = (1...starts.count).map { "column_\($0)" }
        }
        for name in options.columnTypes.keys where !names.contains(name) {
            throw CSVError(source: source, line: line, "the schema declares column '\(name)', which the header lacks (it has \(names.joined(separator: ", ")))")
        }
        builders = names.map { ColumnBuilder(name: $0, declared: options.columnTypes[$0]) }
    }

    mutating func commit(_ p: UnsafePointer<UInt8>, line: Int) throws {
        guard starts.count == builders.count else {
            let column = min(starts.count, builders.count) + 1
            throw CSVError(source: source, line: line, column: column, columnName: name(column - 1),
                           "expected \(builders.count) fields as in the header, found \(starts.count); quote fields that contain '\(Character(Unicode.Scalar(options.delimiter)))'")
        }
        for index in 0..<builders.count {
            let builder = builders[index]
            let accepted: Bool
            if escaped[index] {
                var ok = false
                field(p, index) { ok = builder.append($0, $1) }
                accepted = ok
            } else {
                accepted = builder.append(p + starts[index], ends[index] - starts[index])
            }
            if !accepted {
                var text = ""
                field(p, index) { text = String(decoding: UnsafeBufferPointer(start: $0, count: min($1, 60)), as: UTF8.self) }
                throw CSVError(source: source, line: line, column: index + 1, columnName: names[index],
                               "'\(text)' is not a valid \(builder.declared!), the type the schema gives this column")
            }
        }
    }

    func finish() throws -> Dataset {
        var columns: [Column] = []
        for (index, builder) in builders.enumerated() {
            guard builder.textIsValidUTF8() else {
                throw CSVError(source: source, column: index + 1, columnName: builder.name, "the column holds bytes that are not valid UTF-8; convert the file to UTF-8")
            }
            columns.append(builder.finish(categoricalLimit: options.categoricalLimit))
        }
        return try Dataset(columns: columns, rowCount: columns.isEmpty ? 0 : nil)
    }
}
