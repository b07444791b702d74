import Foundation
import Testing
@testable import MLPData

@Suite struct DatasetFileTests {
    @Test func everyColumnTypeRoundTripsWithNullsAndProfile() throws {
        let directory = try temporaryDirectory()
        let path = directory + "/d.mlpds"
        let dataset = try sampleDataset()
        try DatasetFile.write(dataset, to: path, profile: Profile(dataset))
        let (read, header) = try DatasetFile.readWithHeader(path)
        #expect(read == dataset)
        #expect(header.rows == 4)
        #expect(header.profile == Profile(dataset))
        #expect(header.columns.map(\.nulls) == [0, 1, 1, 1, 1])
        #expect(header.columns[4].encoding == .dictionary)
        // The temporary file was renamed away.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["d.mlpds"])
    }

    /// Values whose statistics do not fit a Double (squares of 1e300) or are not numbers at all
    /// (infinities, NaN) still give a dataset that is written: those statistics are left out.
    @Test func aProfileLeavesOutStatisticsThatAreNotFinite() throws {
        let directory = try temporaryDirectory()
        let dataset = try Dataset(columns: [.float("huge", [1e300, -1e300, 3]), .float("odd", [.infinity, 1, .nan]),
                                            .float("plain", [1, 2, nil])])
        let profile = Profile(dataset)
        try DatasetFile.write(dataset, to: directory + "/d.mlpds", profile: profile)
        let huge = try #require(profile.columns.first { $0.name == "huge" })
        #expect(huge.min == -1e300 && huge.max == 1e300 && huge.std == nil)
        let odd = try #require(profile.columns.first { $0.name == "odd" })
        #expect(odd.mean == nil && odd.std == nil)
        let plain = try #require(profile.columns.first { $0.name == "plain" })
        #expect(plain.mean == 1.5 && plain.std != nil)
    }

    @Test func emptyDatasetsRoundTrip() throws {
        let path = try temporaryDirectory() + "/e.mlpds"
        let none = try Dataset(columns: [], rowCount: 0)
        try DatasetFile.write(none, to: path)
        #expect(try DatasetFile.read(path) == none)
        let noRows = try Dataset(columns: [.int("a", []), .string("b", [])])
        try DatasetFile.write(noRows, to: path)
        #expect(try DatasetFile.read(path) == noRows)
    }

    @Test func rewritingReplacesTheWholeFile() throws {
        let path = try temporaryDirectory() + "/d.mlpds"
        try DatasetFile.write(try sampleDataset(), to: path)
        let small = try Dataset(columns: [.int("x", [7])])
        try DatasetFile.write(small, to: path)
        #expect(try DatasetFile.read(path) == small)
    }

    func written() throws -> String {
        let path = try temporaryDirectory() + "/d.mlpds"
        try DatasetFile.write(try sampleDataset(), to: path)
        return path
    }

    func failure(_ path: String) throws -> DatasetFileError {
        try #require(throws: DatasetFileError.self) { try DatasetFile.read(path) }
    }

    @Test func truncatedFilesAreRejectedAtEveryLength() throws {
        let path = try written()
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let cut = path + ".cut"
        // The last byte that belongs to a buffer (the file may end in padding after it).
        let header = try DatasetFile.readHeader(path)
        let lastByte = try dataSectionStart(path) + header.columns.flatMap(\.buffers).map { $0.offset + $0.length }.max()! - 1
        for length in [0, 5, 15, 16, 40, whole.count / 2, lastByte] {
            try whole[0..<length].write(to: URL(fileURLWithPath: cut))
            #expect(throws: DatasetFileError.self, "length \(length)") { try DatasetFile.read(cut) }
        }
        try whole[0..<lastByte].write(to: URL(fileURLWithPath: cut))
        let error = try failure(cut)
        #expect(error.description.contains("outside the"))
        #expect(error.column != nil)
    }

