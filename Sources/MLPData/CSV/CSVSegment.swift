#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A growable array of plain values in memory managed by hand: the CSV reader's per-field appends go
/// through no copy-on-write uniqueness check, no exclusivity check and no reference counting.
struct RawBuffer<Element: BitwiseCopyable> {
    private(set) var base: UnsafeMutablePointer<Element>?
    private(set) var count = 0
    private(set) var capacity = 0

    init() {}

    @inline(__always)
    mutating func append(_ value: Element) {
        if count == capacity { grow(to: count + 1) }
        base.unsafelyUnwrapped[count] = value
        count += 1
    }

    /// Appends `n` values from `source`.
    @inline(__always)
    mutating func append(_ source: UnsafePointer<Element>, _ n: Int) {
        if count + n > capacity { grow(to: count + n) }
        if n > 0 { (base.unsafelyUnwrapped + count).update(from: source, count: n) }
        count += n
    }

    /// Appends `value` `n` times.
    mutating func append(repeating value: Element, _ n: Int) {
        if count + n > capacity { grow(to: count + n) }
        if n > 0 { (base.unsafelyUnwrapped + count).update(repeating: value, count: n) }
        count += n
    }

    @inline(__always)
    subscript(index: Int) -> Element {
        get { base.unsafelyUnwrapped[index] }
        nonmutating set { base.unsafelyUnwrapped[index] = newValue }
    }

    mutating func removeAll() { count = 0 }

    /// Makes room for at least `minimum` values, at least doubling.
    mutating func grow(to minimum: Int) {
        let wanted = Swift.max(minimum, capacity * 2, 256)
        let bytes = wanted * MemoryLayout<Element>.stride
        guard let grown = realloc(base, bytes) else { fatalError("out of memory growing a CSV column to \(bytes) bytes") }
        base = grown.bindMemory(to: Element.self, capacity: wanted)
        capacity = wanted
    }

    mutating func free() {
        releaseMemory(base)
        base = nil
        count = 0
        capacity = 0
    }
}

/// `free(3)`, named apart from the buffers' own `free` methods.
private func releaseMemory(_ pointer: UnsafeMutableRawPointer?) { free(pointer) }

/// How a column's values are held while a part of the file is parsed.
enum SegmentMode: UInt8 { case int, float, bool, text }

/// The kinds of non-empty value type inference tells apart, as bits of ``SegmentColumn/seen``.
enum ValueKind {
    /// Parses as an int (and so as a float too).
    static let int: UInt8 = 1
    /// Parses as a float but not an int.
    static let float: UInt8 = 2
    /// `true` / `false`.
    static let bool: UInt8 = 4
    /// Anything else.
    static let text: UInt8 = 8

    /// The type sequential inference (int, then float, then bool, then string) ends with for a column whose
    /// first value is of kind `first` and whose values span the kinds in `seen`: any text makes a string; a
    /// column that starts with a bool stays bool only if every value is one; one that starts with a number
    /// is a string if a bool follows, else a float if any value is a float, else an int. No value: `nil`.
    static func inferredType(first: UInt8, seen: UInt8) -> ColumnType? {
        if seen == 0 { return nil }
        if seen & text != 0 { return .string }
        if first == bool { return seen == bool ? .bool : .string }
        if seen & bool != 0 { return .string }
        return seen & float != 0 ? .float : .int
    }
}

/// One column's values from one part of the file.
struct SegmentColumn {
    var mode: SegmentMode
    /// Whether the column is declared (a value of another type is an error, not a promotion).
    let declared: Bool
    /// Whether the column had a value before this part (a bool can only start a column).
    var sawValueBefore: Bool
    var ints = RawBuffer<Int64>()
    var doubles = RawBuffer<Double>()
    var bools = RawBuffer<UInt8>()
    var bytes = RawBuffer<UInt8>()
    /// End offset of each row's text in `bytes`.
    var ends = RawBuffer<Int>()
    /// 1 valid, 0 null; empty until the first null (all rows before it valid).
    var validity = RawBuffer<UInt8>()
    var nulls = 0
    /// The kind of the first value in this part (0: none yet), and every kind seen.
    var first: UInt8 = 0
    var seen: UInt8 = 0
    /// The row of this part's first float value, when it turned the part's ints into floats.
    var firstFloatRow = -1
    /// Rows stored as the int 0 that were written `-0`: a float column keeps them as −0.0 when they come after
    /// the column's first float value (they were parsed as floats then).
    var negativeZeroRows = RawBuffer<Int>()

    init(mode: SegmentMode, declared: Bool, sawValueBefore: Bool) {
        self.mode = mode
        self.declared = declared
        self.sawValueBefore = sawValueBefore
    }

    /// Whether the part holds at least one value (not only nulls).
    func hasValues(rows: Int) -> Bool { nulls < rows }

