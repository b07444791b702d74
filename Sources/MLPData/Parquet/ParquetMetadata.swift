// The parts of parquet-format's Thrift structures (parquet.thrift) that mlp reads and writes, with
// their field ids. Unknown fields are skipped; a known field with the wrong wire type is an error.

/// Parquet's physical types (`Type`).
enum ParquetPhysicalType: Int32 {
    case boolean = 0, int32 = 1, int64 = 2, int96 = 3, float = 4, double = 5, byteArray = 6, fixedLenByteArray = 7
}

/// `FieldRepetitionType`.
enum ParquetRepetition: Int32 { case required = 0, optional = 1, repeated = 2 }

/// `ConvertedType` values mlp looks at.
enum ParquetConvertedType {
    static let utf8: Int32 = 0, map: Int32 = 1, mapKeyValue: Int32 = 2, list: Int32 = 3, enumeration: Int32 = 4
    static let decimal: Int32 = 5, date: Int32 = 6, timeMillis: Int32 = 7, timeMicros: Int32 = 8
    static let timestampMillis: Int32 = 9, timestampMicros: Int32 = 10
    static let uint8: Int32 = 11, uint16: Int32 = 12, uint32: Int32 = 13, uint64: Int32 = 14
    static let int8: Int32 = 15, int16: Int32 = 16, int32: Int32 = 17, int64: Int32 = 18
    static let json: Int32 = 19, bson: Int32 = 20, interval: Int32 = 21
}

/// `Encoding` values.
enum ParquetEncoding {
    static let plain: Int32 = 0, plainDictionary: Int32 = 2, rle: Int32 = 3, bitPacked: Int32 = 4
    static let deltaBinaryPacked: Int32 = 5, deltaLengthByteArray: Int32 = 6, deltaByteArray: Int32 = 7
    static let rleDictionary: Int32 = 8, byteStreamSplit: Int32 = 9

    static func name(_ value: Int32) -> String {
        switch value {
        case 0: return "PLAIN"
        case 2: return "PLAIN_DICTIONARY"
        case 3: return "RLE"
        case 4: return "BIT_PACKED"
        case 5: return "DELTA_BINARY_PACKED"
        case 6: return "DELTA_LENGTH_BYTE_ARRAY"
        case 7: return "DELTA_BYTE_ARRAY"
        case 8: return "RLE_DICTIONARY"
        case 9: return "BYTE_STREAM_SPLIT"
        default: return "unknown (\(value))"
        }
    }
}

/// `PageType`.
enum ParquetPageType { static let dataPage: Int32 = 0, indexPage: Int32 = 1, dictionaryPage: Int32 = 2, dataPageV2: Int32 = 3 }

/// The units of a TIMESTAMP or TIME logical type.
enum ParquetTimeUnit: Sendable { case millis, micros, nanos }

/// The `LogicalType` union members mlp distinguishes.
enum ParquetLogicalType {
    case string, enumeration, json, date, uuid
    /// `utc`: the type's isAdjustedToUTC.
    case timestamp(ParquetTimeUnit, utc: Bool)
    case time(ParquetTimeUnit)
    case integer(bitWidth: Int8, signed: Bool)
    case decimal(scale: Int32, precision: Int32)
    case map, list
    /// A member mlp does not interpret (its union field id).
    case other(Int16)
}

struct ParquetSchemaElement {
    var type: Int32?
    var typeLength: Int32?
    var repetition: Int32?
    var name = ""
    var numChildren: Int32?
    var convertedType: Int32?
    var scale: Int32?
    var precision: Int32?
    var logicalType: ParquetLogicalType?
}

struct ParquetColumnMetaData {
    var type: Int32 = -1
    var encodings: [Int32] = []
    var path: [String] = []
    var codec: Int32 = -1
    var numValues: Int64 = -1
    var totalUncompressedSize: Int64 = -1
    var totalCompressedSize: Int64 = -1
    var dataPageOffset: Int64 = -1
    var dictionaryPageOffset: Int64?
}

struct ParquetColumnChunk {
    var filePath: String?
    var fileOffset: Int64 = 0
    var metaData: ParquetColumnMetaData?
}

struct ParquetRowGroup {
    var columns: [ParquetColumnChunk] = []
    var totalByteSize: Int64 = 0
    var numRows: Int64 = -1
}

struct ParquetFileMetaData {
    var version: Int32 = 0
    var schema: [ParquetSchemaElement] = []
    var numRows: Int64 = -1
    var rowGroups: [ParquetRowGroup] = []
    var createdBy: String?
}

struct ParquetDataPageHeader {
    var numValues: Int32 = -1
    var encoding: Int32 = -1
    var definitionLevelEncoding: Int32 = ParquetEncoding.rle
}

