// Parquet's RLE / bit-packed hybrid encoding (definition levels, dictionary indices, booleans):
// runs of `varint header`, where `header & 1 == 1` starts `header >> 1` groups of 8 bit-packed values
// (LSB first) and `header & 1 == 0` repeats one value, stored in ceil(bitWidth / 8) bytes, `header >> 1` times.

/// Decodes hybrid runs from `data[position..<end]`; every run is checked against what is left.
struct HybridDecoder {
    let data: [UInt8]
    var position: Int
    let end: Int
    let bitWidth: Int

    /// `bitWidth` must be 0...32 (the caller checks a width read from the file).
    init(data: [UInt8], from start: Int, to end: Int, bitWidth: Int) {
        self.data = data
        self.position = start
        self.end = end
        self.bitWidth = bitWidth
    }

    /// Exactly `count` values, or a message saying why there are not that many.
    mutating func decode(count: Int) throws(CodecFailure) -> [UInt32] {
        var values: [UInt32] = []
        values.reserveCapacity(count)
        let mask: UInt64 = bitWidth == 32 ? 0xffff_ffff : (1 << UInt64(bitWidth)) - 1
        while values.count < count {
            guard position < end else {
                throw CodecFailure("the RLE/bit-packed data ends after \(values.count) of \(count) values")
            }
            let header = try varint()
            let wanted = count - values.count
            if header & 1 == 1 {
                // Bit-packed: groups × 8 values in groups × bitWidth bytes. A writer may cut the last run
                // short; only whole values inside the data are used.
                let groups = header >> 1
                let left = end - position
                let runBytes = bitWidth == 0 ? 0 : (groups > UInt64(left) ? left : min(left, Int(groups) * bitWidth))
                let runValues = bitWidth == 0 ? Int(min(groups, UInt64(Int.max / 8))) * 8 : runBytes * 8 / bitWidth
                guard runValues > 0 || groups == 0 else { throw CodecFailure("a bit-packed run runs past the end of its data") }
                let take = min(runValues, wanted)
                var accumulator: UInt64 = 0
                var bits = 0
                var p = position
                for _ in 0..<take {
                    while bits < bitWidth {
                        accumulator |= UInt64(data[p]) << UInt64(bits)
                        p += 1
                        bits += 8
                    }
                    values.append(UInt32(truncatingIfNeeded: accumulator & mask))
                    accumulator >>= UInt64(bitWidth)
                    bits -= bitWidth
                }
                position += runBytes
            } else {
                let repeats = header >> 1
                let width = (bitWidth + 7) / 8
                guard end - position >= width else { throw CodecFailure("an RLE run's value runs past the end of its data") }
                var value: UInt64 = 0
                for i in 0..<width { value |= UInt64(data[position + i]) << UInt64(8 * i) }
                position += width
                guard value <= mask else { throw CodecFailure("an RLE run repeats \(value), wider than \(bitWidth) bits") }
                let take = Int(min(repeats, UInt64(wanted)))
                values.append(contentsOf: repeatElement(UInt32(value), count: take))
            }
        }
        return values
    }

    private mutating func varint() throws(CodecFailure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw CodecFailure("a run header runs past the end of its data") }
            let b = data[position]
            position += 1
            if shift == 63 && b > 1 { throw CodecFailure("a run header does not fit in 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw CodecFailure("a run header is longer than 10 bytes") }
        }
    }
}

/// Encodes values as hybrid runs: RLE for runs of 8 or more equal values, bit-packed groups otherwise.
struct HybridEncoder {
    let bitWidth: Int
    private(set) var bytes: [UInt8] = []
    private var pending: [UInt32] = []

    init(bitWidth: Int) { self.bitWidth = bitWidth }

    /// Encodes all of `values`.
    static func encode(_ values: [UInt32], bitWidth: Int) -> [UInt8] {
        var encoder = HybridEncoder(bitWidth: bitWidth)
        var i = 0
        while i < values.count {
            var run = 1
            while i + run < values.count && values[i + run] == values[i] { run += 1 }
            // A repeat starts only where the pending literals fill whole groups of 8.
            if run >= 8 && encoder.pending.count % 8 == 0 {
                encoder.flushLiterals()
                encoder.repeatRun(values[i], count: run)
                i += run
            } else {
                let take = run >= 8 ? (8 - encoder.pending.count % 8) : run
                encoder.pending.append(contentsOf: repeatElement(values[i], count: take))
                i += take
            }
        }
        encoder.flushLiterals()
        return encoder.bytes
    }

    private mutating func varint(_ value: UInt64) {
        var v = value
        while v >= 0x80 {
            bytes.append(UInt8(v & 0x7f) | 0x80)
            v >>= 7
        }
        bytes.append(UInt8(v))
    }

    private mutating func repeatRun(_ value: UInt32, count: Int) {
        varint(UInt64(count) << 1)
        for i in 0..<((bitWidth + 7) / 8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(8 * i))) }
    }

    private mutating func flushLiterals() {
        guard !pending.isEmpty else { return }
        let groups = (pending.count + 7) / 8
        varint(UInt64(groups) << 1 | 1)
        bytes.append(contentsOf: packBits(pending, bitWidth: bitWidth, groups: groups))
        pending.removeAll(keepingCapacity: true)
    }
}

/// `values` packed LSB first at `bitWidth` bits each, padded with zeros to `groups` × 8 values.
func packBits(_ values: [UInt32], bitWidth: Int, groups: Int) -> [UInt8] {
    var out = [UInt8]()
    out.reserveCapacity(groups * bitWidth)
    var accumulator: UInt64 = 0
    var bits = 0
    for index in 0..<(groups * 8) {
        let value = index < values.count ? UInt64(values[index]) : 0
        accumulator |= value << UInt64(bits)
        bits += bitWidth
        while bits >= 8 {
            out.append(UInt8(truncatingIfNeeded: accumulator))
            accumulator >>= 8
            bits -= 8
        }
    }
    if bits > 0 { out.append(UInt8(truncatingIfNeeded: accumulator)) }
    return out
}

/// The number of bits needed for values up to `maxValue`.
func bitWidth(for maxValue: Int) -> Int {
    maxValue <= 0 ? 0 : Int.bitWidth - maxValue.leadingZeroBitCount
}
