import Foundation
import MLPCore
import MLPData
import Testing
@testable import CSVConnector
@testable import JSONLinesConnector

func projectFolder() throws -> String {
    let path = NSTemporaryDirectory() + "mlpconnector-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path + "/data", withIntermediateDirectories: true)
    return path
}

@Suite struct CSVConnectorTests {
    @Test func registersAsConnectorCSVWithTypedPorts() throws {
        let registry = PluginRegistry()
        try CSVConnector.register(into: registry)
        #expect(registry.keys.map(\.description) == ["connector/csv"])
        let descriptor = try #require(registry.stepKind(uses: "connector/csv"))
        #expect(descriptor.outputs == ["data": .dataset, "rows": .int])
        #expect(descriptor.input(named: "path")?.required == true)
        #expect(descriptor.input(named: "delimiter")?.types == [.string])
        #expect(descriptor.input(named: "schema")?.types == [.json])
        #expect(throws: DuplicatePluginError.self) { try CSVConnector.register(into: registry) }
    }

    @Test func readsAProjectFileIntoADatasetArtifact() async throws {
        let project = try projectFolder()
        try "id;zip;score\n1;01234;0.5\n2;;1.5\n".write(toFile: project + "/data/x.csv", atomically: true, encoding: .utf8)
        let destination = project + "/out.mlpds"
        let result = try await CSVConnector().read(ConnectorRequest(
            config: ["path": .string("data/x.csv"), "delimiter": .string(";"), "schema": .json(.object(["zip": .string("string")]))],
            projectDirectory: project, destination: destination))
        #expect(result.rows == 2)
        #expect(result.schema?["columns"]?.arrayValue?.map { $0["type"]?.stringValue } == ["int", "string", "float"])
        let (dataset, header) = try DatasetFile.readWithHeader(destination)
        #expect(dataset["zip"]?[0] == .string("01234"))
        #expect(dataset["zip"]?[1] == nil)
        #expect(header.profile?.columns[2].mean == 1)
    }

    @Test func badInputsAndBadRowsSayWhatAndWhere() async throws {
        let project = try projectFolder()
        try "a,b\n1,2\n3\n".write(toFile: project + "/data/bad.csv", atomically: true, encoding: .utf8)
        let connector = CSVConnector()
        func request(_ config: [String: PortValue]) -> ConnectorRequest {
            ConnectorRequest(config: config, projectDirectory: project, destination: project + "/o.mlpds")
        }
        let missing = try await #require(throws: ConnectorInputError.self) { try await connector.read(request([:])) }
        #expect(missing.description.contains("input 'path' is required"))
        await #expect(throws: CSVError.self) { try await connector.read(request(["path": .string("data/x.csv"), "delimiter": .string("ab")])) }
        await #expect(throws: DataSchemaError.self) {
            try await connector.read(request(["path": .string("data/bad.csv"), "schema": .json(.object(["a": .string("integer")]))]))
        }
        let row = try await #require(throws: CSVError.self) { try await connector.read(request(["path": .string("data/bad.csv")])) }
        #expect(row.line == 3)
        #expect(row.column == 2)
        #expect(!FileManager.default.fileExists(atPath: project + "/o.mlpds"))
    }

    @Test func schemaInputAcceptsTheSchemaFileShape() throws {
        let types = try ColumnTypesInput.parse(.object(["columns": .object([
            "a": .object(["type": .string("int"), "min": .number(0)]), "b": .object(["unique": .bool(true)]),
        ])]))
        #expect(types == ["a": .int])
    }
}

@Suite struct JSONLinesConnectorTests {
    @Test func registersAsConnectorJSONL() throws {
        let registry = PluginRegistry()
        try JSONLinesConnector.register(into: registry)
        try CSVConnector.register(into: registry)
        #expect(registry.keys.map(\.description) == ["connector/csv", "connector/jsonl"])
        #expect(registry.stepKind(uses: "connector/jsonl")?.outputs == ["data": .dataset, "rows": .int])
    }

    @Test func readsAProjectFileIntoADatasetArtifact() async throws {
        let project = try projectFolder()
        try "{\"a\": 1, \"b\": \"x\"}\n{\"a\": 2}\n".write(toFile: project + "/data/x.jsonl", atomically: true, encoding: .utf8)
        let destination = project + "/out.mlpds"
        let result = try await JSONLinesConnector().read(ConnectorRequest(
            config: ["path": .string(project + "/data/x.jsonl")], projectDirectory: "/nonexistent", destination: destination))
        #expect(result.rows == 2)
        let dataset = try DatasetFile.read(destination)
        #expect(dataset["a"]?[1] == .int(2))
        #expect(dataset["b"]?[1] == nil)
    }

    @Test func badLinesNameTheirLine() async throws {
        let project = try projectFolder()
        try "{\"a\": 1}\nnot json\n".write(toFile: project + "/data/x.jsonl", atomically: true, encoding: .utf8)
        let error = try await #require(throws: JSONLinesError.self) {
            try await JSONLinesConnector().read(ConnectorRequest(config: ["path": .string("data/x.jsonl")], projectDirectory: project,
                                                                 destination: project + "/o.mlpds"))
        }
        #expect(error.line == 2)
        await #expect(throws: JSONLinesInputError.self) {
            try await JSONLinesConnector().read(ConnectorRequest(config: [:], projectDirectory: project, destination: project + "/o.mlpds"))
        }
    }
}