struct ParquetDictionaryPageHeader {
    var numValues: Int32 = -1
    var encoding: Int32 = ParquetEncoding.plain
}

struct ParquetDataPageHeaderV2 {
    var numValues: Int32 = -1
    var numNulls: Int32 = -1
    var numRows: Int32 = -1
    var encoding: Int32 = -1
    var definitionLevelsByteLength: Int32 = -1
    var repetitionLevelsByteLength: Int32 = -1
    var isCompressed = true
}

struct ParquetPageHeader {
    var type: Int32 = -1
    var uncompressedPageSize: Int32 = -1
    var compressedPageSize: Int32 = -1
    var dataPage: ParquetDataPageHeader?
    var dictionaryPage: ParquetDictionaryPageHeader?
    var dataPageV2: ParquetDataPageHeaderV2?
}

// MARK: Reading

extension ThriftReader {
    mutating func fileMetaData() throws -> ParquetFileMetaData {
        var meta = ParquetFileMetaData()
        var sawSchema = false, sawRows = false, sawGroups = false
        try readStruct { r, id, type in
            switch id {
            case 1: meta.version = try r.i32(type, field: "FileMetaData.version")
            case 2:
                meta.schema = try r.list(type, field: "FileMetaData.schema", of: .structure) { try $0.schemaElement() }
                sawSchema = true
            case 3:
                meta.numRows = try r.i64(type, field: "FileMetaData.num_rows")
                sawRows = true
            case 4:
                meta.rowGroups = try r.list(type, field: "FileMetaData.row_groups", of: .structure) { try $0.rowGroup() }
                sawGroups = true
            case 6:
                try r.expect(type, .binary, field: "FileMetaData.created_by")
                meta.createdBy = String(decoding: try r.binary(), as: UTF8.self)
            default: try r.skip(type)
            }
        }
        guard sawSchema, sawRows, sawGroups else { throw fail("FileMetaData lacks its schema, num_rows or row_groups") }
        return meta
    }

    mutating func schemaElement() throws -> ParquetSchemaElement {
        var element = ParquetSchemaElement()
        var sawName = false
        try readStruct { r, id, type in
            switch id {
            case 1: element.type = try r.i32(type, field: "SchemaElement.type")
            case 2: element.typeLength = try r.i32(type, field: "SchemaElement.type_length")
            case 3: element.repetition = try r.i32(type, field: "SchemaElement.repetition_type")
            case 4:
                try r.expect(type, .binary, field: "SchemaElement.name")
                element.name = try r.string()
                sawName = true
            case 5: element.numChildren = try r.i32(type, field: "SchemaElement.num_children")
            case 6: element.convertedType = try r.i32(type, field: "SchemaElement.converted_type")
            case 7: element.scale = try r.i32(type, field: "SchemaElement.scale")
            case 8: element.precision = try r.i32(type, field: "SchemaElement.precision")
            case 10:
                try r.expect(type, .structure, field: "SchemaElement.logicalType")
                element.logicalType = try r.logicalType()
            default: try r.skip(type)
            }
        }
        guard sawName else { throw fail("a SchemaElement has no name") }
        return element
    }

    mutating func timeUnit() throws -> ParquetTimeUnit? {
        var unit: ParquetTimeUnit?
        try readStruct { r, id, type in
            switch id {
            case 1: unit = .millis
            case 2: unit = .micros
            case 3: unit = .nanos
            default: break
            }
            try r.skip(type)
        }
        return unit
    }

