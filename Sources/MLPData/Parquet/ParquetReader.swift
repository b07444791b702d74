#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Limits on what a Parquet file may make the reader allocate, whatever its footer claims.
public struct ParquetReadOptions: Sendable {
    /// The most rows a file may have (a footer claiming more is refused before anything is allocated).
    public var maxRows: Int = Int(Int32.max)
    /// The most bytes of text all string columns together may hold once decoded (a small
    /// dictionary-encoded page can expand to much more).
    public var maxStringBytes: Int = 1 << 36
    /// The largest page, uncompressed, a file may declare (Parquet pages are usually about 1 MiB).
    public var maxPageBytes: Int = 1 << 30

    /// The defaults: 2³¹ − 1 rows, 64 GiB of text, 1 GiB pages.
    public init() {}
}

/// Reads Apache Parquet files into a ``Dataset``.
///
/// Flat schemas only (every column a leaf directly under the root, REQUIRED or OPTIONAL); data pages
/// v1 and v2 and dictionary pages; PLAIN, PLAIN_DICTIONARY / RLE_DICTIONARY and RLE encodings, and the
/// DELTA_BINARY_PACKED, DELTA_LENGTH_BYTE_ARRAY, DELTA_BYTE_ARRAY and BYTE_STREAM_SPLIT of "v2" writers
/// (DuckDB, Spark); pages uncompressed or compressed with snappy, gzip or zstd. Types map onto mlp's column types:
///
/// | Parquet | mlp column |
/// |---|---|
/// | BOOLEAN | `bool` |
/// | INT32, INT64 (signed or unsigned integers, TIME) | `int` |
/// | INT32 DATE | `int`: days since 1970-01-01 |
/// | INT64 TIMESTAMP (MILLIS, MICROS, NANOS) | `int`: units since 1970-01-01T00:00Z, in the file's unit |
/// | INT96 (legacy timestamps, Spark) | `int`: nanoseconds since 1970-01-01T00:00Z |
/// | INT32 / INT64 DECIMAL | `float`: the unscaled value × 10^−scale |
/// | FLOAT, DOUBLE | `float` |
/// | BYTE_ARRAY (STRING, ENUM, JSON or none) | `string` (must be UTF-8) |
///
/// mlp's datasets have no date or timestamp storage, so those columns become integers (as above), annotated
/// with ``Column/logical``: ``LogicalType/date`` for DATE, ``LogicalType/timestamp(_:utc:)`` with the file's
/// unit and isAdjustedToUTC for TIMESTAMP (the legacy TIMESTAMP_MILLIS / _MICROS are UTC), and nanoseconds,
/// not UTC, for INT96 (as Arrow reads them); ``ParquetWriter`` writes the annotation back.
/// Nested or repeated columns, FIXED_LEN_BYTE_ARRAY, other codecs and encrypted files are refused with a ``ParquetError`` that names the column.
///
/// The file is untrusted: every length, offset, count and varint is checked before use, Thrift
/// nesting is bounded, and an absurd count is an error rather than an allocation.
public enum ParquetReader {
    /// Reads the Parquet file at `path`.
    ///
    /// - Throws: ``ParquetError`` naming the file, the column and the byte offset of the problem.
    public static func read(path: String, options: ParquetReadOptions = ParquetReadOptions()) throws -> Dataset {
        try read(bytes: readWholeFile(path), source: path, options: options)
    }

    /// Reads a Parquet file held in memory.
    public static func read(bytes: [UInt8], source: String = "<bytes>", options: ParquetReadOptions = ParquetReadOptions()) throws -> Dataset {
        try ParquetFileParser(data: bytes, source: source, options: options).dataset()
    }

