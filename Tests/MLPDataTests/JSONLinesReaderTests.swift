import Foundation
import Testing
@testable import MLPData

@Suite struct JSONLinesReaderTests {
    @Test func keysBecomeColumnsInFirstSeenOrderWithMissingKeysAsNulls() throws {
        let dataset = try JSONLinesReader.read(text: """
            {"id": 1, "score": 0.5, "ok": true, "name": "ann"}

            {"id": 2, "score": 2, "name": null, "extra": "x"}
            {"name": "caf\\u00e9 \\"q\\" \\ud83d\\ude00", "id": 3, "score": -1e2, "ok": false, "nested": {"a": [1, "}"]}}
            """)
        #expect(dataset.rowCount == 3)
        #expect(dataset.columnNames == ["id", "score", "ok", "name", "extra", "nested"])
        #expect(dataset.columns.map(\.type) == [.int, .float, .bool, .string, .string, .string])
        #expect(dataset["score"]?[1] == .float(2))
        #expect(dataset["ok"]?[1] == nil)
        #expect(dataset["name"]?[1] == nil)
        #expect(dataset["name"]?[2] == .string("café \"q\" 😀"))
        #expect(dataset["extra"]?[0] == nil)
        #expect(dataset["extra"]?[1] == .string("x"))
        #expect(dataset["nested"]?[2] == .string(#"{"a": [1, "}"]}"#))
    }

    @Test func aJSONStringKeepsItsColumnText() throws {
        let dataset = try JSONLinesReader.read(text: "{\"zip\": \"01234\"}\n{\"zip\": 5}\n")
        #expect(dataset["zip"]?.type == .string)
        #expect(dataset["zip"]?[0] == .string("01234"))
        #expect(dataset["zip"]?[1] == .string("5"))
    }

    @Test func badLinesNameTheirLineAndCharacter() throws {
        let notObject = try #require(throws: JSONLinesError.self) { try JSONLinesReader.read(text: "{\"a\": 1}\n[1]\n") }
        #expect(notObject.line == 2)
        #expect(notObject.character == 1)
        let unquoted = try #require(throws: JSONLinesError.self) { try JSONLinesReader.read(text: "{\"a\": 1}\n\n{\"a\": abc}\n") }
        #expect(unquoted.line == 3)
        #expect(unquoted.character == 7)
        #expect(unquoted.description.contains("'abc' is not a JSON value"))
        let open = try #require(throws: JSONLinesError.self) { try JSONLinesReader.read(text: "{\"a\": \"x}\n") }
        #expect(open.line == 1)
        #expect(open.message.contains("never closed"))
        let twice = try #require(throws: JSONLinesError.self) { try JSONLinesReader.read(text: "{\"a\": 1, \"a\": 2}") }
        #expect(twice.message.contains("twice"))
        let trailing = try #require(throws: JSONLinesError.self) { try JSONLinesReader.read(text: "{\"a\": 1} {\"a\": 2}") }
        #expect(trailing.message.contains("one object on each line"))
    }

    @Test func filesAreReadInChunksWithCRLF() throws {
        let path = try temporaryDirectory() + "/x.jsonl"
        var text = ""
        for i in 0..<500 { text += "{\"i\": \(i), \"s\": \"row \(i)\"}\r\n" }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        let dataset = try JSONLinesReader.read(path: path, chunkSize: 100)
        #expect(dataset.rowCount == 500)
        #expect(dataset["i"]?[499] == .int(499))
        #expect(dataset["s"]?[7] == .string("row 7"))
    }
}
