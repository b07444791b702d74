#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Foundation

/// Reads CSV (RFC 4180) into a ``Dataset``, streaming the input in chunks and parsing fields from bytes.
///
/// Quoted fields may hold delimiters, newlines and doubled quotes (`""`); CRLF and LF line ends are both
/// accepted; blank lines are skipped; an empty field is a null. Column types are inferred (int, then float,
/// then bool, then string) unless ``CSVOptions/columnTypes`` names them.
///
/// Each window of input is cut at record boundaries into parts parsed on all cores at once; the result, the
/// inferred types and the errors (the first in the file, with its line) are those of reading the file front to
/// back. Numeric columns keep no text: in the rare file where a column turns to string only after earlier
/// windows have gone, the input is read a second time with that column read as text from the start.
public enum CSVReader {
    /// Reads the CSV file at `path`.
    ///
    /// - Throws: ``CSVError`` with the line and column of a bad row (wrong field count, unterminated quote,
    ///   a field that does not parse as its declared type), or when the file cannot be read.
    public static func read(path: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw CSVError(source: path, "cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var textColumns = Set<Int>()
        while true {
            var parser = CSVParser(source: path, options: options, textColumns: textColumns)
            do {
                return try parser.run { buffer in
                    while true {
                        let n = systemRead(fd, buffer.baseAddress, buffer.count)
                        if n >= 0 { return n }
                        if errno != EINTR { throw CSVError(source: path, "read failed: \(String(cString: strerror(errno)))") }
                    }
                }
            } catch let again as CSVRereadAsText {
                textColumns.formUnion(again.columns)
                guard lseek(fd, 0, SEEK_SET) == 0 else {
                    throw CSVError(source: path, "cannot read the file a second time (\(String(cString: strerror(errno)))), which a column that turns to text late needs; declare its type as string (CSVOptions.columnTypes)")
                }
            }
        }
    }

    /// Reads CSV from memory (tests, small inline data).
    public static func read(text: String, options: CSVOptions = CSVOptions()) throws -> Dataset {
        try read(bytes: Array(text.utf8), options: options)
    }

    /// Reads CSV from bytes in memory, in chunks of ``CSVOptions/chunkSize`` like a file.
    public static func read(bytes: [UInt8], source: String = "<text>", options: CSVOptions = CSVOptions()) throws -> Dataset {
        var textColumns = Set<Int>()
        while true {
            var position = 0
            var parser = CSVParser(source: source, options: options, textColumns: textColumns)
            do {
                return try parser.run { buffer in
                    let n = min(buffer.count, bytes.count - position)
                    bytes.withUnsafeBytes { UnsafeMutableRawBufferPointer(buffer).copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[position..<(position + n)])) }
                    position += n
                    return n
                }
            } catch let again as CSVRereadAsText {
                textColumns.formUnion(again.columns)
            }
        }
    }
}

/// Thrown inside the reader when columns turned to text after their earlier values' text is gone: read again.
struct CSVRereadAsText: Error {
    let columns: Set<Int>
}

/// The streaming driver behind ``CSVReader``: windows of input, parts parsed in parallel, columns assembled.
struct CSVParser {
    let source: String
    let options: CSVOptions
    /// Inferred columns read as text from the start (they turned to string late in an earlier reading).
    let textColumns: Set<Int>
    var names: [String] = []
    var established = false
    /// The line the next record starts on.
    var line = 1
    var startsFile = true
    var states: [ColumnState] = []
    var segments: [CSVSegment] = []

    /// What is known of a column from the parts read so far.
    struct ColumnState {
        let declared: ColumnType?
        let asText: Bool
        var first: UInt8 = 0
        var seen: UInt8 = 0
        /// Whether a stored part holds values of this column in a mode other than text.
        var valuesWithoutText = false

        /// The column's type so far.
        var type: ColumnType? { declared ?? (asText ? .string : ValueKind.inferredType(first: first, seen: seen)) }

        /// How the next parts start this column.
        var seed: SegmentColumn {
            if let declared { return SegmentColumn(mode: Self.mode(declared), declared: true, sawValueBefore: seen != 0) }
            if asText { return SegmentColumn(mode: .text, declared: false, sawValueBefore: seen != 0) }
            guard let type else { return SegmentColumn(mode: .int, declared: false, sawValueBefore: false) }
            return SegmentColumn(mode: Self.mode(type), declared: false, sawValueBefore: true)
        }

