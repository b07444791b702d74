/// Per-column statistics of a dataset, stored in its `mlpds` header and shown next to a run.
public struct Profile: Codable, Sendable, Equatable {
    /// One value and how often it occurs.
    public struct Frequency: Codable, Sendable, Equatable {
        public var value: String
        public var count: Int
    }

    /// One column's statistics. Numeric fields are set for `int` and `float` columns, `trueCount` for
    /// `bool` columns, `distinct` and `top` for `string` columns.
    public struct ColumnProfile: Codable, Sendable, Equatable {
        public var name: String
        public var type: ColumnType
        /// Rows, nulls included.
        public var count: Int
        public var nulls: Int
        public var min: Double?
        public var max: Double?
        public var mean: Double?
        /// Sample standard deviation (n − 1); absent with fewer than two values.
        public var std: Double?
        public var trueCount: Int?
        public var distinct: Int?
        /// The most frequent values, most frequent first (ties by value), at most ``Profile/topCount``.
        public var top: [Frequency]?

        enum CodingKeys: String, CodingKey {
            case name, type, count, nulls, min, max, mean, std, distinct, top
            case trueCount = "true_count"
        }
    }

    /// How many top values a string column lists.
    public static let topCount = 5

    /// The number of rows.
    public var rows: Int
    /// One entry per column, in dataset order.
    public var columns: [ColumnProfile]

    /// Computes the profile of `dataset` in one pass per column.
    public init(_ dataset: Dataset) {
        rows = dataset.rowCount
        columns = dataset.columns.map(Profile.profile(of:))
    }

    static func profile(of column: Column) -> ColumnProfile {
        var result = ColumnProfile(name: column.name, type: column.type, count: column.count, nulls: column.nullCount)
        let valid = column.validity
        switch column.storage {
        case .float(let values): result.setNumeric(values.indices.lazy.filter { valid?[$0] ?? true }.map { values[$0] })
        case .int(let values): result.setNumeric(values.indices.lazy.filter { valid?[$0] ?? true }.map { Double(values[$0]) })
        case .bool(let values):
            result.trueCount = values.indices.reduce(0) { $0 + ((valid?[$1] ?? true) && values[$1] ? 1 : 0) }
        case .string(let buffer):
            var counts: [ArraySlice<UInt8>: Int] = [:]
            for row in 0..<buffer.count where valid?[row] ?? true { counts[buffer.utf8(at: row), default: 0] += 1 }
            result.setFrequencies(counts.map { (String(decoding: $0.key, as: UTF8.self), $0.value) })
        case .categorical(let codes, let dictionary):
            var counts = [Int](repeating: 0, count: dictionary.count)
            for row in codes.indices where valid?[row] ?? true { counts[Int(codes[row])] += 1 }
            result.setFrequencies(counts.enumerated().filter { $0.element > 0 }.map { (dictionary[$0.offset], $0.element) })
        }
        return result
    }
}

extension Profile.ColumnProfile {
    init(name: String, type: ColumnType, count: Int, nulls: Int) {
        self.name = name
        self.type = type
        self.count = count
        self.nulls = nulls
    }

    /// Min, max, mean and std by Welford's method (stable for large means).
    mutating func setNumeric<S: Sequence>(_ values: S) where S.Element == Double {
        var n = 0.0, mean = 0.0, m2 = 0.0
        var low = Double.infinity, high = -Double.infinity
        for value in values {
            n += 1
            let delta = value - mean
            mean += delta / n
            m2 += delta * (value - mean)
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        guard n > 0 else { return }
        min = low
        max = high
        self.mean = mean
        if n > 1 { std = (m2 / (n - 1)).squareRoot() }
    }

    mutating func setFrequencies(_ counts: [(String, Int)]) {
        distinct = counts.count
        top = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .prefix(Profile.topCount).map { Profile.Frequency(value: $0.0, count: $0.1) }
    }
}