    mutating func free() {
        ints.free()
        doubles.free()
        bools.free()
        bytes.free()
        ends.free()
        validity.free()
        negativeZeroRows.free()
    }
}

/// The columns of one part of the file (a contiguous run of records), parsed by one thread.
final class CSVSegment {
    let columns: UnsafeMutablePointer<SegmentColumn>
    let columnCount: Int
    /// Records (rows) in this part.
    var rows = 0
    /// Where this part's first record starts in the window it was parsed from (for re-reading text).
    let dataStart: Int

    init(seeds: [SegmentColumn], dataStart: Int) {
        columnCount = seeds.count
        columns = .allocate(capacity: Swift.max(seeds.count, 1))
        columns.initialize(from: seeds, count: seeds.count)
        self.dataStart = dataStart
    }

    deinit {
        for index in 0..<columnCount { columns[index].free() }
        columns.deinitialize(count: columnCount)
        columns.deallocate()
    }
}

/// One field of the record being parsed: its bytes, and whether they hold `""` escapes.
struct FieldRange {
    var start: Int
    var end: Int
    var escaped: Bool
}

/// The fields of one record, in memory managed by hand.
struct FieldList {
    var ranges: UnsafeMutablePointer<FieldRange>
    var count = 0
    var capacity: Int
    /// Newlines inside quoted fields of the record.
    var newlines = 0

    init(capacity: Int) {
        self.capacity = Swift.max(capacity, 8)
        ranges = .allocate(capacity: self.capacity)
    }

    @inline(__always)
    mutating func append(_ start: Int, _ end: Int, _ escaped: Bool) {
        if count == capacity {
            let grown = UnsafeMutablePointer<FieldRange>.allocate(capacity: capacity * 2)
            grown.moveInitialize(from: ranges, count: count)
            ranges.deallocate()
            ranges = grown
            capacity *= 2
        }
        ranges[count] = FieldRange(start: start, end: end, escaped: escaped)
        count += 1
    }

    func free() { ranges.deallocate() }
}

/// What a part's parse ended with.
struct PartOutcome {
    /// Where parsing stopped: after the last record parsed, or at the start of a record the window cuts.
    var next: Int
    /// Whether it stopped at a record the window cuts (more input needed).
    var incomplete: Bool
}

/// Parses records of a window into a ``CSVSegment``: the hot loop of ``CSVReader``.
///
/// Lines are counted from `line`; a part parsed ahead of knowing where it starts counts from 1 and its errors
/// are moved to their real line once it is known (``rebase(lines:)``).
struct CSVPartParser {
    let source: String
    let names: [String]
    let delimiter: UInt8
    let segment: CSVSegment
    var line: Int
    /// Rows of the segment (kept here while parsing: a class property pays an exclusivity check per access).
    var rows = 0
    var fields: FieldList
    var scratch = RawBuffer<UInt8>()
    /// `special[c] != 0` for the delimiter, LF and CR: the bytes that end an unquoted field.
    let special: UnsafeMutablePointer<UInt8>

    init(source: String, names: [String], delimiter: UInt8, segment: CSVSegment, line: Int) {
        self.source = source
        self.names = names
        self.delimiter = delimiter
        self.segment = segment
        self.line = line
        fields = FieldList(capacity: names.count + 1)
        special = .allocate(capacity: 256)
        special.initialize(repeating: 0, count: 256)
        special[Int(delimiter)] = 1
        special[10] = 1
        special[13] = 1
    }

    /// Frees the parser's own buffers (not the segment).
    mutating func free() {
        fields.free()
        scratch.free()
        special.deallocate()
    }

    func name(_ index: Int) -> String? { index < names.count ? names[index] : nil }

    /// Parses records from `from` while they start before `limit`, reading up to `to`.
    mutating func parse(_ p: UnsafePointer<UInt8>, from: Int, limit: Int, to: Int, atEOF: Bool) throws -> PartOutcome {
        var i = from
        rows = segment.rows
        defer { segment.rows = rows }
        while i < limit {
            let next = try Self.tokenize(p, from: i, to: to, atEOF: atEOF, delimiter: delimiter, special: special, fields: &fields,
                                         line: line, source: source, names: names)
            if next < 0 { return PartOutcome(next: i, incomplete: true) }
            let recordLine = line
            line += 1 + fields.newlines
            if fields.count == 1, fields.ranges[0].start == i, fields.ranges[0].end == i {
                i = next
                continue  // a blank line
            }
            try commit(p, line: recordLine)
            i = next
        }
        return PartOutcome(next: i, incomplete: false)
    }

