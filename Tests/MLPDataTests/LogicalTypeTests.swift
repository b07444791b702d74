import Foundation
import Testing
@testable import MLPData

/// Dates and timestamps: an `int` column's ``LogicalType`` survives mlpds and Parquet round trips, old
/// files without it still read, an unknown one is refused, and values render as ISO 8601.
@Suite struct LogicalTypeTests {
    static func temporal() throws -> Dataset {
        try Dataset(columns: [
            Column(name: "day", storage: .int([19_753, 0, -1, -719_468]), validity: [true, false, true, true], logical: .date),
            Column(name: "ts_ms", storage: .int([1_706_702_400_123, -1, 0, 5]), logical: .timestamp(.millis, utc: false)),
            Column(name: "ts_us", storage: .int([1_706_702_400_123_456, 7, 0, 9]), validity: [true, true, false, true],
                   logical: .timestamp(.micros, utc: true)),
            Column(name: "ts_ns", storage: .int([1_706_702_400_000_000_001, 2, 3, 4]), logical: .timestamp(.nanos, utc: false)),
            .int("plain", [1, 2, 3, nil]),
        ])
    }

    @Test func annotationsRoundTripThroughMLPDS() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let dataset = try Self.temporal()
        let path = directory + "/t.mlpds"
        try DatasetFile.write(dataset, to: path, profile: Profile(dataset))
        let (read, header) = try DatasetFile.readWithHeader(path)
        #expect(read == dataset)
        #expect(read.columns.map(\.logical) == [.date, .timestamp(.millis, utc: false), .timestamp(.micros, utc: true),
                                                 .timestamp(.nanos, utc: false), nil])
        #expect(header.columns.map(\.logical) == ["date", "timestamp[ms]", "timestamp[us,UTC]", "timestamp[ns]", nil])
        // Equality sees the annotation: the same integers without it are another column.
        #expect(Column(name: "day", storage: read.columns[0].storage, validity: read.columns[0].validity) != read.columns[0])
    }

    @Test func aFileWrittenBeforeAnnotationsReadsWithNone() throws {
        // all-types.mlpds was committed before annotations existed (FuzzSeedTests keeps it byte for byte).
        let seed = FuzzSeedTests.seeds + "/all-types.mlpds"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: seed))
        #expect(!String(decoding: bytes.prefix(4096), as: UTF8.self).contains("logical"))
        let read = try DatasetFile.read(seed)
        #expect(read.columns.map(\.name) == ["x", "n", "flag", "colour"])
        #expect(read.columns.allSatisfy { $0.logical == nil })
        // A dataset without annotations is still written without the key.
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try DatasetFile.write(read, to: directory + "/again.mlpds")
        #expect(try Data(contentsOf: URL(fileURLWithPath: directory + "/again.mlpds")) == bytes)
    }

    @Test func anUnknownOrMisplacedAnnotationIsAClearError() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/t.mlpds"
        try DatasetFile.write(try Self.temporal(), to: path)
        try rewriteHeader(path) { $0.columns[1].logical = "timestamp[fortnights]" }
        let unknown = try #require(throws: DatasetFileError.self) { try DatasetFile.read(path) }
        #expect("\(unknown)".contains("ts_ms"))
        #expect("\(unknown)".contains("timestamp[fortnights]"))
        #expect("\(unknown)".contains("not one mlp knows"))

        try DatasetFile.write(try sampleDataset(), to: path)
        try rewriteHeader(path) { $0.columns[1].logical = "date" }
        let misplaced = try #require(throws: DatasetFileError.self) { try DatasetFile.read(path) }
        #expect("\(misplaced)".contains("score"))
        #expect("\(misplaced)".contains("needs an int column"))
    }

    @Test func annotationsRoundTripThroughParquet() throws {
        let dataset = try Self.temporal()
        var small = ParquetWriteOptions()
        small.rowGroupRows = 3
        small.pageBytes = 8
        for options in [ParquetWriteOptions(), small] {
            let read = try ParquetReader.read(bytes: ParquetWriter.encode(dataset, options: options))
            #expect(read == dataset)
        }
    }

    /// Hand-written schema elements: legacy converted types, logical types with and without isAdjustedToUTC,
    /// INT96 and TIME (which stays a plain int).
    @Test func theParquetReaderAnnotatesFromLogicalAndLegacyTypes() throws {
        func element(_ type: ParquetPhysicalType, converted: Int32? = nil, logical: ((inout ThriftWriter) -> Void)? = nil) -> (inout ThriftWriter) -> Void {
            { w in
                w.i32(1, type.rawValue)
                w.i32(3, ParquetRepetition.required.rawValue)
                if let converted { w.i32(6, converted) }
                if let logical { w.structure(10, logical) }
            }
        }
        func timestamp(utc: Bool, unit: Int16) -> (inout ThriftWriter) -> Void {
            { w in w.structure(8) { w in w.bool(1, utc); w.structure(2) { w in w.structure(unit) { _ in } } } }
        }
        let parquet = ParquetTests()
        let two = parquet.le([Int64(1), Int64(2)])
        let file = parquet.handWritten([
            (element(.int32, converted: ParquetConvertedType.date), .int32, parquet.le([Int32(1), Int32(2)]), 0),
            (element(.int32, logical: { w in w.structure(6) { _ in } }), .int32, parquet.le([Int32(1), Int32(2)]), 0),
            (element(.int64, converted: ParquetConvertedType.timestampMillis), .int64, two, 0),
            (element(.int64, converted: ParquetConvertedType.timestampMicros), .int64, two, 0),
            (element(.int64, logical: timestamp(utc: true, unit: 3)), .int64, two, 0),
            (element(.int64, logical: timestamp(utc: false, unit: 2)), .int64, two, 0),
            (element(.int64, logical: timestamp(utc: false, unit: 1)), .int64, two, 0),
            (element(.int96), .int96, parquet.le([Int64(0)]) + parquet.le([Int32(2_440_588)]) + parquet.le([Int64(0)]) + parquet.le([Int32(2_440_588)]), 0),
            (element(.int64, converted: ParquetConvertedType.timeMicros), .int64, two, 0),
            (element(.int64), .int64, two, 0),
        ], rows: 2)
        let read = try ParquetReader.read(bytes: file)
        #expect(read.columns.map(\.logical) == [
            .date, .date, .timestamp(.millis, utc: true), .timestamp(.micros, utc: true), .timestamp(.nanos, utc: true),
            .timestamp(.micros, utc: false), .timestamp(.millis, utc: false), .timestamp(.nanos, utc: false), nil, nil,
        ])
        // Written back and read again: the same columns, annotations included.
        #expect(try ParquetReader.read(bytes: ParquetWriter.encode(read)) == read)
    }

    @Test func aDateOutsideINT32IsRefusedByTheParquetWriter() throws {
        let dataset = try Dataset(columns: [Column(name: "day", storage: .int([1, Int64(Int32.max) + 1]), logical: .date)])
        let error = try #require(throws: ParquetError.self) { try ParquetWriter.encode(dataset) }
        #expect("\(error)".contains("day"))
        #expect("\(error)".contains("row 1"))
    }

    @Test func onlyIntColumnsCarryAnAnnotation() {
        #expect(Column(name: "x", storage: .float([1]), logical: .date).logical == nil)
        #expect(Column(name: "x", storage: .int([1]), logical: .date).logical == .date)
    }

    @Test func namesParseBack() {
        let all: [LogicalType] = [.date] + TimeUnit.allCases.flatMap { unit in [false, true].map { LogicalType.timestamp(unit, utc: $0) } }
        for logical in all { #expect(LogicalType(name: logical.description) == logical) }
        #expect(LogicalType(name: "timestamp") == nil)
        #expect(LogicalType(name: "Date") == nil)
    }

    @Test func valuesRenderAsISO8601() {
        #expect(LogicalType.date.iso8601(19_753) == "2024-01-31")
        #expect(LogicalType.date.iso8601(0) == "1970-01-01")
        #expect(LogicalType.date.iso8601(-1) == "1969-12-31")
        #expect(LogicalType.date.iso8601(11_016) == "2000-02-29")
        #expect(LogicalType.date.iso8601(-719_468) == "0000-03-01")
        #expect(LogicalType.date.iso8601(2_932_896) == "9999-12-31")
        #expect(LogicalType.timestamp(.micros, utc: true).iso8601(1_706_702_400_123_456) == "2024-01-31T12:00:00.123456Z")
        #expect(LogicalType.timestamp(.millis, utc: false).iso8601(1_706_702_400_000) == "2024-01-31T12:00:00")
        #expect(LogicalType.timestamp(.millis, utc: true).iso8601(-1) == "1969-12-31T23:59:59.999Z")
        #expect(LogicalType.timestamp(.nanos, utc: false).iso8601(1_000_000_007) == "1970-01-01T00:00:01.000000007")
        // Every day of 400 years (one Gregorian cycle) against Foundation's calendar.
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        for day in stride(from: Int64(-73_000), to: 73_000, by: 1) where day % 97 == 0 || abs(day) < 800 {
            let date = Date(timeIntervalSince1970: Double(day) * 86_400)
            let parts = calendar.dateComponents([.year, .month, .day], from: date)
            let want = String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!)
            #expect(LogicalType.date.iso8601(day) == want)
        }
    }
}