    /// Found by the dataset fuzz target (Fuzz/): a file whose buffers are all empty, cut inside the
    /// padding between its header and the data section, sliced the file past its end.
    @Test func aFileCutInsideThePaddingAfterItsHeaderIsRejected() throws {
        let path = try temporaryDirectory() + "/empty-rows.mlpds"
        try DatasetFile.write(try Dataset(columns: [.float("x", []), .int("n", [])]), to: path)
        let whole = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerEnd = 16 + Int(whole[8..<16].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        #expect(whole.count == (headerEnd + 7) & ~7 && whole.count > headerEnd, "the header needs padding for this test")
        let cut = path + ".cut"
        for length in headerEnd..<whole.count {
            try whole[0..<length].write(to: URL(fileURLWithPath: cut))
            let error = try failure(cut)
            #expect(error.description.contains("inside the padding before the data section"), "length \(length): \(error)")
        }
    }

    @Test func wrongMagicVersionAndHeaderLengthAreNamed() throws {
        let path = try written()
        try patch(path, at: 0, Array("NOTDS".utf8))
        #expect(try failure(path).description.contains("not an mlpds file"))

        let versioned = try written()
        try patch(versioned, at: 6, [9, 0])
        let version = try failure(versioned)
        #expect(version.message.contains("version 9 is not supported"))
        #expect(version.offset == 6)

        let huge = try written()
        try patch(huge, at: 8, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])
        #expect(try failure(huge).message.contains("exceeds"))

        let long = try written()
        try patch(long, at: 8, [0x00, 0x00, 0x10, 0, 0, 0, 0, 0])
        #expect(try failure(long).message.contains("truncated"))
    }

    @Test func headerThatIsNotJSONIsNamed() throws {
        let path = try written()
        try patch(path, at: 16, Array("XX".utf8))
        let error = try failure(path)
        #expect(error.message.contains("JSON header"))
        #expect(error.offset == 16)
    }

    @Test func offsetsOutsideTheFileOrOverflowingAreRejected() throws {
        let path = try written()
        try rewriteHeader(path) { $0.columns[0].buffers[0].offset = Int.max - 4 }
        let overflow = try failure(path)
        #expect(overflow.column == "id")
        #expect(overflow.message.contains("outside"))

        let negative = try written()
        try rewriteHeader(negative) { $0.columns[1].buffers[0].length = -8 }
        #expect(try failure(negative).column == "score")
    }

    @Test func overlappingBuffersAreRejected() throws {
        let path = try written()
        try rewriteHeader(path) { $0.columns[1].buffers[0].offset = $0.columns[0].buffers[0].offset + 8 }
        let error = try failure(path)
        #expect(error.message.contains("overlaps"))
    }

    @Test func lengthsMustBeRowsTimesWidth() throws {
        let path = try written()
        try rewriteHeader(path) { $0.columns[0].buffers[0].length = 24 }
        let error = try failure(path)
        #expect(error.column == "id")
        #expect(error.message.contains("4 entries of 8 bytes need 32"))

        let rows = try written()
        try rewriteHeader(rows) { $0.rows = Int.max }
        #expect(try failure(rows).message.contains("more than Int.max"))
    }

    @Test func missingOrExtraBuffersAreRejected() throws {
        let path = try written()
        try rewriteHeader(path) { $0.columns[1].buffers.removeAll { $0.role == .validity } }
        #expect(try failure(path).message.contains("validity"))

        let nulls = try written()
        try rewriteHeader(nulls) { $0.columns[1].nulls = 2 }
        #expect(try failure(nulls).message.contains("counts 2 nulls"))

        let negative = try written()
        try rewriteHeader(negative) { $0.columns[0].nulls = -1 }
        #expect(try failure(negative).message.contains("null count"))
    }

    @Test func corruptContentIsNamedWithItsByteOffset() throws {
        // Validity byte of column 'score' (row 0) set to 7.
        let path = try written()
        let header = try DatasetFile.readHeader(path)
        let start = try dataSectionStart(path)
        let validity = header.columns[1].buffers.first { $0.role == .validity }!
        try patch(path, at: start + validity.offset, [7])
        let error = try failure(path)
        #expect(error.column == "score")
        #expect(error.offset == start + validity.offset)

        // A decreasing string offset.
        let strings = try written()
        let offsets = header.columns[3].buffers.first { $0.role == .offsets }!
        try patch(strings, at: start + offsets.offset + 8, [0xFF, 0, 0, 0, 0, 0, 0, 0])
        let stringError = try failure(strings)
        #expect(stringError.column == "name")
        #expect(stringError.message.contains("offsets[1]"))

        // A dictionary code past the dictionary.
        let codes = try written()
        let codeBuffer = header.columns[4].buffers.first { $0.role == .codes }!
        try patch(codes, at: start + codeBuffer.offset, [9, 0, 0, 0])
        #expect(try failure(codes).message.contains("outside the 2-entry dictionary"))

        // Text that is not UTF-8.
        let text = try written()
        let bytes = header.columns[3].buffers.first { $0.role == .bytes }!
        try patch(text, at: start + bytes.offset, [0xFF])
        #expect(try failure(text).message.contains("UTF-8"))

        // A bool byte that is not 0 or 1.
        let bools = try written()
        let values = header.columns[2].buffers.first { $0.role == .values }!
        try patch(bools, at: start + values.offset, [2])
        #expect(try failure(bools).message.contains("not 0 or 1"))
    }
}