    /// Splits the record at `from` into `fields`. Returns the position after it, or −1 when the window ends
    /// inside it and more input may follow; at the end of input the record ends where the input does.
    @inline(__always)
    static func tokenize(_ p: UnsafePointer<UInt8>, from: Int, to: Int, atEOF: Bool, delimiter: UInt8, special: UnsafePointer<UInt8>,
                         fields: inout FieldList, line: Int, source: String, names: [String]) throws -> Int {
        let quote = UInt8(ascii: "\""), lf: UInt8 = 10, cr: UInt8 = 13
        var i = from
        fields.count = 0
        fields.newlines = 0
        var lineStart = i
        while true {
            if i < to, p[i] == quote {
                let quoteAt = i
                i += 1
                let contentStart = i
                var hasEscape = false
                while true {
                    guard i < to else {
                        if atEOF {
                            var quoteLine = line, lineBegin = from, k = from
                            while k < quoteAt {
                                if p[k] == lf {
                                    quoteLine += 1
                                    lineBegin = k + 1
                                }
                                k += 1
                            }
                            let column = fields.count
                            throw CSVError(source: source, line: quoteLine, column: column + 1, columnName: column < names.count ? names[column] : nil,
                                           "the quoted field that opens at character \(quoteAt - lineBegin + 1) is never closed; add the closing quote (a quote inside a quoted field is written as two quotes)")
                        }
                        return -1
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
                        return -1
                    }
                    if c == lf {
                        fields.newlines += 1
                        lineStart = i + 1
                    }
                    i += 1
                }
                fields.append(contentStart, i, hasEscape)
                i += 1
                if i < to, case let c = p[i], c != delimiter, c != lf, c != cr {
                    let column = fields.count - 1
                    throw CSVError(source: source, line: line + fields.newlines, column: fields.count, columnName: column < names.count ? names[column] : nil,
                                   "unexpected '\(Character(Unicode.Scalar(c)))' after the closing quote at character \(i - lineStart + 1); a quote inside a quoted field is written as two quotes")
                }
            } else {
                let fieldStart = i
                while i < to, special[Int(p[i])] == 0 { i += 1 }
                fields.append(fieldStart, i, false)
            }
            guard i < to else {
                if atEOF { return i }
                return -1
            }
            let c = p[i]
            if c == delimiter {
                i += 1
                continue
            }
            if c == lf { return i + 1 }
            if i + 1 < to { return i + (p[i + 1] == lf ? 2 : 1) }
            if atEOF { return i + 1 }
            return -1
        }
    }

    /// Field `index` of the current record, with `""` turned into `"` (in `scratch`).
    @inline(__always)
    mutating func fieldBytes(_ p: UnsafePointer<UInt8>, _ range: FieldRange) -> (UnsafePointer<UInt8>, Int) {
        guard range.escaped else { return (p + range.start, range.end - range.start) }
        scratch.removeAll()
        var i = range.start
        while i < range.end {
            scratch.append(p[i])
            i += p[i] == UInt8(ascii: "\"") ? 2 : 1
        }
        if scratch.capacity == 0 { scratch.grow(to: 1) }
        return (UnsafePointer(scratch.base!), scratch.count)
    }

    /// Adds the current record's fields to the segment's columns.
    @inline(__always)
    mutating func commit(_ p: UnsafePointer<UInt8>, line: Int) throws {
        let columnCount = segment.columnCount
        guard fields.count == columnCount else {
            let column = min(fields.count, columnCount) + 1
            throw CSVError(source: source, line: line, column: column, columnName: name(column - 1),
                           "expected \(columnCount) fields as in the header, found \(fields.count); quote fields that contain '\(Character(Unicode.Scalar(delimiter)))'")
        }
        let columns = segment.columns
        let row = rows
        for index in 0..<columnCount {
            let (q, n) = fieldBytes(p, fields.ranges[index])
            if !append(&columns[index], q, n, row: row, column: index, p) {
                throw CSVError(source: source, line: line, column: index + 1, columnName: names[index],
                               "'\(String(decoding: UnsafeBufferPointer(start: q, count: min(n, 60)), as: UTF8.self))' is not a valid \(declaredName(columns[index].mode)), the type the schema gives this column")
            }
        }
        rows = row + 1
    }

    func declaredName(_ mode: SegmentMode) -> ColumnType {
        switch mode {
        case .int: return .int
        case .float: return .float
        case .bool: return .bool
        case .text: return .string
        }
    }