    mutating func logicalType() throws -> ParquetLogicalType? {
        var logical: ParquetLogicalType?
        try readStruct { r, id, type in
            switch id {
            case 1: logical = .string; try r.skip(type)
            case 2: logical = .map; try r.skip(type)
            case 3: logical = .list; try r.skip(type)
            case 4: logical = .enumeration; try r.skip(type)
            case 5:
                try r.expect(type, .structure, field: "LogicalType.DECIMAL")
                var scale: Int32 = 0, precision: Int32 = 0
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: scale = try r.i32(type, field: "DecimalType.scale")
                    case 2: precision = try r.i32(type, field: "DecimalType.precision")
                    default: try r.skip(type)
                    }
                }
                logical = .decimal(scale: scale, precision: precision)
            case 6: logical = .date; try r.skip(type)
            case 7, 8:
                try r.expect(type, .structure, field: id == 7 ? "LogicalType.TIME" : "LogicalType.TIMESTAMP")
                var unit: ParquetTimeUnit?
                var utc = false
                try r.readStruct { r, id, type in
                    if id == 2 {
                        try r.expect(type, .structure, field: "unit")
                        unit = try r.timeUnit()
                    } else if id == 1 {
                        utc = try r.bool(type, field: "isAdjustedToUTC")
                    } else {
                        try r.skip(type)
                    }
                }
                guard let unit else { throw r.fail("a TIME or TIMESTAMP type has no unit") }
                logical = id == 7 ? .time(unit) : .timestamp(unit, utc: utc)
            case 10:
                try r.expect(type, .structure, field: "LogicalType.INTEGER")
                var bits: Int8 = 64, signed = true
                try r.readStruct { r, id, type in
                    switch id {
                    case 1:
                        try r.expect(type, .byte, field: "IntType.bitWidth")
                        bits = Int8(bitPattern: try r.byte())
                    case 2: signed = try r.bool(type, field: "IntType.isSigned")
                    default: try r.skip(type)
                    }
                }
                logical = .integer(bitWidth: bits, signed: signed)
            case 12: logical = .json; try r.skip(type)
            case 14: logical = .uuid; try r.skip(type)
            default:
                logical = .other(id)
                try r.skip(type)
            }
        }
        return logical
    }

    mutating func rowGroup() throws -> ParquetRowGroup {
        var group = ParquetRowGroup()
        var sawColumns = false, sawRows = false
        try readStruct { r, id, type in
            switch id {
            case 1:
                group.columns = try r.list(type, field: "RowGroup.columns", of: .structure) { try $0.columnChunk() }
                sawColumns = true
            case 2: group.totalByteSize = try r.i64(type, field: "RowGroup.total_byte_size")
            case 3:
                group.numRows = try r.i64(type, field: "RowGroup.num_rows")
                sawRows = true
            default: try r.skip(type)
            }
        }
        guard sawColumns, sawRows else { throw fail("a RowGroup lacks its columns or num_rows") }
        return group
    }

    mutating func columnChunk() throws -> ParquetColumnChunk {
        var chunk = ParquetColumnChunk()
        try readStruct { r, id, type in
            switch id {
            case 1:
                try r.expect(type, .binary, field: "ColumnChunk.file_path")
                chunk.filePath = String(decoding: try r.binary(), as: UTF8.self)
            case 2: chunk.fileOffset = try r.i64(type, field: "ColumnChunk.file_offset")
            case 3:
                try r.expect(type, .structure, field: "ColumnChunk.meta_data")
                chunk.metaData = try r.columnMetaData()
            default: try r.skip(type)
            }
        }
        return chunk
    }

    mutating func columnMetaData() throws -> ParquetColumnMetaData {
        var meta = ParquetColumnMetaData()
        var seen = Set<Int16>()
        try readStruct { r, id, type in
            switch id {
            case 1: meta.type = try r.i32(type, field: "ColumnMetaData.type")
            case 2: meta.encodings = try r.list(type, field: "ColumnMetaData.encodings", of: .i32) { try $0.zigzag32() }
            case 3: meta.path = try r.list(type, field: "ColumnMetaData.path_in_schema", of: .binary) { try $0.string() }
            case 4: meta.codec = try r.i32(type, field: "ColumnMetaData.codec")
            case 5: meta.numValues = try r.i64(type, field: "ColumnMetaData.num_values")
            case 6: meta.totalUncompressedSize = try r.i64(type, field: "ColumnMetaData.total_uncompressed_size")
            case 7: meta.totalCompressedSize = try r.i64(type, field: "ColumnMetaData.total_compressed_size")
            case 9: meta.dataPageOffset = try r.i64(type, field: "ColumnMetaData.data_page_offset")
            case 11: meta.dictionaryPageOffset = try r.i64(type, field: "ColumnMetaData.dictionary_page_offset")
            default: try r.skip(type)
            }
            seen.insert(id)
        }
        for (id, name) in [(1, "type"), (3, "path_in_schema"), (4, "codec"), (5, "num_values"), (7, "total_compressed_size"), (9, "data_page_offset")]
        where !seen.contains(Int16(id)) {
            throw fail("a ColumnMetaData has no \(name)")
        }
        return meta
    }

    mutating func pageHeader() throws -> ParquetPageHeader {
        var header = ParquetPageHeader()
        try readStruct { r, id, type in
            switch id {
            case 1: header.type = try r.i32(type, field: "PageHeader.type")
            case 2: header.uncompressedPageSize = try r.i32(type, field: "PageHeader.uncompressed_page_size")
            case 3: header.compressedPageSize = try r.i32(type, field: "PageHeader.compressed_page_size")
            case 5:
                try r.expect(type, .structure, field: "PageHeader.data_page_header")
                var page = ParquetDataPageHeader()
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: page.numValues = try r.i32(type, field: "DataPageHeader.num_values")
                    case 2: page.encoding = try r.i32(type, field: "DataPageHeader.encoding")
                    case 3: page.definitionLevelEncoding = try r.i32(type, field: "DataPageHeader.definition_level_encoding")
                    default: try r.skip(type)
                    }
                }
                header.dataPage = page
            case 7:
                try r.expect(type, .structure, field: "PageHeader.dictionary_page_header")
                var page = ParquetDictionaryPageHeader()
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: page.numValues = try r.i32(type, field: "DictionaryPageHeader.num_values")
                    case 2: page.encoding = try r.i32(type, field: "DictionaryPageHeader.encoding")
                    default: try r.skip(type)
                    }
                }
                header.dictionaryPage = page
            case 8:
                try r.expect(type, .structure, field: "PageHeader.data_page_header_v2")
                var page = ParquetDataPageHeaderV2()
                try r.readStruct { r, id, type in
                    switch id {
                    case 1: page.numValues = try r.i32(type, field: "DataPageHeaderV2.num_values")
                    case 2: page.numNulls = try r.i32(type, field: "DataPageHeaderV2.num_nulls")
                    case 3: page.numRows = try r.i32(type, field: "DataPageHeaderV2.num_rows")
                    case 4: page.encoding = try r.i32(type, field: "DataPageHeaderV2.encoding")
                    case 5: page.definitionLevelsByteLength = try r.i32(type, field: "DataPageHeaderV2.definition_levels_byte_length")
                    case 6: page.repetitionLevelsByteLength = try r.i32(type, field: "DataPageHeaderV2.repetition_levels_byte_length")
                    case 7: page.isCompressed = try r.bool(type, field: "DataPageHeaderV2.is_compressed")
                    default: try r.skip(type)
                    }
                }
                header.dataPageV2 = page
            default: try r.skip(type)
            }
        }
        return header
    }
}

