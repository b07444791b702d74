// The Parquet encodings of DuckDB's and Spark's "v2" files: DELTA_BINARY_PACKED (integers),
// DELTA_LENGTH_BYTE_ARRAY and DELTA_BYTE_ARRAY (text), BYTE_STREAM_SPLIT (floats and integers). Each
// decoder turns its input into the PLAIN layout (or into text directly), checking every header field,
// bit width and length against the bytes left before use.

/// Reads a DELTA_BINARY_PACKED stream from `data[position..<end]`.
struct DeltaBinaryPackedDecoder {
    let data: [UInt8]
    var position: Int
    let end: Int

    init(data: [UInt8], from start: Int, to end: Int) {
        self.data = data
        self.position = start
        self.end = end
    }

    /// Exactly `count` values (the stream's header must say `count`), as 64-bit two's complement
    /// patterns; an INT32 column keeps the low 32 bits. `maxBitWidth` is 32 or 64.
    mutating func decode(count: Int, maxBitWidth: Int) throws(CodecFailure) -> [UInt64] {
        let blockSize = try varint()
        let miniblocks = try varint()
        let total = try varint()
        let first = try zigzag()
        guard blockSize > 0, blockSize <= 1 << 20, blockSize % 128 == 0, miniblocks > 0, blockSize % miniblocks == 0,
              (blockSize / miniblocks) % 32 == 0 else {
            throw CodecFailure("a DELTA_BINARY_PACKED header has block size \(blockSize) and \(miniblocks) miniblocks, which the format does not allow")
        }
        guard total == UInt64(count) else {
            throw CodecFailure("a DELTA_BINARY_PACKED stream holds \(total) values where the page has \(count)")
        }
        var values: [UInt64] = []
        guard count > 0 else { return values }
        values.reserveCapacity(count)
        values.append(first)
        let perMiniblock = Int(blockSize / miniblocks)
        var previous = first
        var deltas: [UInt64] = []
        while values.count < count {
            let minDelta = try zigzag()
            guard end - position >= Int(miniblocks) else { throw CodecFailure("a DELTA_BINARY_PACKED block's bit widths run past the end") }
            let widths = Array(data[position..<(position + Int(miniblocks))])
            position += Int(miniblocks)
            for width in widths where values.count < count {
                let bitWidth = Int(width)
                guard bitWidth <= maxBitWidth else { throw CodecFailure("a DELTA_BINARY_PACKED miniblock is \(bitWidth) bits wide") }
                let take = min(perMiniblock, count - values.count)
                let needed = (take * bitWidth + 7) / 8
                guard end - position >= needed else { throw CodecFailure("a DELTA_BINARY_PACKED miniblock runs past the end") }
                deltas.removeAll(keepingCapacity: true)
                unpackBits(data, from: position, count: take, bitWidth: bitWidth, into: &deltas)
                // The last miniblock may be padded to its full size; a writer that cut it short is accepted.
                position += min(perMiniblock * bitWidth / 8, end - position)
                for delta in deltas {
                    previous = previous &+ minDelta &+ delta
                    values.append(previous)
                }
            }
        }
        return values
    }

    private mutating func varint() throws(CodecFailure) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard position < end else { throw CodecFailure("a DELTA_BINARY_PACKED header runs past the end") }
            let b = data[position]
            position += 1
            if shift == 63 && b > 1 { throw CodecFailure("a DELTA_BINARY_PACKED varint does not fit in 64 bits") }
            result |= UInt64(b & 0x7f) << shift
            if b & 0x80 == 0 { return result }
            shift += 7
            if shift > 63 { throw CodecFailure("a DELTA_BINARY_PACKED varint is longer than 10 bytes") }
        }
    }

    private mutating func zigzag() throws(CodecFailure) -> UInt64 {
        let v = try varint()
        return (v >> 1) ^ (0 &- (v & 1))
    }
}

/// `count` values of `bitWidth` (0...64) bits packed LSB first from `data[start...]`; the caller has
/// checked that `ceil(count × bitWidth / 8)` bytes are there.
func unpackBits(_ data: [UInt8], from start: Int, count: Int, bitWidth: Int, into out: inout [UInt64]) {
    guard bitWidth > 0 else {
        out.append(contentsOf: repeatElement(0, count: count))
        return
    }
    let mask: UInt64 = bitWidth == 64 ? .max : (1 << UInt64(bitWidth)) - 1
    for i in 0..<count {
        let bit = i * bitWidth
        let p = start + bit / 8
        let shift = bit % 8
        let needed = (shift + bitWidth + 7) / 8
        var low: UInt64 = 0
        for k in 0..<min(needed, 8) { low |= UInt64(data[p + k]) << UInt64(8 * k) }
        var value = low >> UInt64(shift)
        if needed == 9 { value |= UInt64(data[p + 8]) << UInt64(64 - shift) }
        out.append(value & mask)
    }
}