    /// Adds one field to `column`. Returns false when a declared type rejects it.
    @inline(__always)
    mutating func append(_ column: inout SegmentColumn, _ q: UnsafePointer<UInt8>, _ n: Int, row: Int, column index: Int,
                         _ p: UnsafePointer<UInt8>) -> Bool {
        if n == 0 {
            appendNull(&column, row: row)
            return true
        }
        if column.nulls > 0 { column.validity.append(1) }
        switch column.mode {
        case .int:
            if let value = FieldParsing.int(q, n) {
                column.ints.append(value)
                if value == 0, q[0] == UInt8(ascii: "-"), !column.declared { column.negativeZeroRows.append(row) }
                column.seen |= ValueKind.int
                if column.first == 0 { column.first = ValueKind.int }
                return true
            }
        case .float:
            if let value = FieldParsing.double(q, n) {
                column.doubles.append(value)
                column.seen |= ValueKind.float
                if column.first == 0 { column.first = ValueKind.float }
                return true
            }
        case .bool:
            if let value = FieldParsing.bool(q, n) {
                column.bools.append(value ? 1 : 0)
                column.seen |= ValueKind.bool
                if column.first == 0 { column.first = ValueKind.bool }
                return true
            }
        case .text:
            column.bytes.append(q, n)
            column.ends.append(column.bytes.count)
            if column.first == 0 { column.first = ValueKind.text }
            column.seen |= ValueKind.text
            return true
        }
        return promote(&column, q, n, row: row, column: index, p)
    }

    /// Adds a null (an empty field) to `column`.
    @inline(__always)
    func appendNull(_ column: inout SegmentColumn, row: Int) {
        if column.nulls == 0 { column.validity.append(repeating: 1, row) }
        column.validity.append(0)
        column.nulls += 1
        switch column.mode {
        case .int: column.ints.append(0)
        case .float: column.doubles.append(0)
        case .bool: column.bools.append(0)
        case .text: column.ends.append(column.bytes.count)
        }
    }

    /// Adds a field its column's current type rejects: an error for a declared type (returns false), else the
    /// next type of inference (int → float → bool → string), converting the part's earlier rows.
    @inline(never)
    mutating func promote(_ column: inout SegmentColumn, _ q: UnsafePointer<UInt8>, _ n: Int, row: Int, column index: Int,
                          _ p: UnsafePointer<UInt8>) -> Bool {
        if column.declared { return false }
        switch column.mode {
        case .int:
            if let value = FieldParsing.double(q, n) {
                column.doubles.grow(to: Swift.max(column.ints.capacity, row + 1))
                for k in 0..<column.ints.count { column.doubles.append(Double(column.ints[k])) }
                column.doubles.append(value)
                column.ints.free()
                column.mode = .float
                column.firstFloatRow = row
                column.seen |= ValueKind.float
                if column.first == 0 { column.first = ValueKind.float }
                return true
            }
            if column.seen == 0, !column.sawValueBefore, let value = FieldParsing.bool(q, n) {
                column.bools.append(repeating: 0, column.ints.count)
                column.bools.append(value ? 1 : 0)
                column.ints.free()
                column.mode = .bool
                column.seen |= ValueKind.bool
                column.first = ValueKind.bool
                return true
            }
            column.seen |= FieldParsing.bool(q, n) != nil ? ValueKind.bool : ValueKind.text
        case .float:
            column.seen |= FieldParsing.bool(q, n) != nil ? ValueKind.bool : ValueKind.text
        case .bool:
            column.seen |= FieldParsing.int(q, n) != nil ? ValueKind.int : FieldParsing.double(q, n) != nil ? ValueKind.float : ValueKind.text
        case .text:
            break
        }
        // The column turns to text here: its earlier rows in this part are read again as text.
        if column.first == 0 { column.first = column.seen }
        column.ints.free()
        column.doubles.free()
        column.bools.free()
        column.mode = .text
        rereadText(&column, index: index, rows: row, p)
        column.bytes.append(q, n)
        column.ends.append(column.bytes.count)
        return true
    }

    /// Fills `column`'s text for this part's first `rows` rows from the window, which still holds them.
    /// (The field being added may lie in `scratch`, so the escapes are undone in a buffer of its own.)
    func rereadText(_ column: inout SegmentColumn, index: Int, rows: Int, _ p: UnsafePointer<UInt8>) {
        guard rows > 0 else { return }
        var list = FieldList(capacity: segment.columnCount + 1)
        defer { list.free() }
        var i = segment.dataStart
        var done = 0
        while done < rows {
            // These records were parsed once already: they are complete and well-formed.
            let next = (try? Self.tokenize(p, from: i, to: Int.max, atEOF: false, delimiter: delimiter, special: special, fields: &list,
                                           line: 0, source: source, names: names)) ?? -1
            precondition(next > i, "CSV reader: re-reading a parsed record failed")
            if !(list.count == 1 && list.ranges[0].start == i && list.ranges[0].end == i) {
                let range = list.ranges[index]
                if range.escaped {
                    var k = range.start
                    while k < range.end {
                        column.bytes.append(p[k])
                        k += p[k] == UInt8(ascii: "\"") ? 2 : 1
                    }
                } else {
                    column.bytes.append(p + range.start, range.end - range.start)
                }
                column.ends.append(column.bytes.count)
                done += 1
            }
            i = next
        }
    }
}
