import Dispatch
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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

    /// Computes the profile of `dataset` in one pass per column, the columns on all cores at once.
    public init(_ dataset: Dataset) {
        rows = dataset.rowCount
        let columns = dataset.columns
        guard columns.count > 1, dataset.rowCount >= 100_000 else {
            self.columns = columns.map(Profile.profile(of:))
            return
        }
        let results = UnsafeMutablePointer<ColumnProfile?>.allocate(capacity: columns.count)
        results.initialize(repeating: nil, count: columns.count)
        defer {
            results.deinitialize(count: columns.count)
            results.deallocate()
        }
        DispatchQueue.concurrentPerform(iterations: columns.count) { index in results[index] = Profile.profile(of: columns[index]) }
        self.columns = (0..<columns.count).map { results[$0]! }
    }

    static func profile(of column: Column) -> ColumnProfile {
        var result = ColumnProfile(name: column.name, type: column.type, count: column.count, nulls: column.nullCount)
        let valid = column.validity
        switch column.storage {
        case .float(let values): values.withUnsafeBufferPointer { result.setNumeric($0, valid: valid) { $0 } }
        case .int(let values): values.withUnsafeBufferPointer { result.setNumeric($0, valid: valid) { Double($0) } }
        case .bool(let values):
            result.trueCount = values.indices.reduce(0) { $0 + ((valid?[$1] ?? true) && values[$1] ? 1 : 0) }
        case .string(let buffer):
            result.setFrequencies(ByteStringCounter.count(buffer, valid: valid))
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

    /// Min, max, mean and std by Welford's method (stable for large means) of the valid `values`.
    @inline(__always)
    mutating func setNumeric<T>(_ values: UnsafeBufferPointer<T>, valid: [Bool]?, _ double: (T) -> Double) {
        var n = 0.0, mean = 0.0, m2 = 0.0
        var low = Double.infinity, high = -Double.infinity
        @inline(__always) func add(_ value: Double) {
            n += 1
            let delta = value - mean
            mean += delta / n
            m2 += delta * (value - mean)
            low = Swift.min(low, value)
            high = Swift.max(high, value)
        }
        if let valid {
            valid.withUnsafeBufferPointer { valid in
                for index in 0..<values.count where valid[index] { add(double(values[index])) }
            }
        } else {
            for value in values { add(double(value)) }
        }
        guard n > 0 else { return }
        // A statistic that is not finite (an infinite or NaN value in the data, or one that
        // overflows, as squares of 1e300 do) is left out: JSON has no number for it, and the
        // profile is written with every dataset.
        min = low.isFinite ? low : nil
        max = high.isFinite ? high : nil
        self.mean = mean.isFinite ? mean : nil
        if n > 1 {
            let deviation = (m2 / (n - 1)).squareRoot()
            std = deviation.isFinite ? deviation : nil
        }
    }

    mutating func setFrequencies(_ counts: [(String, Int)]) {
        distinct = counts.count
        top = counts.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
            .prefix(Profile.topCount).map { Profile.Frequency(value: $0.0, count: $0.1) }
    }

    /// The distinct count and the ``Profile/topCount`` most frequent values (most frequent first, ties by
    /// value), as ``setFrequencies(_:)-([(String,Int)])`` gives them, making a `String` only of values that may
    /// be among them.
    mutating func setFrequencies(_ counted: ByteStringCounter.Counts) {
        distinct = counted.entries.count
        var best: [(String, Int)] = []
        let before: ((String, Int), (String, Int)) -> Bool = { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }
        counted.bytes.withUnsafeBufferPointer { bytes in
            for entry in counted.entries {
                if best.count == Profile.topCount, entry.count < best[best.count - 1].1 { continue }
                let value = String(decoding: UnsafeBufferPointer(rebasing: bytes[entry.start..<entry.end]), as: UTF8.self)
                let candidate = (value, entry.count)
                if best.count == Profile.topCount {
                    guard before(candidate, best[best.count - 1]) else { continue }
                    best.removeLast()
                }
                let at = best.firstIndex { before(candidate, $0) } ?? best.count
                best.insert(candidate, at: at)
            }
        }
        top = best.map { Profile.Frequency(value: $0.0, count: $0.1) }
    }
}

/// Counts the distinct values of a text column with an open-addressing table keyed by the bytes themselves
/// (no `String`, no `Hasher` per row).
enum ByteStringCounter {
    struct Entry {
        var start: Int
        var end: Int
        var count: Int
    }

    struct Counts {
        let bytes: [UInt8]
        var entries: [Entry]
    }

    static func count(_ buffer: StringBuffer, valid: [Bool]?) -> Counts {
        let entries = buffer.bytes.withUnsafeBufferPointer { bytes in
            buffer.offsets.withUnsafeBufferPointer { offsets in
                if let valid {
                    return valid.withUnsafeBufferPointer { valid in count(bytes, offsets, valid) }
                }
                return count(bytes, offsets, nil)
            }
        }
        return Counts(bytes: buffer.bytes, entries: entries)
    }

    static func count(_ bytes: UnsafeBufferPointer<UInt8>, _ offsets: UnsafeBufferPointer<Int>, _ valid: UnsafeBufferPointer<Bool>?) -> [Entry] {
        var entries: [Entry] = []
        var mask = 1023
        var slots = [Int32](repeating: -1, count: mask + 1)
        var hashes: [UInt64] = []
        let base = bytes.baseAddress ?? UnsafePointer(bitPattern: 8)!
        for row in 0..<(offsets.count - 1) {
            if let valid, !valid[row] { continue }
            let start = offsets[row], end = offsets[row + 1]
            let hash = Self.hash(base + start, end - start)
            var slot = Int(truncatingIfNeeded: hash) & mask
            while true {
                let index = Int(slots[slot])
                if index < 0 {
                    slots[slot] = Int32(entries.count)
                    entries.append(Entry(start: start, end: end, count: 1))
                    hashes.append(hash)
                    if entries.count * 2 > mask {
                        mask = mask * 2 + 1
                        slots = [Int32](repeating: -1, count: mask + 1)
                        for (number, hash) in hashes.enumerated() {
                            var at = Int(truncatingIfNeeded: hash) & mask
                            while slots[at] >= 0 { at = (at + 1) & mask }
                            slots[at] = Int32(number)
                        }
                    }
                    break
                }
                let entry = entries[index]
                if hashes[index] == hash, entry.end - entry.start == end - start, memcmp(base + entry.start, base + start, end - start) == 0 {
                    entries[index].count += 1
                    break
                }
                slot = (slot + 1) & mask
            }
        }
        return entries
    }

    /// A 64-bit hash of `count` bytes, eight at a time.
    @inline(__always)
    static func hash(_ p: UnsafePointer<UInt8>, _ count: Int) -> UInt64 {
        var h = UInt64(truncatingIfNeeded: count) &* 0x9E37_79B9_7F4A_7C15
        var i = 0
        let raw = UnsafeRawPointer(p)
        while i + 8 <= count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        if i < count {
            var tail: UInt64 = 0
            for k in i..<count { tail = tail << 8 | UInt64(p[k]) }
            h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
            h ^= h >> 29
        }
        return h ^ (h >> 32)
    }
}
