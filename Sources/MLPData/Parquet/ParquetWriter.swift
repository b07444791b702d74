#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// How ``ParquetWriter`` lays a dataset out.
public struct ParquetWriteOptions: Sendable {
    /// The page compression codec (snappy, as pandas and pyarrow default to).
    public var codec: ParquetCodec = .snappy
    /// Dictionary-encode string columns where that is smaller: categorical columns, and text whose
    /// distinct values are at most half its values. Off: every column is PLAIN.
    public var dictionary = true
    /// Rows per row group.
    public var rowGroupRows = 1 << 20
    /// The size a data page aims at before compression.
    public var pageBytes = 1 << 20
    /// Write data pages v2 (levels uncompressed, ahead of the values) instead of v1.
    public var dataPageV2 = false

    /// Snappy, dictionaries for text, 2²⁰ rows per row group, 1 MiB pages, data pages v1.
    public init(codec: ParquetCodec = .snappy, dictionary: Bool = true) {
        self.codec = codec
        self.dictionary = dictionary
    }
}

/// Writes a ``Dataset`` as an Apache Parquet file that pyarrow, pandas, DuckDB and Spark read.
///
/// Column types: `float` → DOUBLE, `int` → INT64, `bool` → BOOLEAN, `string` → BYTE_ARRAY annotated
/// STRING (UTF8); an `int` column annotated ``LogicalType/date`` → INT32 DATE, ``LogicalType/timestamp(_:utc:)``
/// → INT64 TIMESTAMP with its unit and isAdjustedToUTC. A column with nulls is OPTIONAL (definition levels, RLE), one without is REQUIRED.
/// Values are PLAIN; text is dictionary-encoded (RLE_DICTIONARY) where ``ParquetWriteOptions/dictionary``
/// says so.
public enum ParquetWriter {
    /// Writes `dataset` to `path`: to a temporary file beside it, fsynced, then renamed over `path`, so a
    /// reader sees the old file or the whole new one, never a part.
    ///
    /// - Throws: ``ParquetError`` when the file cannot be written or a value cannot be stored.
    public static func write(_ dataset: Dataset, to path: String, options: ParquetWriteOptions = ParquetWriteOptions()) throws {
        let bytes = try encode(dataset, options: options, source: path)
        let url = URL(fileURLWithPath: path)
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).\(UUID().uuidString).tmp").path
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ParquetError(source: path, "cannot create \(temporary): \(String(cString: strerror(errno)))") }
        var renamed = false
        defer {
            close(fd)
            if !renamed { unlink(temporary) }
        }
        var done = 0
        while done < bytes.count {
            let n = bytes.withUnsafeBytes { systemWrite(fd, $0.baseAddress! + done, bytes.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(source: path, "write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        guard fsync(fd) == 0 else { throw ParquetError(source: path, "fsync failed: \(String(cString: strerror(errno)))") }
        guard rename(temporary, path) == 0 else {
            throw ParquetError(source: path, "cannot rename \(temporary) into place: \(String(cString: strerror(errno)))")
        }
        renamed = true
    }

    /// The Parquet file's bytes for `dataset`.
    public static func encode(_ dataset: Dataset, options: ParquetWriteOptions = ParquetWriteOptions(), source: String = "<bytes>") throws -> [UInt8] {
        guard options.rowGroupRows > 0, options.pageBytes > 0 else {
            throw ParquetError(source: source, "rowGroupRows and pageBytes must be positive")
        }
        var out = ParquetFileParser.magic
        var groups: [(columns: [ParquetColumnChunk], rows: Int, bytes: Int64)] = []
        var start = 0
        while start < dataset.rowCount {
            let end = min(dataset.rowCount, start + options.rowGroupRows)
            var chunks: [ParquetColumnChunk] = []
            var groupBytes: Int64 = 0
            for column in dataset.columns {
                if column.logical == .date, case .int(let days) = column.storage,
                   let row = (start..<end).first(where: { !column.isNull($0) && Int32(exactly: days[$0]) == nil }) {
                    throw ParquetError(source: source, column: column.name, "row \(row): the date \(days[row]) (days since 1970-01-01) is outside Parquet's INT32 DATE range; write it as a plain int column")
                }
                let chunk = try writeChunk(column, rows: start..<end, options: options, source: source, into: &out)
                groupBytes += chunk.metaData!.totalUncompressedSize
                chunks.append(chunk)
            }
            groups.append((chunks, end - start, groupBytes))
            start = end
        }

        var footer = ThriftWriter()
        footer.element { w in
            w.i32(1, 1)
            w.listHeader(2, .structure, count: dataset.columns.count + 1)
            var root = ParquetSchemaElement()
            root.name = "schema"
            root.numChildren = Int32(dataset.columns.count)
            w.schemaElement(root)
            for column in dataset.columns { w.schemaElement(schemaElement(column)) }
            w.i64(3, Int64(dataset.rowCount))
            w.listHeader(4, .structure, count: groups.count)
            for (ordinal, group) in groups.enumerated() {
                w.element { w in
                    w.listHeader(1, .structure, count: group.columns.count)
                    for chunk in group.columns {
                        w.element { w in
                            w.i64(2, chunk.fileOffset)
                            w.structure(3) { $0.columnMetaData(chunk.metaData!) }
                        }
                    }
                    w.i64(2, group.bytes)
                    w.i64(3, Int64(group.rows))
                    if let first = group.columns.first {
                        w.i64(5, first.fileOffset)
                        w.i64(6, group.columns.reduce(0) { $0 + $1.metaData!.totalCompressedSize })
                    }
                    w.fieldHeader(7, .i16)
                    w.zigzag(Int64(ordinal))
                }
            }
            w.string(6, "mlp (Parquet writer of MLPData)")
        }
        out.append(contentsOf: footer.bytes)
        withUnsafeBytes(of: UInt32(footer.bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: ParquetFileParser.magic)
        return out
    }

    static func schemaElement(_ column: Column) -> ParquetSchemaElement {
        var element = ParquetSchemaElement()
        element.name = column.name
        element.repetition = column.validity == nil ? ParquetRepetition.required.rawValue : ParquetRepetition.optional.rawValue
        switch column.type {
        case .float: element.type = ParquetPhysicalType.double.rawValue
        case .int:
            switch column.logical {
            case .date?:
                element.type = ParquetPhysicalType.int32.rawValue
                element.convertedType = ParquetConvertedType.date
                element.logicalType = .date
            case .timestamp(let unit, let utc)?:
                element.type = ParquetPhysicalType.int64.rawValue
                switch unit {
                case .millis: element.logicalType = .timestamp(.millis, utc: utc)
                case .micros: element.logicalType = .timestamp(.micros, utc: utc)
                case .nanos: element.logicalType = .timestamp(.nanos, utc: utc)
                }
                // The legacy converted types mean UTC instants; readers that know only them still see one.
                if utc, unit == .millis { element.convertedType = ParquetConvertedType.timestampMillis }
                if utc, unit == .micros { element.convertedType = ParquetConvertedType.timestampMicros }
            case nil:
                element.type = ParquetPhysicalType.int64.rawValue
            }
        case .bool: element.type = ParquetPhysicalType.boolean.rawValue
        case .string:
            element.type = ParquetPhysicalType.byteArray.rawValue
            element.convertedType = ParquetConvertedType.utf8
            element.logicalType = .string
        }
        return element
    }

    /// One column's pages for `rows`, appended to `out`; returns its chunk metadata.
    static func writeChunk(_ column: Column, rows: Range<Int>, options: ParquetWriteOptions, source: String,
                           into out: inout [UInt8]) throws -> ParquetColumnChunk {
        let optional = column.validity != nil
        let chunkStart = out.count
        var totalUncompressed: Int64 = 0
        var encodings: [Int32] = [ParquetEncoding.plain, ParquetEncoding.rle]
        var dictionaryOffset: Int64?

        // Text: a dictionary of the values in these rows, when it pays.
        var dictionaryCodes: [UInt32]?
        if options.dictionary, column.type == .string {
            var index: [ArraySlice<UInt8>: UInt32] = [:]
            var entries = StringBuffer()
            var codes = [UInt32](repeating: 0, count: rows.count)
            var present = 0
            var worthIt = true
            for row in rows where !column.isNull(row) {
                present += 1
                let bytes: ArraySlice<UInt8>
                switch column.storage {
                case .string(let buffer): bytes = buffer.utf8(at: row)
                case .categorical(let c, let dictionary): bytes = dictionary.utf8(at: Int(c[row]))
                default: bytes = []
                }
                if let code = index[bytes] {
                    codes[row - rows.lowerBound] = code
                } else {
                    let code = UInt32(entries.count)
                    index[bytes] = code
                    bytes.withUnsafeBufferPointer { entries.append(utf8: $0) }
                    codes[row - rows.lowerBound] = code
                    // Mostly distinct so far (judged after 1 000 values): plain text is smaller.
                    if !column.isCategorical && (entries.count > max(rows.count / 2, 1) || (present >= 1_000 && entries.count > present / 2)) {
                        worthIt = false
                        break
                    }
                }
            }
            if worthIt && (column.isCategorical || entries.count <= max(present / 2, 1)) {
                var plain = [UInt8]()
                for i in 0..<entries.count { appendPlainString(entries.utf8(at: i), to: &plain) }
                dictionaryOffset = Int64(out.count)
                totalUncompressed += try appendPage(type: ParquetPageType.dictionaryPage, body: plain, values: entries.count,
                                                    options: options, source: source, into: &out)
                encodings.append(ParquetEncoding.rleDictionary)
                dictionaryCodes = codes

            }
        }

        let dataStart = out.count
        var pageStart = rows.lowerBound
        while pageStart < rows.upperBound || (pageStart == rows.lowerBound && rows.isEmpty) {
            let pageEnd = pageRowsEnd(column, from: pageStart, limit: rows.upperBound, dictionary: dictionaryCodes != nil, pageBytes: options.pageBytes)
            var levels: [UInt8] = []
            var nulls = 0
            if optional {
                let defined = (pageStart..<pageEnd).map { column.isNull($0) ? UInt32(0) : 1 }
                nulls = defined.lazy.filter { $0 == 0 }.count
                levels = HybridEncoder.encode(defined, bitWidth: 1)
            }
            var values: [UInt8] = []
            let encoding: Int32
            if let codes = dictionaryCodes {
                encoding = ParquetEncoding.rleDictionary
                let used = (pageStart..<pageEnd).filter { !column.isNull($0) }.map { codes[$0 - rows.lowerBound] }
                let width = max(1, bitWidth(for: Int(codes.max() ?? 0)))
                values.append(UInt8(width))
                values.append(contentsOf: HybridEncoder.encode(used, bitWidth: width))
            } else {
                encoding = ParquetEncoding.plain
                values = plainValues(column, pageStart..<pageEnd)
            }
            let count = pageEnd - pageStart
            if options.dataPageV2 {
                totalUncompressed += try appendPageV2(levels: levels, values: values, count: count, nulls: nulls, encoding: encoding,
                                                      options: options, source: source, into: &out)
            } else {
                var body: [UInt8] = []
                if optional {
                    withUnsafeBytes(of: UInt32(levels.count).littleEndian) { body.append(contentsOf: $0) }
                    body.append(contentsOf: levels)
                }
                body.append(contentsOf: values)
                totalUncompressed += try appendPage(type: ParquetPageType.dataPage, body: body, values: count, encoding: encoding,
                                                    options: options, source: source, into: &out)
            }
            pageStart = pageEnd
            if rows.isEmpty { break }
        }

        var meta = ParquetColumnMetaData()
        meta.type = schemaElement(column).type!
        meta.encodings = encodings
        meta.path = [column.name]
        meta.codec = options.codec.thriftValue
        meta.numValues = Int64(rows.count)
        meta.totalUncompressedSize = totalUncompressed
        meta.totalCompressedSize = Int64(out.count - chunkStart)
        meta.dataPageOffset = Int64(dataStart)
        meta.dictionaryPageOffset = dictionaryOffset
        var chunk = ParquetColumnChunk()
        chunk.fileOffset = Int64(chunkStart)
        chunk.metaData = meta
        return chunk
    }

    /// Where a page starting at row `start` ends: about `pageBytes` of values, at least one row.
    static func pageRowsEnd(_ column: Column, from start: Int, limit: Int, dictionary: Bool, pageBytes: Int) -> Int {
        switch column.storage {
        case .string(let buffer) where !dictionary:
            var bytes = 0
            var row = start
            while row < limit && (row == start || bytes < pageBytes) {
                bytes += 4 + buffer.offsets[row + 1] - buffer.offsets[row]
                row += 1
            }
            return row
        case .categorical(let codes, let entries) where !dictionary:
            var bytes = 0
            var row = start
            while row < limit && (row == start || bytes < pageBytes) {
                let code = Int(codes[row])
                bytes += 4 + entries.offsets[code + 1] - entries.offsets[code]
                row += 1
            }
            return row
        case .bool: return min(limit, start + max(1, pageBytes * 8))
        default: return min(limit, start + max(1, pageBytes / (dictionary ? 2 : 8)))
        }
    }

    static func appendPlainString(_ bytes: ArraySlice<UInt8>, to out: inout [UInt8]) {
        withUnsafeBytes(of: UInt32(bytes.count).littleEndian) { out.append(contentsOf: $0) }
        out.append(contentsOf: bytes)
    }

    /// The non-null values of `rows`, PLAIN-encoded.
    static func plainValues(_ column: Column, _ rows: Range<Int>) -> [UInt8] {
        var out: [UInt8] = []
        let present = rows.lazy.filter { !column.isNull($0) }
        switch column.storage {
        case .float(let values):
            let kept = column.validity == nil ? Array(values[rows]) : present.map { values[$0] }
            out = littleEndianBytes(kept.map(\.bitPattern))
        case .int(let values):
            let kept = column.validity == nil ? Array(values[rows]) : present.map { values[$0] }
            // A date is INT32 (``encode`` has checked that every day fits).
            out = column.logical == .date ? littleEndianBytes(kept.map { Int32(truncatingIfNeeded: $0) }) : littleEndianBytes(kept)
        case .bool(let values):
            let bits = Array(present.map { values[$0] ? UInt32(1) : 0 })
            out = packBits(bits, bitWidth: 1, groups: (bits.count + 7) / 8)
            out.removeLast(out.count - (bits.count + 7) / 8)
        case .string(let buffer):
            for row in present { appendPlainString(buffer.utf8(at: row), to: &out) }
        case .categorical(let codes, let dictionary):
            for row in present { appendPlainString(dictionary.utf8(at: Int(codes[row])), to: &out) }
        }
        return out
    }

    /// Fixed-width integers as little-endian bytes, in one copy on little-endian machines.
    static func littleEndianBytes<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] {
        #if _endian(little)
        return values.withUnsafeBytes { Array($0) }
        #else
        return values.map(\.littleEndian).withUnsafeBytes { Array($0) }
        #endif
    }

    /// Appends a v1 data page or a dictionary page (header, then the compressed body); returns the
    /// bytes it counts as uncompressed (header + body).
    static func appendPage(type: Int32, body: [UInt8], values: Int, encoding: Int32 = ParquetEncoding.plain,
                           options: ParquetWriteOptions, source: String, into out: inout [UInt8]) throws -> Int64 {
        let compressed = options.codec.compress(body)
        guard body.count <= Int(Int32.max), compressed.count <= Int(Int32.max), values <= Int(Int32.max) else {
            throw ParquetError(source: source, "a page would be over 2 GiB; use smaller pages")
        }
        var header = ParquetPageHeader()
        header.type = type
        header.uncompressedPageSize = Int32(body.count)
        header.compressedPageSize = Int32(compressed.count)
        if type == ParquetPageType.dictionaryPage {
            header.dictionaryPage = ParquetDictionaryPageHeader(numValues: Int32(values), encoding: ParquetEncoding.plain)
        } else {
            header.dataPage = ParquetDataPageHeader(numValues: Int32(values), encoding: encoding, definitionLevelEncoding: ParquetEncoding.rle)
        }
        var writer = ThriftWriter()
        writer.pageHeader(header)
        out.append(contentsOf: writer.bytes)
        out.append(contentsOf: compressed)
        return Int64(writer.bytes.count + body.count)
    }

    /// Appends a v2 data page: levels uncompressed, then the compressed values.
    static func appendPageV2(levels: [UInt8], values: [UInt8], count: Int, nulls: Int, encoding: Int32,
                             options: ParquetWriteOptions, source: String, into out: inout [UInt8]) throws -> Int64 {
        let compressed = options.codec.compress(values)
        guard levels.count + values.count <= Int(Int32.max), levels.count + compressed.count <= Int(Int32.max) else {
            throw ParquetError(source: source, "a page would be over 2 GiB; use smaller pages")
        }
        var header = ParquetPageHeader()
        header.type = ParquetPageType.dataPageV2
        header.uncompressedPageSize = Int32(levels.count + values.count)
        header.compressedPageSize = Int32(levels.count + compressed.count)
        header.dataPageV2 = ParquetDataPageHeaderV2(numValues: Int32(count), numNulls: Int32(nulls), numRows: Int32(count), encoding: encoding,
                                                    definitionLevelsByteLength: Int32(levels.count), repetitionLevelsByteLength: 0,
                                                    isCompressed: options.codec != .uncompressed)
        var writer = ThriftWriter()
        writer.pageHeader(header)
        out.append(contentsOf: writer.bytes)
        out.append(contentsOf: levels)
        out.append(contentsOf: compressed)
        return Int64(writer.bytes.count + levels.count + values.count)
    }
}
