import Foundation
import MLPCore
import Testing
@testable import MLPData

@Suite struct CSVReaderTests {
    @Test func typesAreInferredPerColumnWithEmptyFieldsAsNulls() throws {
        let dataset = try CSVReader.read(text: """
            id,score,active,name,empty
            1,0.5,true,ann,
            2,,FALSE,bob,
            3,-2e3,,,
            """)
        #expect(dataset.rowCount == 3)
        #expect(dataset.columns.map(\.type) == [.int, .float, .bool, .string, .string])
        #expect(dataset["id"]?[2] == .int(3))
        #expect(dataset["score"]?[2] == .float(-2000))
        #expect(dataset["score"]?[1] == nil)
        #expect(dataset["active"]?[1] == .bool(false))
        #expect(dataset["active"]?[2] == nil)
        #expect(dataset["name"]?[2] == nil)
        #expect(dataset["empty"]?.nullCount == 3)
    }

    @Test func lateValuesPromoteIntToFloatToStringKeepingTheOriginalText() throws {
        var rows = ["a,b,c"]
        for i in 0..<1000 { rows.append("\(i),\(i),007") }
        rows.append("1.5,x,true")
        let dataset = try CSVReader.read(text: rows.joined(separator: "\n"))
        #expect(dataset["a"]?.type == .float)
        #expect(dataset["a"]?[999] == .float(999))
        #expect(dataset["a"]?[1000] == .float(1.5))
        #expect(dataset["b"]?.type == .string)
        #expect(dataset["b"]?[5] == .string("5"))
        #expect(dataset["c"]?.type == .string)
        #expect(dataset["c"]?[0] == .string("007"))
        #expect(dataset["c"]?[1000] == .string("true"))
    }

    @Test func quotedFieldsHoldDelimitersQuotesAndNewlines() throws {
        let dataset = try CSVReader.read(text: "name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\r\n\"multi\nline\",\"\"\r\nplain,\"x\"\r\n")
        #expect(dataset.rowCount == 3)
        #expect(dataset["name"]?[0] == .string("Smith, J"))
        #expect(dataset["note"]?[0] == .string("said \"hi\""))
        #expect(dataset["name"]?[1] == .string("multi\nline"))
        #expect(dataset["note"]?[1] == nil)
        #expect(dataset["note"]?[2] == .string("x"))
    }

    @Test func chunkBoundariesAnywhereGiveTheSameDataset() throws {
        var text = "\u{FEFF}id,name,value\n"
        for i in 0..<300 { text += "\(i),\"n\(i), \"\"q\"\"\nnext\",\(Double(i) * 0.25)\n" }
        let whole = try CSVReader.read(text: text)
        #expect(whole.rowCount == 300)
        #expect(whole.columnNames == ["id", "name", "value"])
        for chunk in [64, 65, 97, 128, 1000] {
            var options = CSVOptions()
            options.chunkSize = chunk
            #expect(try CSVReader.read(text: text, options: options) == whole, "chunk \(chunk)")
        }
    }

    @Test func aRecordLongerThanTheChunkGrowsTheBuffer() throws {
        let long = String(repeating: "x", count: 10_000)
        var options = CSVOptions()
        options.chunkSize = 64
        let dataset = try CSVReader.read(text: "a,b\n\(long),1\n\"\(long)\",2", options: options)
        #expect(dataset["a"]?[1] == .string(long))
        #expect(dataset["b"]?[1] == .int(2))
    }

    @Test func blankLinesAreSkippedAndLinesStillCounted() throws {
        let dataset = try CSVReader.read(text: "a,b\n\n1,2\n\n3,4\n")
        #expect(dataset.rowCount == 2)
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b\n\n1,2\n\n3\n") }
        #expect(error.line == 5)
    }