// MARK: Writing

extension ThriftWriter {
    mutating func schemaElement(_ element: ParquetSchemaElement) {
        self.element { w in
            if let type = element.type { w.i32(1, type) }
            if let repetition = element.repetition { w.i32(3, repetition) }
            w.string(4, element.name)
            if let children = element.numChildren { w.i32(5, children) }
            if let converted = element.convertedType { w.i32(6, converted) }
            switch element.logicalType {
            case .string?: w.structure(10) { $0.structure(1) { _ in } }
            case .date?: w.structure(10) { $0.structure(6) { _ in } }
            case .timestamp(let unit, let utc)?:
                w.structure(10) { w in
                    w.structure(8) { w in
                        w.bool(1, utc)
                        w.structure(2) { w in
                            switch unit {
                            case .millis: w.structure(1) { _ in }
                            case .micros: w.structure(2) { _ in }
                            case .nanos: w.structure(3) { _ in }
                            }
                        }
                    }
                }
            default: break
            }
        }
    }

    mutating func columnMetaData(_ meta: ParquetColumnMetaData) {
        i32(1, meta.type)
        listHeader(2, .i32, count: meta.encodings.count)
        for encoding in meta.encodings { zigzag(Int64(encoding)) }
        listHeader(3, .binary, count: meta.path.count)
        for part in meta.path { binary(Array(part.utf8)) }
        i32(4, meta.codec)
        i64(5, meta.numValues)
        i64(6, meta.totalUncompressedSize)
        i64(7, meta.totalCompressedSize)
        i64(9, meta.dataPageOffset)
        if let dictionary = meta.dictionaryPageOffset { i64(11, dictionary) }
    }

    mutating func pageHeader(_ header: ParquetPageHeader) {
        element { w in
            w.i32(1, header.type)
            w.i32(2, header.uncompressedPageSize)
            w.i32(3, header.compressedPageSize)
            if let page = header.dataPage {
                w.structure(5) { w in
                    w.i32(1, page.numValues)
                    w.i32(2, page.encoding)
                    w.i32(3, page.definitionLevelEncoding)
                    w.i32(4, ParquetEncoding.rle)
                }
            }
            if let page = header.dictionaryPage {
                w.structure(7) { w in
                    w.i32(1, page.numValues)
                    w.i32(2, page.encoding)
                }
            }
            if let page = header.dataPageV2 {
                w.structure(8) { w in
                    w.i32(1, page.numValues)
                    w.i32(2, page.numNulls)
                    w.i32(3, page.numRows)
                    w.i32(4, page.encoding)
                    w.i32(5, page.definitionLevelsByteLength)
                    w.i32(6, page.repetitionLevelsByteLength)
                    w.bool(7, page.isCompressed)
                }
            }
        }
    }
}
