import Foundation
import Testing
@testable import MLPData

/// A generated frame with every mlp column type, nulls in each, runs (for RLE) and a categorical column.
func parquetFrame(rows: Int) throws -> Dataset {
    var ints: [Int64?] = [], floats: [Double?] = [], bools: [Bool?] = [], text: [String?] = [], plans: [String?] = []
    var state: UInt64 = 42
    func next() -> UInt64 {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return state >> 33
    }
    let specials: [Double] = [0, -0.0, 1e300, -1e-300, .infinity, -.infinity, .pi]
    for row in 0..<rows {
        ints.append(row % 7 == 3 ? nil : (row % 50 < 20 ? 5 : Int64(bitPattern: next() << 31) ^ Int64(row)))
        floats.append(row % 11 == 0 ? nil : (row % 13 == 0 ? specials[row % specials.count] : Double(Int64(next())) / 1024))
        bools.append(row % 5 == 1 ? nil : (row / 9) % 2 == 0)
        text.append(row % 17 == 2 ? nil : (row % 3 == 0 ? "" : "värde \(next() % 1000) ✓"))
        plans.append(row % 19 == 4 ? nil : ["free", "pro", "team"][Int(next() % 3)])
    }
    return try Dataset(columns: [
        .int("id", (0..<rows).map { Int64($0) }),
        .int("count", ints),
        .float("score", floats),
        .bool("active", bools),
        .string("note", text),
        Column.string("plan", plans).dictionaryEncoded(),
        .string("word", (0..<rows).map { ["a", "b", "c"][$0 % 3] }),
    ])
}

/// Column names, types and every cell: what must survive a round trip (a categorical column reads
/// back as plain text with the same values).
func cells(_ dataset: Dataset) -> [String] {
    dataset.columns.map { column in
        "\(column.name):\(column.type):" + (0..<column.count).map { column[$0].map { "\($0)" } ?? "∅" }.joined(separator: "|")
    }
}

@Suite struct ParquetTests {
    @Test func everyTypeRoundTripsWithEachCodecEncodingAndPageVersion() throws {
        let frame = try parquetFrame(rows: 2_500)
        for codec in ParquetCodec.allCases {
            for dictionary in [true, false] {
                for v2 in [false, true] {
                    var options = ParquetWriteOptions(codec: codec, dictionary: dictionary)
                    options.dataPageV2 = v2
                    options.rowGroupRows = 1_000
                    options.pageBytes = 2_000
                    let bytes = try ParquetWriter.encode(frame, options: options)
                    let read = try ParquetReader.read(bytes: bytes)
                    #expect(cells(read) == cells(frame), "codec \(codec), dictionary \(dictionary), v2 \(v2)")
                    #expect(read.rowCount == 2_500)
                }
            }
        }
    }

    @Test func dictionaryEncodingShrinksRepetitiveText() throws {
        let frame = try Dataset(columns: [.string("s", (0..<10_000).map { ["alpha", "beta"][$0 % 2] })])
        let withDictionary = try ParquetWriter.encode(frame, options: ParquetWriteOptions(codec: .uncompressed, dictionary: true))
        let plain = try ParquetWriter.encode(frame, options: ParquetWriteOptions(codec: .uncompressed, dictionary: false))
        #expect(withDictionary.count * 10 < plain.count)
        #expect(cells(try ParquetReader.read(bytes: withDictionary)) == cells(frame))
        for codec in [ParquetCodec.snappy, .gzip, .zstd] {
            #expect(try ParquetWriter.encode(frame, options: ParquetWriteOptions(codec: codec, dictionary: false)).count < plain.count / 4)
        }
    }