extension ParquetFileParser {
    /// DELTA_BINARY_PACKED integers re-laid as PLAIN bytes (4 or 8 per value) for ``decodePlain``.
    func deltaBinaryPackedAsPlain(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, physical: ParquetPhysicalType,
                                  _ pageFail: (String) -> ParquetError) throws -> [UInt8] {
        guard physical == .int32 || physical == .int64 else { throw pageFail("DELTA_BINARY_PACKED is for integers, not \(physical)") }
        var decoder = DeltaBinaryPackedDecoder(data: bytes, from: start, to: end)
        let values: [UInt64]
        do { values = try decoder.decode(count: count, maxBitWidth: physical == .int32 ? 32 : 64) } catch { throw pageFail(error.message) }
        if physical == .int32 {
            return ParquetWriter.littleEndianBytes(values.map { UInt32(truncatingIfNeeded: $0) })
        }
        return ParquetWriter.littleEndianBytes(values)
    }

    /// BYTE_STREAM_SPLIT values (byte k of value i at `k × count + i`) re-laid as PLAIN bytes.
    func byteStreamSplitAsPlain(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, physical: ParquetPhysicalType,
                                _ pageFail: (String) -> ParquetError) throws -> [UInt8] {
        let width: Int
        switch physical {
        case .float, .int32: width = 4
        case .double, .int64: width = 8
        default: throw pageFail("BYTE_STREAM_SPLIT is not read for \(physical)")
        }
        guard count <= (end - start) / width else { throw pageFail("\(count) BYTE_STREAM_SPLIT values of \(width) bytes do not fit in the page") }
        var out = [UInt8](repeating: 0, count: count * width)
        for k in 0..<width {
            for i in 0..<count { out[i * width + k] = bytes[start + k * count + i] }
        }
        return out
    }

    /// DELTA_LENGTH_BYTE_ARRAY: the lengths (DELTA_BINARY_PACKED), then the text back to back.
    /// Returns the strings and where they end.
    func deltaLengthByteArray(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, stringBytes: inout Int,
                              _ pageFail: (String) -> ParquetError) throws -> (bytes: [UInt8], offsets: [Int], end: Int) {
        var decoder = DeltaBinaryPackedDecoder(data: bytes, from: start, to: end)
        let lengths: [UInt64]
        do { lengths = try decoder.decode(count: count, maxBitWidth: 32) } catch { throw pageFail("string lengths: \(error.message)") }
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        var total = 0
        for length in lengths {
            let value = Int32(truncatingIfNeeded: length)
            guard value >= 0, Int(value) <= end - decoder.position - total else {
                throw pageFail("a DELTA_LENGTH_BYTE_ARRAY string of \(value) bytes runs past the page's end")
            }
            total += Int(value)
            offsets.append(total)
        }
        guard total <= options.maxStringBytes - stringBytes else {
            throw pageFail("the column's text would exceed the limit of \(options.maxStringBytes) bytes")
        }
        stringBytes += total
        return (Array(bytes[decoder.position..<(decoder.position + total)]), offsets, decoder.position + total)
    }

    /// DELTA_BYTE_ARRAY: prefix lengths (DELTA_BINARY_PACKED), then the suffixes (DELTA_LENGTH_BYTE_ARRAY);
    /// each value is that much of the previous value followed by its suffix.
    func deltaByteArray(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, stringBytes: inout Int,
                        _ pageFail: (String) -> ParquetError) throws -> ParquetValues {
        var decoder = DeltaBinaryPackedDecoder(data: bytes, from: start, to: end)
        let prefixes: [UInt64]
        do { prefixes = try decoder.decode(count: count, maxBitWidth: 32) } catch { throw pageFail("prefix lengths: \(error.message)") }
        let suffixes = try deltaLengthByteArray(bytes, decoder.position, end, count: count, stringBytes: &stringBytes, pageFail)
        var out: [UInt8] = []
        var offsets = [0]
        offsets.reserveCapacity(count + 1)
        var previous = 0..<0
        var added = 0
        for i in 0..<count {
            let prefix = Int32(truncatingIfNeeded: prefixes[i])
            guard prefix >= 0, Int(prefix) <= previous.count else {
                throw pageFail("a DELTA_BYTE_ARRAY value reuses \(prefix) bytes of a \(previous.count)-byte predecessor")
            }
            added += Int(prefix)
            guard added <= options.maxStringBytes - stringBytes else {
                throw pageFail("the column's text would exceed the limit of \(options.maxStringBytes) bytes")
            }
            let startOfValue = out.count
            out.append(contentsOf: out[previous.lowerBound..<(previous.lowerBound + Int(prefix))])
            out.append(contentsOf: suffixes.bytes[suffixes.offsets[i]..<suffixes.offsets[i + 1]])
            offsets.append(out.count)
            previous = startOfValue..<out.count
        }
        stringBytes += added
        return .strings(bytes: out, offsets: offsets)
    }
}