    static func readWholeFile(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw ParquetError(source: path, "cannot open the file: \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw ParquetError(source: path, "cannot stat the file: \(String(cString: strerror(errno)))") }
        let size = Int(info.st_size)
        var bytes = [UInt8](repeating: 0, count: size)
        var done = 0
        while done < size {
            let n = bytes.withUnsafeMutableBytes { systemRead(fd, $0.baseAddress! + done, size - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw ParquetError(source: path, "read failed: \(String(cString: strerror(errno)))")
            }
            if n == 0 { throw ParquetError(source: path, "the file shrank while it was read") }
            done += n
        }
        return bytes
    }
}

/// How one leaf column's physical values become an mlp column.
struct ParquetColumnPlan {
    enum Conversion {
        case none
        /// INT32 / INT64 holding unsigned values.
        case unsigned
        /// A DECIMAL: divide the unscaled integer by this power of ten.
        case decimal(Double)
        /// INT96: Julian day + nanoseconds of the day, to nanoseconds since the Unix epoch.
        case int96
    }

    let name: String
    let physical: ParquetPhysicalType
    let output: ColumnType
    let conversion: Conversion
    /// 1 for an OPTIONAL column (a definition level of 1 is a value, 0 a null), 0 for REQUIRED.
    let maxDefinition: Int
    /// The date or timestamp annotation the `int` column gets.
    var logical: LogicalType? = nil
}

/// A page's (or a dictionary's) non-null values, already in the column's output type.
enum ParquetValues {
    case ints([Int64])
    case doubles([Double])
    case bools([Bool])
    case strings(bytes: [UInt8], offsets: [Int])

    var count: Int {
        switch self {
        case .ints(let v): return v.count
        case .doubles(let v): return v.count
        case .bools(let v): return v.count
        case .strings(_, let offsets): return offsets.count - 1
        }
    }
}

/// One column's values across row groups, nulls holding placeholders.
struct ParquetColumnAccumulator {
    var ints: [Int64] = []
    var doubles: [Double] = []
    var bools: [Bool] = []
    var bytes: [UInt8] = []
    var offsets: [Int] = [0]
    var validity: [Bool] = []

    /// Appends a page: `values` are its non-null values in order; `present` marks which rows have one
    /// (nil: every row). The caller has checked that the counts agree.
    mutating func append(_ values: ParquetValues, present: [Bool]?) {
        guard let present else {
            validity.append(contentsOf: repeatElement(true, count: values.count))
            switch values {
            case .ints(let v): ints.append(contentsOf: v)
            case .doubles(let v): doubles.append(contentsOf: v)
            case .bools(let v): bools.append(contentsOf: v)
            case .strings(let b, let o):
                let base = bytes.count
                bytes.append(contentsOf: b)
                offsets.append(contentsOf: o.dropFirst().lazy.map { $0 + base })
            }
            return
        }
        validity.append(contentsOf: present)
        var next = 0
        switch values {
        case .ints(let v):
            for isPresent in present {
                ints.append(isPresent ? v[next] : 0)
                if isPresent { next += 1 }
            }
        case .doubles(let v):
            for isPresent in present {
                doubles.append(isPresent ? v[next] : 0)
                if isPresent { next += 1 }
            }
        case .bools(let v):
            for isPresent in present {
                bools.append(isPresent ? v[next] : false)
                if isPresent { next += 1 }
            }
        case .strings(let b, let o):
            for isPresent in present {
                if isPresent {
                    bytes.append(contentsOf: b[o[next]..<o[next + 1]])
                    next += 1
                }
                offsets.append(bytes.count)
            }
        }
    }
}

/// The parser behind ``ParquetReader``, over the whole file in memory.
struct ParquetFileParser {
    let data: [UInt8]
    let source: String
    let options: ParquetReadOptions
    static let magic: [UInt8] = Array("PAR1".utf8)

    func fail(_ message: String, column: String? = nil, at offset: Int? = nil) -> ParquetError {
        ParquetError(source: source, column: column, offset: offset, message)
    }

    /// The footer and where it starts.
    func footer() throws -> (ParquetFileMetaData, footerStart: Int) {
        guard data.count >= 12 else {
            throw fail("the file is \(data.count) bytes, too short to be Parquet (PAR1, the data, the footer, its length and PAR1 take at least 12)")
        }
        guard Array(data[0..<4]) == Self.magic else { throw fail("the file does not start with the Parquet magic PAR1; it is not a Parquet file", at: 0) }
        let tail = Array(data[(data.count - 4)...])
        if tail == Array("PARE".utf8) { throw fail("the file's footer is encrypted (PARE); mlp does not read encrypted Parquet", at: data.count - 4) }
        guard tail == Self.magic else { throw fail("the file does not end with PAR1: it is truncated or not a Parquet file", at: data.count - 4) }
        let lengthAt = data.count - 8
        let length = Int(UInt32(data[lengthAt]) | UInt32(data[lengthAt + 1]) << 8 | UInt32(data[lengthAt + 2]) << 16 | UInt32(data[lengthAt + 3]) << 24)
        guard length <= data.count - 12 else {
            throw fail("the footer length \(length) is larger than the file allows (\(data.count - 12) bytes); the file is truncated or corrupt", at: lengthAt)
        }
        let footerStart = lengthAt - length
        var reader = ThriftReader(data: data, from: footerStart, to: lengthAt, source: source, what: "the footer (FileMetaData)")
        let meta = try reader.fileMetaData()
        return (meta, footerStart)
    }

    /// The columns of a flat schema, or an error naming the first column mlp cannot read.
    func plans(_ schema: [ParquetSchemaElement]) throws -> [ParquetColumnPlan] {
        guard let root = schema.first else { throw fail("the footer's schema is empty") }
        let children = Int(root.numChildren ?? 0)
        guard children >= 0 else { throw fail("the schema's root claims \(children) columns") }
        var plans: [ParquetColumnPlan] = []
        var names = Set<String>()
        var index = 1
        while plans.count < children {
            guard index < schema.count else {
                throw fail("the schema's root claims \(children) columns but the schema lists \(schema.count - 1) elements")
            }
            let element = schema[index]
            if let nested = element.numChildren, nested > 0 {
                throw fail("the column is nested (a group of \(nested) field\(nested == 1 ? "" : "s")); mlp reads flat columns only — flatten it (e.g. unnest the struct or list) before writing", column: element.name)
            }
            if element.repetition == ParquetRepetition.repeated.rawValue {
                throw fail("the column is REPEATED (a list); mlp reads flat columns only", column: element.name)
            }
            guard names.insert(element.name).inserted else { throw fail("two columns are named '\(element.name)'; names must be unique") }
            plans.append(try plan(element))
            index += 1
        }
        guard index == schema.count else {
            throw fail("the schema lists \(schema.count - 1) elements but its root claims \(children) columns; nested columns are not read")
        }
        return plans
    }

    func plan(_ element: ParquetSchemaElement) throws -> ParquetColumnPlan {
        let name = element.name
        guard let rawType = element.type, let physical = ParquetPhysicalType(rawValue: rawType) else {
            throw fail("the column has no valid physical type (\(element.type.map(String.init) ?? "none"))", column: name)
        }
        let maxDefinition: Int
        switch element.repetition ?? ParquetRepetition.required.rawValue {
        case ParquetRepetition.required.rawValue: maxDefinition = 0
        case ParquetRepetition.optional.rawValue: maxDefinition = 1
        default: throw fail("the column has an unknown repetition type \(element.repetition ?? -1)", column: name)
        }
        let converted = element.convertedType
        var decimalScale: Int32?
        var unsigned = false
        var logical: LogicalType?
        switch element.logicalType {
        case .decimal(let scale, _)?: decimalScale = scale
        case .integer(_, let signed)?: unsigned = !signed
        case .map?, .list?: throw fail("the column is a map or list; mlp reads flat columns only", column: name)
        case .date?: if physical == .int32 { logical = .date }
        case .timestamp(let unit, let utc)?:
            if physical == .int64 {
                switch unit {
                case .millis: logical = .timestamp(.millis, utc: utc)
                case .micros: logical = .timestamp(.micros, utc: utc)
                case .nanos: logical = .timestamp(.nanos, utc: utc)
                }
            }
        case nil:
            // Legacy annotations: TIMESTAMP_MILLIS / _MICROS are instants in UTC.
            if converted == ParquetConvertedType.date, physical == .int32 { logical = .date }
            if converted == ParquetConvertedType.timestampMillis, physical == .int64 { logical = .timestamp(.millis, utc: true) }
            if converted == ParquetConvertedType.timestampMicros, physical == .int64 { logical = .timestamp(.micros, utc: true) }
            if converted == ParquetConvertedType.decimal { decimalScale = element.scale ?? 0 }
            if let converted, [ParquetConvertedType.uint8, ParquetConvertedType.uint16, ParquetConvertedType.uint32, ParquetConvertedType.uint64].contains(converted) {
                unsigned = true
            }
            if converted == ParquetConvertedType.map || converted == ParquetConvertedType.list || converted == ParquetConvertedType.mapKeyValue {
                throw fail("the column is a map or list; mlp reads flat columns only", column: name)
            }
        default: break
        }
        func make(_ output: ColumnType, _ conversion: ParquetColumnPlan.Conversion = .none) -> ParquetColumnPlan {
            ParquetColumnPlan(name: name, physical: physical, output: output, conversion: conversion, maxDefinition: maxDefinition,
                              logical: output == .int ? logical : nil)
        }
        if let scale = decimalScale {
            guard physical == .int32 || physical == .int64 else {
                throw fail("the column is a DECIMAL stored as \(physical); mlp reads decimals stored as INT32 or INT64 only", column: name)
            }
            guard (0...38).contains(scale) else { throw fail("the column's DECIMAL scale \(scale) is out of range", column: name) }
            var divisor = 1.0
            for _ in 0..<scale { divisor *= 10 }
            return make(.float, .decimal(divisor))
        }
        switch physical {
        case .boolean: return make(.bool)
        case .int32, .int64: return make(.int, unsigned ? .unsigned : .none)
        case .int96:
            // Legacy (Spark, Impala) timestamps; Arrow reads them as timestamp[ns] without a time zone.
            logical = .timestamp(.nanos, utc: false)
            return make(.int, .int96)
        case .float, .double: return make(.float)
        case .byteArray:
            if case .other(let id)? = element.logicalType, id != 11 {
                throw fail("the column is BYTE_ARRAY with logical type \(id), which mlp does not read", column: name)
            }
            if converted == ParquetConvertedType.bson { throw fail("the column holds BSON, which mlp does not read", column: name) }
            return make(.string)
        case .fixedLenByteArray:
            throw fail("the column is FIXED_LEN_BYTE_ARRAY (a UUID, a wide decimal or a float16), which mlp does not read", column: name)
        }
    }

    func dataset() throws -> Dataset {
        let (meta, footerStart) = try footer()
        let plans = try plans(meta.schema)
        guard meta.numRows >= 0 else { throw fail("the footer claims \(meta.numRows) rows") }
        guard meta.numRows <= Int64(options.maxRows) else {
            throw fail("the footer claims \(meta.numRows) rows, more than the limit of \(options.maxRows)")
        }
        var total: Int64 = 0
        for (index, group) in meta.rowGroups.enumerated() {
            guard group.numRows >= 0, group.numRows <= meta.numRows - total else {
                throw fail("row group \(index) claims \(group.numRows) rows, past the file's \(meta.numRows)")
            }
            total += group.numRows
            guard group.columns.count == plans.count else {
                throw fail("row group \(index) has \(group.columns.count) column chunks, the schema \(plans.count) columns")
            }
        }
        guard total == meta.numRows else { throw fail("the row groups hold \(total) rows, the footer claims \(meta.numRows)") }

        var columns: [Column] = []
        var stringBytes = 0
        for (columnIndex, plan) in plans.enumerated() {
            var accumulator = ParquetColumnAccumulator()
            for (groupIndex, group) in meta.rowGroups.enumerated() {
                try readChunk(group.columns[columnIndex], rows: Int(group.numRows), group: groupIndex, plan: plan,
                              footerStart: footerStart, into: &accumulator, stringBytes: &stringBytes)
            }
            columns.append(try column(plan, accumulator))
        }
        do {
            return try Dataset(columns: columns, rowCount: Int(meta.numRows))
        } catch let error as DatasetError {
            throw fail(error.message)
        }
    }

    func column(_ plan: ParquetColumnPlan, _ accumulator: ParquetColumnAccumulator) throws -> Column {
        let validity = accumulator.validity.contains(false) ? accumulator.validity : nil
        switch plan.output {
        case .int: return Column(name: plan.name, storage: .int(accumulator.ints), validity: validity, logical: plan.logical)
        case .float: return Column(name: plan.name, storage: .float(accumulator.doubles), validity: validity)
        case .bool: return Column(name: plan.name, storage: .bool(accumulator.bools), validity: validity)
        case .string:
            let ok = accumulator.bytes.withUnsafeBufferPointer { bytes in
                isValidUTF8(bytes) && accumulator.offsets.allSatisfy { $0 == bytes.count || bytes[$0] & 0xc0 != 0x80 }
            }
            guard ok else {
                throw fail("the column holds bytes that are not UTF-8 text; mlp reads BYTE_ARRAY columns as text only", column: plan.name)
            }
            return Column(name: plan.name, storage: .string(StringBuffer(uncheckedBytes: accumulator.bytes, offsets: accumulator.offsets)),
                          validity: validity)
        }
    }

    // MARK: Column chunks and pages

    func readChunk(_ chunk: ParquetColumnChunk, rows: Int, group: Int, plan: ParquetColumnPlan, footerStart: Int,
                   into accumulator: inout ParquetColumnAccumulator, stringBytes: inout Int) throws {
        let name = plan.name
        if let path = chunk.filePath { throw fail("row group \(group)'s chunk is in another file (\(path)); mlp reads single-file Parquet only", column: name) }
        guard let meta = chunk.metaData else { throw fail("row group \(group)'s chunk has no metadata", column: name) }
        guard meta.path == [name] else {
            throw fail("row group \(group)'s chunk is for column \(meta.path.joined(separator: ".")), expected \(name)", column: name)
        }
        guard meta.type == plan.physical.rawValue else {
            throw fail("row group \(group)'s chunk has physical type \(meta.type), the schema says \(plan.physical.rawValue)", column: name)
        }
        guard let codec = ParquetCodec(thriftValue: meta.codec) else {
            throw fail("the column is compressed with \(ParquetCodec.name(thriftValue: meta.codec)); mlp reads uncompressed, snappy, gzip and zstd pages", column: name)
        }
        guard meta.numValues == Int64(rows) else {
            throw fail("row group \(group)'s chunk holds \(meta.numValues) values for \(rows) rows", column: name)
        }
        var start = meta.dataPageOffset
        if let dictionary = meta.dictionaryPageOffset, dictionary > 0, dictionary < start { start = dictionary }
        guard start >= 4, start < Int64(footerStart), meta.totalCompressedSize >= 0, meta.totalCompressedSize <= Int64(footerStart) - start else {
            throw fail("row group \(group)'s chunk lies at bytes \(start) + \(meta.totalCompressedSize), outside the data (4..<\(footerStart))", column: name)
        }
        let chunkEnd = Int(start) + Int(meta.totalCompressedSize)
        var position = Int(start)
        var dictionary: ParquetValues?
        var valuesRead = 0
        while valuesRead < rows {
            guard position < chunkEnd else {
                throw fail("row group \(group)'s chunk ends after \(valuesRead) of its \(rows) values", column: name, at: position)
            }
            var reader = ThriftReader(data: data, from: position, to: chunkEnd, source: source, what: "the page header of column '\(name)'")
            let header = try reader.pageHeader()
            let pageStart = reader.position
            guard header.compressedPageSize >= 0, header.uncompressedPageSize >= 0,
                  Int(header.compressedPageSize) <= chunkEnd - pageStart else {
                throw fail("a page claims \(header.compressedPageSize) bytes (\(header.uncompressedPageSize) uncompressed) but its chunk has \(chunkEnd - pageStart) left",
                           column: name, at: position)
            }
            let pageEnd = pageStart + Int(header.compressedPageSize)
            let uncompressed = Int(header.uncompressedPageSize)
            let pageFail = { (message: String) in self.fail(message, column: name, at: position) }
            switch header.type {
            case ParquetPageType.dictionaryPage:
                guard let page = header.dictionaryPage else { throw pageFail("a dictionary page has no dictionary page header") }
                guard dictionary == nil, valuesRead == 0 else { throw pageFail("a second dictionary page, or one after data pages") }
                guard page.encoding == ParquetEncoding.plain || page.encoding == ParquetEncoding.plainDictionary else {
                    throw pageFail("the dictionary page is encoded \(ParquetEncoding.name(page.encoding)); dictionaries must be PLAIN")
                }
                guard page.numValues >= 0 else { throw pageFail("the dictionary page claims \(page.numValues) values") }
                let bytes = try decompress(codec, pageStart, pageEnd, uncompressed, pageFail)
                dictionary = try decodePlain(bytes, 0, bytes.count, count: Int(page.numValues), plan: plan, stringBytes: &stringBytes, pageFail)
            case ParquetPageType.dataPage:
                guard let page = header.dataPage else { throw pageFail("a data page has no data page header") }
                guard page.numValues >= 0, Int(page.numValues) <= rows - valuesRead else {
                    throw pageFail("a data page claims \(page.numValues) values, but only \(rows - valuesRead) of the chunk's are left")
                }
                let count = Int(page.numValues)
                let bytes = try decompress(codec, pageStart, pageEnd, uncompressed, pageFail)
                var cursor = 0
                var present: [Bool]?
                var presentCount = count
                if plan.maxDefinition > 0 {
                    guard page.definitionLevelEncoding == ParquetEncoding.rle else {
                        throw pageFail("definition levels are encoded \(ParquetEncoding.name(page.definitionLevelEncoding)); mlp reads RLE levels")
                    }
                    guard bytes.count >= 4 else { throw pageFail("the page ends before its definition levels' length") }
                    let length = Int(UInt32(bytes[0]) | UInt32(bytes[1]) << 8 | UInt32(bytes[2]) << 16 | UInt32(bytes[3]) << 24)
                    guard length <= bytes.count - 4 else { throw pageFail("the definition levels claim \(length) bytes, past the page's end") }
                    (present, presentCount) = try levels(bytes, 4, 4 + length, count: count, plan: plan, pageFail)
                    cursor = 4 + length
                }
                let values = try decodeValues(bytes, cursor, bytes.count, count: presentCount, encoding: page.encoding, plan: plan,
                                              dictionary: dictionary, stringBytes: &stringBytes, pageFail)
                accumulator.append(values, present: present)
                valuesRead += count
            case ParquetPageType.dataPageV2:
                guard let page = header.dataPageV2 else { throw pageFail("a data page v2 has no data page v2 header") }
                guard page.numValues >= 0, Int(page.numValues) <= rows - valuesRead else {
                    throw pageFail("a data page claims \(page.numValues) values, but only \(rows - valuesRead) of the chunk's are left")
                }
                guard page.numRows == page.numValues else { throw pageFail("a data page v2 holds \(page.numRows) rows in \(page.numValues) values, which a flat column cannot") }
                let repetitionLength = Int(page.repetitionLevelsByteLength), definitionLength = Int(page.definitionLevelsByteLength)
                guard repetitionLength == 0 else { throw pageFail("a flat column's page has \(repetitionLength) bytes of repetition levels") }
                guard definitionLength >= 0, definitionLength <= pageEnd - pageStart, definitionLength <= uncompressed else {
                    throw pageFail("the definition levels claim \(definitionLength) bytes of a \(pageEnd - pageStart)-byte page")
                }
                let count = Int(page.numValues)
                var present: [Bool]?
                var presentCount = count
                if plan.maxDefinition > 0 {
                    (present, presentCount) = try levels(data, pageStart, pageStart + definitionLength, count: count, plan: plan, pageFail)
                } else if definitionLength != 0 {
                    throw pageFail("a REQUIRED column's page has \(definitionLength) bytes of definition levels")
                }
                guard page.numNulls == Int32(count - presentCount) else {
                    throw pageFail("the page header says \(page.numNulls) nulls, its definition levels \(count - presentCount)")
                }
                let valuesStart = pageStart + definitionLength
                let bytes: [UInt8]
                if page.isCompressed {
                    bytes = try decompress(codec, valuesStart, pageEnd, uncompressed - definitionLength, pageFail)
                } else {
                    guard pageEnd - valuesStart == uncompressed - definitionLength else {
                        throw pageFail("an uncompressed page holds \(pageEnd - valuesStart) value bytes, its header says \(uncompressed - definitionLength)")
                    }
                    bytes = Array(data[valuesStart..<pageEnd])
                }
                let values = try decodeValues(bytes, 0, bytes.count, count: presentCount, encoding: page.encoding, plan: plan,
                                              dictionary: dictionary, stringBytes: &stringBytes, pageFail)
                accumulator.append(values, present: present)
                valuesRead += count
            case ParquetPageType.indexPage:
                break
            default:
                throw pageFail("unknown page type \(header.type)")
            }
            position = pageEnd
        }
    }

    func decompress(_ codec: ParquetCodec, _ start: Int, _ end: Int, _ size: Int, _ pageFail: (String) -> ParquetError) throws -> [UInt8] {
        // The largest expansions the codecs allow, checked before the output is allocated: snappy
        // at most ~32x plus its header, deflate ~1032x; zstd is bounded by the chunk's own limit.
        let input = end - start
        let bound: Int
        switch codec {
        case .uncompressed: bound = input
        case .snappy: bound = input * 32 + 64
        case .gzip: bound = input * 1100 + 1024
        case .zstd: bound = options.maxPageBytes
        }
        guard size <= options.maxPageBytes else {
            throw pageFail("a page claims \(size) bytes uncompressed, more than the limit of \(options.maxPageBytes)")
        }
        guard size <= bound else { throw pageFail("a \(input)-byte \(codec) page claims \(size) bytes uncompressed, more than \(codec) can expand to") }
        switch codec.decompress(data[start..<end], size: size) {
        case .success(let bytes): return bytes
        case .failure(let failure): throw pageFail("the \(codec) page does not decompress: \(failure.message)")
        }
    }

    /// Definition levels of a flat OPTIONAL column (bit width 1): which rows have a value, and how many.
    func levels(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, plan: ParquetColumnPlan,
                _ pageFail: (String) -> ParquetError) throws -> ([Bool], Int) {
        var decoder = HybridDecoder(data: bytes, from: start, to: end, bitWidth: 1)
        let levels: [UInt32]
        do { levels = try decoder.decode(count: count) } catch { throw pageFail("definition levels: \(error.message)") }
        var present = [Bool](repeating: false, count: count)
        var presentCount = 0
        for (i, level) in levels.enumerated() where level == 1 {
            present[i] = true
            presentCount += 1
        }
        return (present, presentCount)
    }

    func decodeValues(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, encoding: Int32, plan: ParquetColumnPlan,
                      dictionary: ParquetValues?, stringBytes: inout Int, _ pageFail: (String) -> ParquetError) throws -> ParquetValues {
        switch encoding {
        case ParquetEncoding.plain:
            return try decodePlain(bytes, start, end, count: count, plan: plan, stringBytes: &stringBytes, pageFail)
        case ParquetEncoding.plainDictionary, ParquetEncoding.rleDictionary:
            guard let dictionary else { throw pageFail("a dictionary-encoded page comes without a dictionary page") }
            guard count > 0 else { return try decodePlain(bytes, start, start, count: 0, plan: plan, stringBytes: &stringBytes, pageFail) }
            guard start < end else { throw pageFail("a dictionary-encoded page has no index bit width") }
            let width = Int(bytes[start])
            guard width <= 32 else { throw pageFail("dictionary indices are \(width) bits wide; at most 32 are allowed") }
            var decoder = HybridDecoder(data: bytes, from: start + 1, to: end, bitWidth: width)
            let indices: [UInt32]
            do { indices = try decoder.decode(count: count) } catch { throw pageFail("dictionary indices: \(error.message)") }
            let size = dictionary.count
            if let bad = indices.first(where: { Int($0) >= size }) {
                throw pageFail("a dictionary index is \(bad) but the dictionary has \(size) values")
            }
            switch dictionary {
            case .ints(let v): return .ints(indices.map { v[Int($0)] })
            case .doubles(let v): return .doubles(indices.map { v[Int($0)] })
            case .bools(let v): return .bools(indices.map { v[Int($0)] })
            case .strings(let b, let o):
                var total = 0
                for index in indices { total += o[Int(index) + 1] - o[Int(index)] }
                guard total <= options.maxStringBytes - stringBytes else {
                    throw pageFail("the column's text would exceed the limit of \(options.maxStringBytes) bytes")
                }
                stringBytes += total
                var out = [UInt8]()
                out.reserveCapacity(total)
                var offsets = [0]
                offsets.reserveCapacity(count + 1)
                for index in indices {
                    out.append(contentsOf: b[o[Int(index)]..<o[Int(index) + 1]])
                    offsets.append(out.count)
                }
                return .strings(bytes: out, offsets: offsets)
            }
        case ParquetEncoding.rle where plan.physical == .boolean:
            guard end - start >= 4 else { throw pageFail("an RLE boolean page ends before its length") }
            let length = Int(UInt32(bytes[start]) | UInt32(bytes[start + 1]) << 8 | UInt32(bytes[start + 2]) << 16 | UInt32(bytes[start + 3]) << 24)
            guard length <= end - start - 4 else { throw pageFail("RLE booleans claim \(length) bytes, past the page's end") }
            var decoder = HybridDecoder(data: bytes, from: start + 4, to: start + 4 + length, bitWidth: 1)
            do { return .bools(try decoder.decode(count: count).map { $0 == 1 }) } catch { throw pageFail("RLE booleans: \(error.message)") }
        case ParquetEncoding.deltaBinaryPacked:
            let plain = try deltaBinaryPackedAsPlain(bytes, start, end, count: count, physical: plan.physical, pageFail)
            return try decodePlain(plain, 0, plain.count, count: count, plan: plan, stringBytes: &stringBytes, pageFail)
        case ParquetEncoding.byteStreamSplit:
            let plain = try byteStreamSplitAsPlain(bytes, start, end, count: count, physical: plan.physical, pageFail)
            return try decodePlain(plain, 0, plain.count, count: count, plan: plan, stringBytes: &stringBytes, pageFail)
        case ParquetEncoding.deltaLengthByteArray where plan.physical == .byteArray:
            let strings = try deltaLengthByteArray(bytes, start, end, count: count, stringBytes: &stringBytes, pageFail)
            return .strings(bytes: strings.bytes, offsets: strings.offsets)
        case ParquetEncoding.deltaByteArray where plan.physical == .byteArray:
            return try deltaByteArray(bytes, start, end, count: count, stringBytes: &stringBytes, pageFail)
        default:
            throw pageFail("the page's values use the \(ParquetEncoding.name(encoding)) encoding for \(plan.physical), which mlp does not read (it reads PLAIN, dictionary, RLE, DELTA_* and BYTE_STREAM_SPLIT); write the file with those")
        }
    }

    /// `count` PLAIN values from `bytes[start..<end]`, sizes checked before anything is allocated.
    func decodePlain(_ bytes: [UInt8], _ start: Int, _ end: Int, count: Int, plan: ParquetColumnPlan,
                     stringBytes: inout Int, _ pageFail: (String) -> ParquetError) throws -> ParquetValues {
        let available = end - start
        func need(_ width: Int) throws {
            guard count <= available / width else {
                throw pageFail("\(count) values of \(width) bytes do not fit in the page's \(available) bytes")
            }
        }
        func load<T: FixedWidthInteger>(_ type: T.Type, _ offset: Int) -> T {
            bytes.withUnsafeBytes { T(littleEndian: $0.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        }
        switch plan.physical {
        case .boolean:
            guard count <= available * 8 else { throw pageFail("\(count) booleans do not fit in the page's \(available) bytes") }
            var values = [Bool]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(bytes[start + i / 8] >> UInt8(i % 8) & 1 == 1) }
            return .bools(values)
        case .int32:
            try need(4)
            return bytes.withUnsafeBytes { raw in
                let ints = (0..<count).lazy.map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * $0, as: Int32.self)) }
                switch plan.conversion {
                case .decimal(let divisor): return .doubles(ints.map { Double($0) / divisor })
                case .unsigned: return .ints(ints.map { Int64(UInt32(bitPattern: $0)) })
                default: return .ints(ints.map { Int64($0) })
                }
            }
        case .int64:
            try need(8)
            var values = [Int64]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(load(Int64.self, start + 8 * i)) }
            switch plan.conversion {
            case .decimal(let divisor): return .doubles(values.map { Double($0) / divisor })
            case .unsigned:
                if let bad = values.first(where: { $0 < 0 }) {
                    throw pageFail("an unsigned 64-bit value \(UInt64(bitPattern: bad)) does not fit in mlp's int64")
                }
                return .ints(values)
            default: return .ints(values)
            }
        case .int96:
            try need(12)
            var values = [Int64]()
            values.reserveCapacity(count)
            for i in 0..<count {
                let nanos = load(Int64.self, start + 12 * i)
                let julian = Int64(load(Int32.self, start + 12 * i + 8))
                let (dayNanos, o1) = (julian - 2_440_588).multipliedReportingOverflow(by: 86_400_000_000_000)
                let (value, o2) = dayNanos.addingReportingOverflow(nanos)
                guard !o1, !o2 else { throw pageFail("an INT96 timestamp (Julian day \(julian)) is out of the range of int64 nanoseconds") }
                values.append(value)
            }
            return .ints(values)
        case .float:
            try need(4)
            var values = [Double]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(Double(Float(bitPattern: load(UInt32.self, start + 4 * i)))) }
            return .doubles(values)
        case .double:
            try need(8)
            var values = [Double]()
            values.reserveCapacity(count)
            for i in 0..<count { values.append(Double(bitPattern: load(UInt64.self, start + 8 * i))) }
            return .doubles(values)
        case .byteArray:
            try need(4)
            var out = [UInt8]()
            var offsets = [0]
            offsets.reserveCapacity(count + 1)
            var p = start
            for _ in 0..<count {
                guard end - p >= 4 else { throw pageFail("the page ends inside a string's length") }
                let length = Int(load(UInt32.self, p))
                p += 4
                guard length <= end - p else { throw pageFail("a string of \(length) bytes runs past the page's end") }
                out.append(contentsOf: bytes[p..<(p + length)])
                offsets.append(out.count)
                p += length
            }
            guard out.count <= options.maxStringBytes - stringBytes else {
                throw pageFail("the column's text would exceed the limit of \(options.maxStringBytes) bytes")
            }
            stringBytes += out.count
            return .strings(bytes: out, offsets: offsets)
        case .fixedLenByteArray:
            throw pageFail("FIXED_LEN_BYTE_ARRAY is not read")
        }
    }
}

/// Whether `bytes` are well-formed UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
func isValidUTF8(_ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
    var i = 0
    let n = bytes.count
    while i < n {
        let b = bytes[i]
        if b < 0x80 { i += 1; continue }
        let length: Int
        var lower: UInt8 = 0x80, upper: UInt8 = 0xbf
        switch b {
        case 0xc2...0xdf: length = 2
        case 0xe0: length = 3; lower = 0xa0
        case 0xe1...0xec, 0xee, 0xef: length = 3
        case 0xed: length = 3; upper = 0x9f
        case 0xf0: length = 4; lower = 0x90
        case 0xf1...0xf3: length = 4
        case 0xf4: length = 4; upper = 0x8f
        default: return false
        }
        guard n - i >= length else { return false }
        let second = bytes[i + 1]
        guard second >= lower && second <= upper else { return false }
        for k in 2..<length {
            guard bytes[i + k] & 0xc0 == 0x80 else { return false }
        }
        i += length
    }
    return true
}