        static func mode(_ type: ColumnType) -> SegmentMode {
            switch type {
            case .int: return .int
            case .float: return .float
            case .bool: return .bool
            case .string: return .text
            }
        }
    }

    init(source: String, options: CSVOptions, textColumns: Set<Int> = []) {
        self.source = source
        self.options = options
        self.textColumns = textColumns
    }

    /// Parts a window is cut into: one per core (at most 8), or as tests set.
    var partCount: Int { max(1, options.parts ?? min(ProcessInfo.processInfo.activeProcessorCount, 8)) }

    mutating func run(fill: (UnsafeMutableBufferPointer<UInt8>) throws -> Int) throws -> Dataset {
        var capacity = max(options.chunkSize, 64) * partCount
        var buffer = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: capacity)
        defer { buffer.deallocate() }
        var start = 0, end = 0
        var atEOF = false
        while true {
            // Fill the window (a short read is not the end of input; a read of 0 is).
            while end < capacity, !atEOF {
                let n = try fill(UnsafeMutableBufferPointer(rebasing: buffer[end..<capacity]))
                if n == 0 { atEOF = true } else { end += n }
            }
            let p = UnsafePointer(buffer.baseAddress!)
            if !established, let next = try establish(p, from: start, to: end, atEOF: atEOF) { start = next }
            if established, start < end { start = try parseWindow(p, from: start, to: end, atEOF: atEOF) }
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
        }
        return try finish()
    }

    // MARK: The header

    /// Skips a BOM and blank lines and takes the column names from the first record (the header, or the first
    /// row, which then stays to be read as data). Returns where the data starts, or `nil` when the window ends
    /// before the first record does.
    mutating func establish(_ p: UnsafePointer<UInt8>, from: Int, to: Int, atEOF: Bool) throws -> Int? {
        var i = from
        if startsFile {
            if to - from < 3, !atEOF { return nil }
            if to - from >= 3, p[from] == 0xEF, p[from + 1] == 0xBB, p[from + 2] == 0xBF { i += 3 }
        }
        var fields = FieldList(capacity: 16)
        defer { fields.free() }
        let special = UnsafeMutablePointer<UInt8>.allocate(capacity: 256)
        defer { special.deallocate() }
        special.initialize(repeating: 0, count: 256)
        special[Int(options.delimiter)] = 1
        special[10] = 1
        special[13] = 1
        var recordLine = line
        while i < to {
            let next = try CSVPartParser.tokenize(p, from: i, to: to, atEOF: atEOF, delimiter: options.delimiter, special: special,
                                                  fields: &fields, line: recordLine, source: source, names: [])
            if next < 0 { return nil }
            let lines = 1 + fields.newlines
            if fields.count == 1, fields.ranges[0].start == i, fields.ranges[0].end == i {  // a blank line
                recordLine += lines
                i = next
                continue
            }
            try startColumns(p, fields, line: recordLine)
            startsFile = false
            if options.hasHeader {
                line = recordLine + lines
                return next
            }
            line = recordLine
            return i
        }
        guard atEOF else { return nil }
        startsFile = false
        line = recordLine
        return i
    }

    mutating func startColumns(_ p: UnsafePointer<UInt8>, _ fields: FieldList, line: Int) throws {
        if options.hasHeader {
            var seen = Set<String>()
            for index in 0..<fields.count {
                let range = fields.ranges[index]
                var bytes: [UInt8] = []
                var k = range.start
                while k < range.end {
                    bytes.append(p[k])
                    k += range.escaped && p[k] == UInt8(ascii: "\"") ? 2 : 1
                }
                var name = String(decoding: bytes, as: UTF8.self)
                if name.isEmpty { name = "column_\(index + 1)" }
                guard seen.insert(name).inserted else {
                    throw CSVError(source: source, line: line, column: index + 1, columnName: name, "the header names column '\(name)' twice; column names must be unique")
                }
                names.append(name)
            }
        } else {
            names = (1...fields.count).map { "column_\($0)" }
        }
        for name in options.columnTypes.keys where !names.contains(name) {
            throw CSVError(source: source, line: line, "the schema declares column '\(name)', which the header lacks (it has \(names.joined(separator: ", ")))")
        }
        states = names.enumerated().map { index, name in
            let declared = options.columnTypes[name]
            return ColumnState(declared: declared, asText: declared == nil && textColumns.contains(index))
        }
        established = true
    }

    // MARK: A window

    /// Where the window `from..<to` is cut into parts: after a line feed outside quotes (by the parity of the
    /// quotes before it), near equal shares. A cut that turns out to be inside a record (a stray quote) is found
    /// when the part before it is parsed, and that part's parse then goes on past it.
    func cuts(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> [Int] {
        var bounds = [from]
        let count = partCount
        guard count > 1, to - from >= count * max(options.minimumPartBytes, 1) else { return bounds }
        let quote = UInt8(ascii: "\"")
        var i = from
        var quotes = 0
        for k in 1..<count {
            let target = from + (to - from) / count * k
            if target > i {
                quotes &+= Self.countQuotes(p, from: i, to: target)
                i = target
            }
            while i < to {
                let c = p[i]
                if c == quote {
                    quotes &+= 1
                } else if c == 10, quotes & 1 == 0 {
                    break
                }
                i += 1
            }
            i += 1
            guard i < to else { break }
            bounds.append(i)
        }
        return bounds
    }

    /// The number of `"` bytes in `from..<to`, eight bytes at a time: a byte of `x = word ^ 0x22…` is zero
    /// exactly when bit 7 of `~(((x & 0x7F…) + 0x7F…) | x | 0x7F…)` is set in it (no carry crosses bytes).
    static func countQuotes(_ p: UnsafePointer<UInt8>, from: Int, to: Int) -> Int {
        let low: UInt64 = 0x7F7F_7F7F_7F7F_7F7F
        let quotes: UInt64 = 0x2222_2222_2222_2222
        var n = 0
        var i = from
        while i + 8 <= to {
            let x = UnsafeRawPointer(p + i).loadUnaligned(as: UInt64.self) ^ quotes
            n &+= (~(((x & low) &+ low) | x | low)).nonzeroBitCount
            i += 8
        }
        while i < to {
            if p[i] == UInt8(ascii: "\"") { n &+= 1 }
            i += 1
        }
        return n
    }

    /// One part's result.
    struct PartResult {
        var parser: CSVPartParser
        var outcome = PartOutcome(next: 0, incomplete: false)
        var error: Error?
    }

    /// Parses the records of `from..<to`, in parts on all cores. Returns where the first record the window
    /// cuts starts (or `to`).
    mutating func parseWindow(_ p: UnsafePointer<UInt8>, from: Int, to: Int, atEOF: Bool) throws -> Int {
        let bounds = cuts(p, from: from, to: to)
        let count = bounds.count
        let seeds = states.map(\.seed)
        let results = UnsafeMutablePointer<PartResult>.allocate(capacity: count)
        for k in 0..<count {
            let segment = CSVSegment(seeds: seeds, dataStart: bounds[k])
            results.advanced(by: k).initialize(to: PartResult(parser: CSVPartParser(source: source, names: names, delimiter: options.delimiter,
                                                                                     segment: segment, line: k == 0 ? line : 1)))
        }
        defer {
            for k in 0..<count { results[k].parser.free() }
            results.deinitialize(count: count)
            results.deallocate()
        }
        let parseOne = { (k: Int) in
            let limit = k + 1 < count ? bounds[k + 1] : to
            do {
                results[k].outcome = try results[k].parser.parse(p, from: bounds[k], limit: limit, to: to, atEOF: atEOF)
            } catch {
                results[k].error = error
            }
        }
        if count == 1 { parseOne(0) } else { DispatchQueue.concurrentPerform(iterations: count, execute: parseOne) }

        // Accept the parts in order: a part whose start the previous one ended on exactly was parsed from a
        // record boundary, as reading front to back would have; otherwise the previous part goes on over it.
        if let error = results[0].error { throw error }
        var current = 0
        var accepted = [results[0].parser.segment]
        var next = results[0].outcome.next
        var incomplete = results[0].outcome.incomplete
        for k in 1..<count {
            if incomplete { break }
            if next == bounds[k] {
                let offset = results[current].parser.line - 1
                if let error = results[k].error {
                    guard let error = error as? CSVError else { throw error }
                    throw CSVError(source: error.source, line: error.line.map { $0 + offset }, column: error.column, columnName: error.columnName, error.message)
                }
                results[k].parser.line += offset
                current = k
                accepted.append(results[k].parser.segment)
                next = results[k].outcome.next
                incomplete = results[k].outcome.incomplete
            } else {
                let limit = k + 1 < count ? bounds[k + 1] : to
                let outcome = try results[current].parser.parse(p, from: next, limit: limit, to: to, atEOF: atEOF)
                next = outcome.next
                incomplete = outcome.incomplete
            }
        }
        line = results[current].parser.line
        try keep(accepted)
        return next
    }

    /// Adds parsed parts to the columns' state; asks for a second reading when a column turned to text after
    /// parts without its text were kept.
    mutating func keep(_ parts: [CSVSegment]) throws {
        var again = Set<Int>()
        for index in states.indices {
            var state = states[index]
            for part in parts where part.rows > 0 {
                let column = part.columns[index]
                if state.first == 0 { state.first = column.first }
                state.seen |= column.seen
                if column.mode != .text, column.hasValues(rows: part.rows) { state.valuesWithoutText = true }
            }
            if state.type == .string, state.valuesWithoutText { again.insert(index) }
            states[index] = state
        }
        if !again.isEmpty { throw CSVRereadAsText(columns: again) }
        segments += parts.filter { $0.rows > 0 }
    }

    // MARK: The columns

    func finish() throws -> Dataset {
        // The columns are put together on all cores; their errors are then reported in column order.
        let count = states.count
        let built = UnsafeMutablePointer<(column: Column, validText: Bool)?>.allocate(capacity: max(count, 1))
        built.initialize(repeating: nil, count: max(count, 1))
        defer {
            built.deinitialize(count: max(count, 1))
            built.deallocate()
        }
        let buildOne = { (index: Int) in
            let column = assemble(index, states[index].type ?? .string)
            for segment in segments { segment.columns[index].free() }
            var validText = true
            if case .string(let buffer) = column.storage { validText = Self.isValidUTF8(buffer) }
            built[index] = (column, validText)
        }
        if count > 1, segments.reduce(0, { $0 + $1.rows }) >= 10_000 {
            DispatchQueue.concurrentPerform(iterations: count, execute: buildOne)
        } else {
            for index in 0..<count { buildOne(index) }
        }
        var columns: [Column] = []
        for index in 0..<count {
            let (column, validText) = built[index]!
            guard validText else {
                throw CSVError(source: source, column: index + 1, columnName: names[index], "the column holds bytes that are not valid UTF-8; convert the file to UTF-8")
            }
            if options.categoricalLimit > 0, case .string(let buffer) = column.storage,
               Self.distinctCount(buffer, upTo: options.categoricalLimit) <= options.categoricalLimit {
                columns.append(column.dictionaryEncoded())
            } else {
                columns.append(column)
            }
        }
        return try Dataset(columns: columns, rowCount: columns.isEmpty ? 0 : nil)
    }

    /// Column `index` from every kept part, as `type`.
    func assemble(_ index: Int, _ type: ColumnType) -> Column {
        let rows = segments.reduce(0) { $0 + $1.rows }
        let nulls = segments.reduce(0) { $0 + $1.columns[index].nulls }
        let storage: ColumnStorage
        switch type {
        case .int:
            storage = .int([Int64](unsafeUninitializedCapacity: rows) { buffer, initialized in
                var at = buffer.baseAddress!
                for segment in segments {
                    let column = segment.columns[index]
                    if column.mode == .int, column.ints.count == segment.rows {
                        at.initialize(from: column.ints.base!, count: segment.rows)
                    } else {
                        at.initialize(repeating: 0, count: segment.rows)  // only nulls
                    }
                    at += segment.rows
                }
                initialized = rows
            })
        case .float:
            // Values before the column's first float were parsed as ints; `-0` among them is −0.0 only when
            // it comes after that first float (a part parsed ahead did not know).
            let firstFloat = segments.firstIndex { $0.columns[index].seen & ValueKind.float != 0 } ?? Int.max
            storage = .float([Double](unsafeUninitializedCapacity: rows) { buffer, initialized in
                var at = buffer.baseAddress!
                for (number, segment) in segments.enumerated() {
                    let column = segment.columns[index]
                    switch column.mode {
                    case .float where column.doubles.count == segment.rows:
                        at.initialize(from: column.doubles.base!, count: segment.rows)
                    case .int where column.ints.count == segment.rows:
                        for row in 0..<segment.rows { at[row] = Double(column.ints[row]) }
                    default:
                        at.initialize(repeating: 0, count: segment.rows)  // only nulls
                    }
                    if number > firstFloat {
                        for k in 0..<column.negativeZeroRows.count { at[column.negativeZeroRows[k]] = -0.0 }
                    }
                    at += segment.rows
                }
                initialized = rows
            })
        case .bool:
            storage = .bool([Bool](unsafeUninitializedCapacity: rows) { buffer, initialized in
                var at = UnsafeMutableRawPointer(buffer.baseAddress!)
                for segment in segments {
                    let column = segment.columns[index]
                    if column.mode == .bool, column.bools.count == segment.rows {
                        at.copyMemory(from: column.bools.base!, byteCount: segment.rows)
                    } else {
                        at.initializeMemory(as: UInt8.self, repeating: 0, count: segment.rows)  // only nulls
                    }
                    at += segment.rows
                }
                initialized = rows
            })
        case .string:
            let size = segments.reduce(0) { $0 + ($1.columns[index].mode == .text ? $1.columns[index].bytes.count : 0) }
            let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, initialized in
                var at = buffer.baseAddress!
                for segment in segments where segment.columns[index].mode == .text {
                    let column = segment.columns[index]
                    if column.bytes.count > 0 { at.initialize(from: column.bytes.base!, count: column.bytes.count) }
                    at += column.bytes.count
                }
                initialized = size
            }
            let offsets = [Int](unsafeUninitializedCapacity: rows + 1) { buffer, initialized in
                let out = buffer.baseAddress!
                out[0] = 0
                var k = 1
                var base = 0
                for segment in segments {
                    let column = segment.columns[index]
                    if column.mode == .text, column.ends.count == segment.rows {
                        for row in 0..<segment.rows { out[k + row] = base + column.ends[row] }
                        base += column.bytes.count
                    } else {
                        precondition(!column.hasValues(rows: segment.rows), "CSV reader: a text column lost its text")
                        (out + k).initialize(repeating: base, count: segment.rows)  // only nulls
                    }
                    k += segment.rows
                }
                initialized = rows + 1
            }
            storage = .string(StringBuffer(uncheckedBytes: bytes, offsets: offsets))
        }
        guard nulls > 0 else { return Column(name: names[index], storage: storage) }
        let validity = [Bool](unsafeUninitializedCapacity: rows) { buffer, initialized in
            var at = UnsafeMutableRawPointer(buffer.baseAddress!)
            for segment in segments {
                let column = segment.columns[index]
                if column.validity.count == segment.rows {
                    at.copyMemory(from: column.validity.base!, byteCount: segment.rows)
                } else {
                    at.initializeMemory(as: UInt8.self, repeating: 1, count: segment.rows)
                }
                at += segment.rows
            }
            initialized = rows
        }
        return Column(name: names[index], storage: storage, validity: validity)
    }

    /// Whether the text is valid UTF-8 with every value starting on a character boundary.
    static func isValidUTF8(_ text: StringBuffer) -> Bool {
        let ok = text.bytes.withUnsafeBufferPointer { bytes in
            text.offsets.withUnsafeBufferPointer { offsets in
                for offset in offsets where offset < bytes.count && bytes[offset] & 0xC0 == 0x80 { return false }
                return true
            }
        }
        return ok && String(validating: text.bytes, as: UTF8.self) != nil
    }

    static func distinctCount(_ buffer: StringBuffer, upTo limit: Int) -> Int {
        var seen = Set<ArraySlice<UInt8>>()
        for row in 0..<buffer.count {
            seen.insert(buffer.utf8(at: row))
            if seen.count > limit { break }
        }
        return seen.count
    }
}