    @Test func aWrongFieldCountNamesLineAndColumn() throws {
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b,c\n1,2,3\n4,5,6,7\n") }
        #expect(error.line == 3)
        #expect(error.column == 4)
        #expect(error.description == "<text>, line 3, column 4: expected 3 fields as in the header, found 4; quote fields that contain ','")
        let short = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b,c\n\"x\ny\",2,3\n4,5\n") }
        #expect(short.line == 4)
        #expect(short.column == 3)
        #expect(short.columnName == "c")
    }

    @Test func anUnterminatedQuoteNamesWhereItOpens() throws {
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b\n1,2\n3,\"open\n4,5\n") }
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.columnName == "b")
        #expect(error.message.contains("opens at character 3 is never closed"))
    }

    @Test func textAfterAClosingQuoteIsAnError() throws {
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b\n\"x\"y,2\n") }
        #expect(error.line == 2)
        #expect(error.column == 1)
        #expect(error.message.contains("after the closing quote at character 4"))
    }

    @Test func declaredTypesOverrideInferenceAndRejectBadFields() throws {
        var options = CSVOptions()
        options.columnTypes = ["zip": .string, "n": .float]
        let dataset = try CSVReader.read(text: "zip,n\n01234,1\n,2\n", options: options)
        #expect(dataset["zip"]?[0] == .string("01234"))
        #expect(dataset["zip"]?[1] == nil)
        #expect(dataset["n"]?[0] == .float(1))

        options.columnTypes = ["n": .int]
        let error = try #require(throws: CSVError.self) { try CSVReader.read(text: "zip,n\n1,2\n3,4.5\n", options: options) }
        #expect(error.line == 3)
        #expect(error.column == 2)
        #expect(error.description.contains("'4.5' is not a valid int"))

        options.columnTypes = ["nope": .int]
        let missing = try #require(throws: CSVError.self) { try CSVReader.read(text: "zip,n\n1,2\n", options: options) }
        #expect(missing.message.contains("'nope'"))
    }

    @Test func delimiterHeaderlessCategoricalAndEmptyInput() throws {
        var options = try CSVOptions(delimiter: ";")
        options.hasHeader = false
        options.categoricalLimit = 10
        let dataset = try CSVReader.read(text: "1;a\n2;b\n3;a", options: options)
        #expect(dataset.columnNames == ["column_1", "column_2"])
        #expect(dataset["column_2"]?.isCategorical == true)
        #expect(dataset["column_2"]?[2] == .string("a"))
        #expect(try CSVReader.read(text: "").rowCount == 0)
        #expect(try CSVReader.read(text: "a,b\n").columns.map(\.type) == [.string, .string])
        #expect(throws: CSVError.self) { try CSVOptions(delimiter: "ab") }
        #expect(throws: CSVError.self) { try CSVOptions(delimiter: "\"") }
    }

    @Test func repeatedHeaderNamesAndInvalidUTF8AreErrors() throws {
        let repeated = try #require(throws: CSVError.self) { try CSVReader.read(text: "a,b,a\n1,2,3\n") }
        #expect(repeated.column == 3)
        let invalid = try #require(throws: CSVError.self) { try CSVReader.read(bytes: Array("a\n".utf8) + [0xC3, 0x28, 10]) }
        #expect(invalid.message.contains("UTF-8"))
    }

    @Test func filesAreReadFromDisk() throws {
        let path = try temporaryDirectory() + "/x.csv"
        try "a,b\n1,x\n2,y\n".write(toFile: path, atomically: true, encoding: .utf8)
        let dataset = try CSVReader.read(path: path)
        #expect(dataset.rowCount == 2)
        let missing = try #require(throws: CSVError.self) { try CSVReader.read(path: path + ".nope") }
        #expect(missing.message.contains("cannot open"))
    }

    @Test func numbersParseExactlyLikeTheStandardLibrary() throws {
        var generator = SplitMix64(seed: 20261202)   // fixed: a failure replays
        var samples = ["0", "-0", "1e5", "1E-5", ".5", "5.", "-1.25e+3", "123456789012345678", "0.1", "3.141592653589793",
                       "1e308", "2.2250738585072014e-308", "nan", "-inf", "Infinity", "000123.4500", "9007199254740993"]
        for _ in 0..<2000 {
            samples.append(String(Double.random(in: -1e6...1e6, using: &generator)))
            samples.append(String(format: "%.\(Int.random(in: 0...8, using: &generator))f", Double.random(in: -1e4...1e4, using: &generator)))
        }
        for text in samples {
            let bytes = Array(text.utf8)
            let parsed = bytes.withUnsafeBufferPointer { FieldParsing.double($0.baseAddress!, $0.count) }
            let expected = Double(text)
            #expect(parsed?.bitPattern == expected?.bitPattern || (parsed?.isNaN == true && expected?.isNaN == true), "\(text)")
        }
        for bad in ["", "-", "1e", "1.2.3", "0x10", " 1", "1 ", "e5", "--1"] {
            let bytes = Array(bad.utf8)
            #expect(bytes.withUnsafeBufferPointer { $0.baseAddress.map { FieldParsing.double($0, bytes.count) } ?? nil } == nil, "\(bad)")
        }
        for (text, value) in [("9223372036854775807", Int64.max), ("-9223372036854775808", Int64.min), ("+5", 5)] {
            #expect(Array(text.utf8).withUnsafeBufferPointer { FieldParsing.int($0.baseAddress!, $0.count) } == value)
        }
        #expect(Array("9223372036854775808".utf8).withUnsafeBufferPointer { FieldParsing.int($0.baseAddress!, $0.count) } == nil)
    }
}
