/// The logical type of a column.
public enum ColumnType: String, Codable, Sendable, CaseIterable, CustomStringConvertible {
    /// 64-bit floating point.
    case float
    /// 64-bit signed integer.
    case int
    /// true / false.
    case bool
    /// UTF-8 text, stored plainly or dictionary-encoded (categorical).
    case string

    public var description: String { rawValue }
}

/// One value of a column, for code that looks at single cells (checks, tests, display).
public enum CellValue: Hashable, Sendable, CustomStringConvertible {
    case float(Double)
    case int(Int64)
    case bool(Bool)
    case string(String)

    /// The value as a number, for range checks; strings and bools have none.
    public var numeric: Double? {
        switch self {
        case .float(let value): return value
        case .int(let value): return Double(value)
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .float(let value): return "\(value)"
        case .int(let value): return "\(value)"
        case .bool(let value): return value ? "true" : "false"
        case .string(let value): return value
        }
    }
}

/// A column's values in their physical layout. A null row holds a placeholder (0, false, "" or code 0)
/// and is marked in ``Column/validity``.
public enum ColumnStorage: Sendable, Hashable {
    case float([Double])
    case int([Int64])
    case bool([Bool])
    /// Plain text.
    case string(StringBuffer)
    /// Categorical text: each row is an index into `dictionary`.
    case categorical(codes: [Int32], dictionary: StringBuffer)

    /// The logical type.
    public var type: ColumnType {
        switch self {
        case .float: return .float
        case .int: return .int
        case .bool: return .bool
        case .string, .categorical: return .string
        }
    }

    /// The number of rows.
    public var count: Int {
        switch self {
        case .float(let values): return values.count
        case .int(let values): return values.count
        case .bool(let values): return values.count
        case .string(let buffer): return buffer.count
        case .categorical(let codes, _): return codes.count
        }
    }
}

/// A named, typed column with optional nulls.
public struct Column: Sendable, Hashable {
    /// The column's name, unique within a dataset.
    public var name: String
    /// The values.
    public var storage: ColumnStorage
    /// `validity[i] == false` marks row `i` null; `nil` means no row is null.
    public var validity: [Bool]?
    /// What an `int` column's integers mean when they are dates or timestamps; `nil` for plain values
    /// (and always for other types).
    public var logical: LogicalType?

    /// A column; `validity`, when given, must have one entry per row; `logical` only on an `int` column.
    public init(name: String, storage: ColumnStorage, validity: [Bool]? = nil, logical: LogicalType? = nil) {
        self.name = name
        self.storage = storage
        self.validity = validity.flatMap { $0.contains(false) ? $0 : nil }
        self.logical = storage.type == .int ? logical : nil
    }

    /// A float column; `nil` entries are nulls.
    public static func float(_ name: String, _ values: [Double?]) -> Column {
        Column(name: name, storage: .float(values.map { $0 ?? 0 }), validity: values.map { $0 != nil })
    }

    /// An int column; `nil` entries are nulls.
    public static func int(_ name: String, _ values: [Int64?]) -> Column {
        Column(name: name, storage: .int(values.map { $0 ?? 0 }), validity: values.map { $0 != nil })
    }

    /// A bool column; `nil` entries are nulls.
    public static func bool(_ name: String, _ values: [Bool?]) -> Column {
        Column(name: name, storage: .bool(values.map { $0 ?? false }), validity: values.map { $0 != nil })
    }

    /// A plain string column; `nil` entries are nulls.
    public static func string(_ name: String, _ values: [String?]) -> Column {
        Column(name: name, storage: .string(StringBuffer(values.map { $0 ?? "" })), validity: values.map { $0 != nil })
    }

    /// The logical type.
    public var type: ColumnType { storage.type }
    /// The number of rows.
    public var count: Int { storage.count }
    /// The number of null rows.
    public var nullCount: Int { validity.map { $0.reduce(0) { $0 + ($1 ? 0 : 1) } } ?? 0 }
    /// Whether this is a dictionary-encoded string column.
    public var isCategorical: Bool {
        if case .categorical = storage { return true }
        return false
    }

    /// Whether row `row` is null.
    public func isNull(_ row: Int) -> Bool { validity.map { !$0[row] } ?? false }

    /// Row `row`'s value, or `nil` when it is null.
    public subscript(row: Int) -> CellValue? {
        if isNull(row) { return nil }
        switch storage {
        case .float(let values): return .float(values[row])
        case .int(let values): return .int(values[row])
        case .bool(let values): return .bool(values[row])
        case .string(let buffer): return .string(buffer[row])
        case .categorical(let codes, let dictionary): return .string(dictionary[Int(codes[row])])
        }
    }

    /// The same column with string values dictionary-encoded (categorical); other types are returned as they are.
    ///
    /// Dictionary entries are in order of first appearance; null rows get code 0.
    public func dictionaryEncoded() -> Column {
        guard case .string(let buffer) = storage else { return self }
        var index: [ArraySlice<UInt8>: Int32] = [:]
        var dictionary = StringBuffer()
        var codes = [Int32](repeating: 0, count: buffer.count)
        for row in 0..<buffer.count where !isNull(row) {
            let bytes = buffer.utf8(at: row)
            if let code = index[bytes] {
                codes[row] = code
            } else {
                let code = Int32(dictionary.count)
                index[bytes] = code
                bytes.withUnsafeBufferPointer { dictionary.append(utf8: $0) }
                codes[row] = code
            }
        }
        return Column(name: name, storage: .categorical(codes: codes, dictionary: dictionary), validity: validity)
    }
}
