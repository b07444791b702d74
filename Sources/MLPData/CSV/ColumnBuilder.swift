/// Collects one column's fields while a file streams by, inferring its type on the fly.
///
/// Inference tries int, then float, then bool, then falls back to string; an empty field is a null.
/// While the type is inferred the raw text is kept too, so a late promotion to string loses nothing.
final class ColumnBuilder {
    enum State { case int, float, bool, string }

    let name: String
    let declared: ColumnType?
    private(set) var state: State
    private var sawValue = false
    private let keepText: Bool
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [Bool] = []
    var text = StringBuffer()
    var validity: [Bool] = []
    var nulls = 0

    init(name: String, declared: ColumnType?) {
        self.name = name
        self.declared = declared
        switch declared {
        case .float: state = .float
        case .bool: state = .bool
        case .string: state = .string
        case .int, nil: state = .int
        }
        keepText = declared == nil || declared == .string
    }

    /// Adds one field. Returns false when a declared type rejects it.
    @inline(__always)
    func append(_ p: UnsafePointer<UInt8>, _ count: Int) -> Bool {
        if count == 0 {
            validity.append(false)
            nulls += 1
            switch state {
            case .int: ints.append(0)
            case .float: doubles.append(0)
            case .bool: bools.append(false)
            case .string: break
            }
            if keepText { text.appendEmpty() }
            return true
        }
        validity.append(true)
        if keepText { text.append(utf8: UnsafeBufferPointer(start: p, count: count)) }
        switch state {
        case .int:
            if let value = FieldParsing.int(p, count) {
                ints.append(value)
            } else if declared != nil {
                return false
            } else if let value = FieldParsing.double(p, count) {
                doubles = ints.map(Double.init)
                doubles.append(value)
                ints = []
                state = .float
            } else if !sawValue, let value = FieldParsing.bool(p, count) {
                bools = [Bool](repeating: false, count: ints.count)
                bools.append(value)
                ints = []
                state = .bool
            } else {
                ints = []
                state = .string
            }
        case .float:
            if let value = FieldParsing.double(p, count) {
                doubles.append(value)
            } else if declared != nil {
                return false
            } else {
                doubles = []
                state = .string
            }
        case .bool:
            if let value = FieldParsing.bool(p, count) {
                bools.append(value)
            } else if declared != nil {
                return false
            } else {
                bools = []
                state = .string
            }
        case .string:
            break
        }
        sawValue = true
        return true
    }

    /// The finished column. A column with no value at all is a string column of nulls.
    func finish(categoricalLimit: Int) -> Column {
        let storage: ColumnStorage
        switch state {
        case .int where sawValue || declared == .int: storage = .int(ints)
        case .float: storage = .float(doubles)
        case .bool: storage = .bool(bools)
        case .int, .string: storage = .string(text)
        }
        let column = Column(name: name, storage: storage, validity: nulls > 0 ? validity : nil)
        if categoricalLimit > 0, case .string(let buffer) = storage, distinctCount(buffer, upTo: categoricalLimit) <= categoricalLimit {
            return column.dictionaryEncoded()
        }
        return column
    }

    /// Whether the text is valid UTF-8 with every value starting on a character boundary.
    func textIsValidUTF8() -> Bool {
        guard state == .string || (state == .int && !sawValue) else { return true }
        for offset in text.offsets where offset < text.bytes.count && text.bytes[offset] & 0xC0 == 0x80 { return false }
        return String(validating: text.bytes, as: UTF8.self) != nil
    }

    private func distinctCount(_ buffer: StringBuffer, upTo limit: Int) -> Int {
        var seen = Set<ArraySlice<UInt8>>()
        for row in 0..<buffer.count {
            seen.insert(buffer.utf8(at: row))
            if seen.count > limit { break }
        }
        return seen.count
    }
}

extension ColumnBuilder {
    /// Adds a value that is text whatever it looks like (a JSON string), making the column a string column.
    func appendText(_ p: UnsafePointer<UInt8>, _ count: Int) {
        if count == 0 {
            _ = append(p, 0)
            return
        }
        if state != .string {
            state = .string
            ints = []
            doubles = []
            bools = []
        }
        _ = append(p, count)
    }

    /// Adds `count` nulls (rows read before this column's first key appeared).
    func appendNulls(_ count: Int) {
        var empty: UInt8 = 0
        for _ in 0..<count { _ = append(&empty, 0) }
    }

    /// The number of rows so far.
    var rowCount: Int { validity.count }
}