    @Test func writesAtomicallyToAPath() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/frame.parquet"
        try ParquetWriter.write(try parquetFrame(rows: 10), to: path)
        try ParquetWriter.write(try sampleDataset(), to: path)
        #expect(cells(try ParquetReader.read(path: path)) == cells(try sampleDataset()))
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["frame.parquet"])
        #expect(throws: ParquetError.self) { try ParquetReader.read(path: directory + "/missing.parquet") }
    }

    @Test func emptyFramesRoundTrip() throws {
        let noRows = try Dataset(columns: [.int("a", []), .string("b", []), .bool("c", [])])
        #expect(cells(try ParquetReader.read(bytes: try ParquetWriter.encode(noRows))) == cells(noRows))
        let allNull = try Dataset(columns: [.float("x", [nil, nil, nil])])
        #expect(cells(try ParquetReader.read(bytes: try ParquetWriter.encode(allNull))) == cells(allNull))
    }

    @Test func hybridRunsRoundTripAtEveryWidth() throws {
        var state: UInt64 = 7
        for width in [1, 2, 3, 5, 8, 13, 16, 20, 32] {
            let mask: UInt64 = width == 32 ? 0xffff_ffff : (1 << UInt64(width)) - 1
            var values: [UInt32] = []
            for i in 0..<1_000 {
                state = state &* 6364136223846793005 &+ 1
                // Long runs and noise, so both run kinds appear.
                values.append(UInt32((i / 100) % 2 == 0 ? UInt64(i / 100) & mask : (state >> 20) & mask))
            }
            let bytes = HybridEncoder.encode(values, bitWidth: width)
            var decoder = HybridDecoder(data: bytes, from: 0, to: bytes.count, bitWidth: width)
            #expect(try decoder.decode(count: values.count) == values, "width \(width)")
        }
    }

    // MARK: Types other writers produce

    /// The FuzzParquet seeds (Fuzz/Corpus/make_parquet_seeds.py): pyarrow files, one per codec, page
    /// version and dictionary choice, and one mlp wrote; all hold the same four rows.
    @Test func pyarrowSeedFilesReadWithTheirValues() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Fuzz/Corpus/FuzzParquet").path
        let expected = [
            "i32:int:1|∅|-3|4", "i64:int:10|10|10|∅", "f:float:0.5|∅|-1.25|3.0", "d:float:1e+300|2.5|∅|-0.0",
            "b:bool:true|∅|false|true", "s:string:a|bb|∅|a", "day:int:19723|∅|-1|11016", "ts:int:0|1700000000000|∅|-1",
        ]
        for name in ["plain-none", "dict-snappy", "dict-gzip-v2", "plain-zstd-v2", "mlp-written"] {
            #expect(cells(try ParquetReader.read(path: "\(folder)/\(name).parquet")) == expected, "\(name)")
        }
        // DELTA_BINARY_PACKED, BYTE_STREAM_SPLIT, DELTA_BYTE_ARRAY; DELTA_LENGTH_BYTE_ARRAY.
        #expect(cells(try ParquetReader.read(path: "\(folder)/delta-split-v2.parquet")) == expected.filter { !$0.hasPrefix("b:") && !$0.hasPrefix("ts:") })
        #expect(cells(try ParquetReader.read(path: "\(folder)/delta-length.parquet")) == ["s:string:a|bb|∅|a"])
        #expect(cells(try ParquetReader.read(path: "\(folder)/required-int96.parquet")) == [
            "i64:int:10|10", "s:string:a|bb", "ts:int:0|1700000000000000000",
        ])
    }

    /// A one-row-group file with hand-written schema elements and PLAIN v1 pages (uncompressed), for
    /// the types mlp does not write: DATE, TIMESTAMP, INT96, FLOAT, DECIMAL, unsigned, RLE booleans.
    func handWritten(_ columns: [(element: (inout ThriftWriter) -> Void, type: ParquetPhysicalType, body: [UInt8], encoding: Int32)], rows: Int) -> [UInt8] {
        var out = ParquetFileParser.magic
        var chunks: [ParquetColumnChunk] = []
        for (index, column) in columns.enumerated() {
            let start = out.count
            _ = try? ParquetWriter.appendPage(type: ParquetPageType.dataPage, body: column.body, values: rows, encoding: column.encoding,
                                              options: ParquetWriteOptions(codec: .uncompressed), source: "", into: &out)
            var meta = ParquetColumnMetaData()
            meta.type = column.type.rawValue
            meta.encodings = [0]
            meta.path = ["c\(index)"]
            meta.codec = 0
            meta.numValues = Int64(rows)
            meta.totalUncompressedSize = Int64(out.count - start)
            meta.totalCompressedSize = Int64(out.count - start)
            meta.dataPageOffset = Int64(start)
            var chunk = ParquetColumnChunk()
            chunk.fileOffset = Int64(start)
            chunk.metaData = meta
            chunks.append(chunk)
        }
        var footer = ThriftWriter()
        footer.element { w in
            w.i32(1, 1)
            w.listHeader(2, .structure, count: columns.count + 1)
            w.element { w in
                w.string(4, "schema")
                w.i32(5, Int32(columns.count))
            }
            for (index, column) in columns.enumerated() {
                w.element { w in
                    column.element(&w)
                    w.string(4, "c\(index)")
                }
            }
            w.i64(3, Int64(rows))
            w.listHeader(4, .structure, count: 1)
            w.element { w in
                w.listHeader(1, .structure, count: chunks.count)
                for chunk in chunks {
                    w.element { w in
                        w.i64(2, chunk.fileOffset)
                        w.structure(3) { $0.columnMetaData(chunk.metaData!) }
                    }
                }
                w.i64(2, 0)
                w.i64(3, Int64(rows))
            }
        }
        out += footer.bytes
        withUnsafeBytes(of: UInt32(footer.bytes.count).littleEndian) { out.append(contentsOf: $0) }
        return out + ParquetFileParser.magic
    }

    func le<T: FixedWidthInteger>(_ values: [T]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.littleEndian) { Array($0) } } }

    @Test func readsDatesTimestampsInt96FloatsDecimalsAndUnsigned() throws {
        func typed(_ type: ParquetPhysicalType, converted: Int32? = nil, _ extra: @escaping (inout ThriftWriter) -> Void = { _ in }) -> (inout ThriftWriter) -> Void {
            { w in
                w.i32(1, type.rawValue)
                w.i32(3, ParquetRepetition.required.rawValue)
                if let converted { w.i32(6, converted) }
                extra(&w)
            }
        }
        // INT96: 12 bytes, nanoseconds of the day then the Julian day (2440589 = 1970-01-02).
        let int96 = le([Int64(5)]) + le([Int32(2_440_589)]) + le([Int64(0)]) + le([Int32(2_440_587)])
        let file = handWritten([
            (typed(.int32, converted: ParquetConvertedType.date), .int32, le([Int32(19_000), Int32(-1)]), 0),
            (typed(.int64) { w in
                // logicalType TIMESTAMP(isAdjustedToUTC = true, unit = NANOS)
                w.structure(10) { w in w.structure(8) { w in w.bool(1, true); w.structure(2) { w in w.structure(3) { _ in } } } }
            }, .int64, le([Int64(1_700_000_000_000_000_000), Int64(0)]), 0),
            (typed(.int96), .int96, int96, 0),
            (typed(.float), .float, le([Float(1.5).bitPattern, Float(-0.25).bitPattern]), 0),
            (typed(.int64, converted: ParquetConvertedType.decimal) { w in w.i32(7, 2); w.i32(8, 10) }, .int64, le([Int64(12_345), Int64(-5)]), 0),
            (typed(.int32, converted: ParquetConvertedType.uint32), .int32, le([UInt32.max, 7]), 0),
            // RLE booleans: 4-byte length, then one RLE run of 2 × true.
            (typed(.boolean), .boolean, le([UInt32(2)]) + [2 << 1, 1], ParquetEncoding.rle),
        ], rows: 2)
        let read = try ParquetReader.read(bytes: file)
        #expect(cells(read) == [
            "c0:int:19000|-1",
            "c1:int:1700000000000000000|0",
            "c2:int:86400000000005|-86400000000000",
            "c3:float:1.5|-0.25",
            "c4:float:123.45|-0.05",
            "c5:int:4294967295|7",
            "c6:bool:true|true",
        ])
    }

    // MARK: Malformed input

    func expectError(_ bytes: [UInt8], _ fragment: String, sourceLocation: SourceLocation = #_sourceLocation) {
        do {
            _ = try ParquetReader.read(bytes: bytes, source: "bad.parquet")
            Issue.record("read a malformed file without an error", sourceLocation: sourceLocation)
        } catch let error as ParquetError {
            #expect(error.description.contains(fragment), "\(error)", sourceLocation: sourceLocation)
            #expect(error.description.hasPrefix("bad.parquet: "), sourceLocation: sourceLocation)
        } catch {
            Issue.record("unexpected error \(error)", sourceLocation: sourceLocation)
        }
    }

    @Test func badMagicShortFilesAndFooterLengthsAreErrors() throws {
        let good = try ParquetWriter.encode(try sampleDataset())
        expectError([], "too short")
        expectError(Array("PAR1PAR1".utf8), "too short")
        expectError(Array("NOPE".utf8) + good.dropFirst(4), "does not start with the Parquet magic")
        expectError(Array(good.dropLast(1)), "does not end with PAR1")
        expectError(Array(good.dropLast(4)) + Array("PARE".utf8), "encrypted")
        var long = good
        long.replaceSubrange((long.count - 8)..<(long.count - 4), with: le([UInt32.max]))
        expectError(long, "footer length 4294967295 is larger than the file allows")
        var short = good
        short.replaceSubrange((short.count - 8)..<(short.count - 4), with: le([UInt32(3)]))
        expectError(short, "the footer (FileMetaData) is corrupt")
    }

    @Test func everyTruncationAndEveryByteFlipIsAnErrorOrAValidRead() throws {
        let good = try ParquetWriter.encode(try sampleDataset(), options: ParquetWriteOptions(codec: .snappy))
        for length in 0..<good.count {
            #expect(throws: ParquetError.self) { try ParquetReader.read(bytes: Array(good[0..<length])) }
        }
        // A flipped byte may land in a value (a valid, different file); anything else must be a ParquetError.
        for codec in ParquetCodec.allCases {
            let file = try ParquetWriter.encode(try parquetFrame(rows: 40), options: ParquetWriteOptions(codec: codec))
            for index in 0..<file.count {
                for flip: UInt8 in [0x01, 0x80, 0xff] {
                    var bad = file
                    bad[index] ^= flip
                    do { _ = try ParquetReader.read(bytes: bad) } catch is ParquetError {} catch { Issue.record("\(error)") }
                }
            }
        }
    }

    @Test func absurdCountsAndOffsetsAreRefusedBeforeAllocating() throws {
        func column(_ w: inout ThriftWriter) { w.i32(1, ParquetPhysicalType.int64.rawValue); w.i32(3, 0) }
        // A footer claiming 2^62 rows.
        var footer = ThriftWriter()
        footer.element { w in
            w.i32(1, 1)
            w.listHeader(2, .structure, count: 2)
            w.element { w in w.string(4, "schema"); w.i32(5, 1) }
            w.element { w in column(&w); w.string(4, "x") }
            w.i64(3, 1 << 62)
            w.listHeader(4, .structure, count: 0)
        }
        let file = ParquetFileParser.magic + footer.bytes + le([UInt32(footer.bytes.count)]) + ParquetFileParser.magic
        expectError(file, "claims 4611686018427387904 rows, more than the limit")

        // A list claiming a billion schema elements in a few bytes.
        var list = ThriftWriter()
        list.element { w in w.listHeader(2, .structure, count: 1_000_000_000) }
        expectError(ParquetFileParser.magic + list.bytes + le([UInt32(list.bytes.count)]) + ParquetFileParser.magic, "a list claims 1000000000 elements")

        // Structs nested 10 000 deep are refused at the depth bound, not by overflowing the stack.
        // (Field 5 of FileMetaData, which the reader skips, holding field 6, holding field 7 ...)
        let deep = [UInt8](repeating: 0x1c, count: 10_000) + [UInt8](repeating: 0, count: 10_000)
        var top = deep
        top[0] = 0x5c
        expectError(ParquetFileParser.magic + top + le([UInt32(top.count)]) + ParquetFileParser.magic, "nest deeper than")

        // A page whose chunk points past the data.
        var good = try ParquetWriter.encode(try Dataset(columns: [.int("x", [1, 2, 3])]), options: ParquetWriteOptions(codec: .uncompressed))
        let read = try ParquetFileParser(data: good, source: "", options: ParquetReadOptions()).footer()
        var meta = read.0
        meta.rowGroups[0].columns[0].metaData!.dataPageOffset = 1 << 40
        good = rewriteFooter(good, meta)
        expectError(good, "outside the data")
    }

    /// `file` with its footer replaced by `meta` (only the fields the writer writes).
    func rewriteFooter(_ file: [UInt8], _ meta: ParquetFileMetaData) -> [UInt8] {
        let length = Int(file[file.count - 8]) | Int(file[file.count - 7]) << 8 | Int(file[file.count - 6]) << 16 | Int(file[file.count - 5]) << 24
        let data = Array(file[0..<(file.count - 8 - length)])
        var w = ThriftWriter()
        w.element { w in
            w.i32(1, 1)
            w.listHeader(2, .structure, count: meta.schema.count)
            for element in meta.schema { w.schemaElement(element) }
            w.i64(3, meta.numRows)
            w.listHeader(4, .structure, count: meta.rowGroups.count)
            for group in meta.rowGroups {
                w.element { w in
                    w.listHeader(1, .structure, count: group.columns.count)
                    for chunk in group.columns {
                        w.element { w in
                            w.i64(2, chunk.fileOffset)
                            w.structure(3) { $0.columnMetaData(chunk.metaData!) }
                        }
                    }
                    w.i64(2, group.totalByteSize)
                    w.i64(3, group.numRows)
                }
            }
        }
        return data + w.bytes + le([UInt32(w.bytes.count)]) + ParquetFileParser.magic
    }

    @Test func deltaBinaryPackedHeadersAndRunsAreChecked() throws {
        // Block size 128, 4 miniblocks, 3 values, first value 5 (zigzag 10); min delta 1 (zigzag 2);
        // widths 1, 0, 0, 0; deltas 0b01 → values 5, 6, 8.
        let good: [UInt8] = [0x80, 0x01, 4, 3, 10, 2, 1, 0, 0, 0, 0b10] + [UInt8](repeating: 0, count: 3)
        var decoder = DeltaBinaryPackedDecoder(data: good, from: 0, to: good.count)
        #expect(try decoder.decode(count: 3, maxBitWidth: 64) == [5, 6, 8])
        func failure(_ bytes: [UInt8], count: Int = 3) -> String? {
            var decoder = DeltaBinaryPackedDecoder(data: bytes, from: 0, to: bytes.count)
            do { _ = try decoder.decode(count: count, maxBitWidth: 32); return nil } catch { return error.message }
        }
        #expect(failure([100, 4, 3, 10])?.contains("block size 100") == true)
        #expect(failure([0x80, 0x01, 0, 3, 10])?.contains("0 miniblocks") == true)
        #expect(failure(good, count: 4)?.contains("holds 3 values where the page has 4") == true)
        #expect(failure([0x80, 0x01, 4, 3, 10, 2, 40, 0, 0, 0])?.contains("40 bits wide") == true)
        #expect(failure([0x80, 0x01, 4, 3, 10, 2, 8, 0, 0, 0, 1])?.contains("runs past the end") == true)
        #expect(failure([0x80, 0x01, 4, 3, 10, 2, 1])?.contains("bit widths run past the end") == true)
    }

    @Test func nestedColumnsAndUnsupportedCodecsAreRefusedByName() throws {
        let file = try ParquetWriter.encode(try Dataset(columns: [.int("x", [1, 2, 3]), .string("tags", ["a", "b", "c"])]))
        var meta = try ParquetFileParser(data: file, source: "", options: ParquetReadOptions()).footer().0
        // "tags" becomes a group with one child: a nested column.
        var nested = meta
        nested.schema[2].numChildren = 1
        nested.schema[2].type = nil
        var child = ParquetSchemaElement()
        child.name = "element"
        child.type = ParquetPhysicalType.byteArray.rawValue
        child.repetition = ParquetRepetition.repeated.rawValue
        nested.schema.append(child)
        expectError(rewriteFooter(file, nested), "column 'tags': the column is nested")
        var repeated = meta
        repeated.schema[2].repetition = ParquetRepetition.repeated.rawValue
        expectError(rewriteFooter(file, repeated), "column 'tags': the column is REPEATED")
        meta.rowGroups[0].columns[0].metaData!.codec = 5
        expectError(rewriteFooter(file, meta), "column 'x': the column is compressed with LZ4")
    }
}
