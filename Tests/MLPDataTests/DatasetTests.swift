import Testing
@testable import MLPData

@Suite struct DatasetTests {
    @Test func columnsAreLookedUpByNameWithTypesAndNulls() throws {
        let dataset = try sampleDataset()
        #expect(dataset.rowCount == 4)
        #expect(dataset.columnNames == ["id", "score", "active", "name", "plan"])
        #expect(dataset["score"]?.type == .float)
        #expect(dataset["score"]?.nullCount == 1)
        #expect(dataset["score"]?[1] == nil)
        #expect(dataset["name"]?[1] == .string("bö"))
        #expect(dataset["name"]?[3] == .string(""))
        #expect(dataset["plan"]?.isCategorical == true)
        #expect(dataset["plan"]?[2] == .string("free"))
        #expect(dataset["plan"]?[3] == nil)
        #expect(dataset["missing"] == nil)
        #expect(dataset["id"]?.validity == nil)
    }

    @Test func dictionaryEncodingKeepsValuesInFirstSeenOrder() throws {
        let column = Column.string("c", ["b", "a", "b", nil, "a"]).dictionaryEncoded()
        guard case .categorical(let codes, let dictionary) = column.storage else { Issue.record("not categorical"); return }
        #expect(codes == [0, 1, 0, 0, 1])
        #expect((0..<dictionary.count).map { dictionary[$0] } == ["b", "a"])
        #expect((0..<5).map { column[$0] } == [.string("b"), .string("a"), .string("b"), nil, .string("a")])
    }

    @Test func raggedColumnsAndRepeatedNamesAreRejected() {
        let ragged = #expect(throws: DatasetError.self) { try Dataset(columns: [.int("a", [1, 2]), .int("b", [1])]) }
        #expect(ragged?.description.contains("'b' has 1 rows") == true)
        let repeated = #expect(throws: DatasetError.self) { try Dataset(columns: [.int("a", [1]), .float("a", [1])]) }
        #expect(repeated?.description.contains("'a' appears twice") == true)
    }
}
