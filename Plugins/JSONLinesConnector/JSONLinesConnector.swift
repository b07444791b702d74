import MLPCore
import MLPData

/// `uses: connector/jsonl` — reads a JSON-lines file of the project (one object per line) into a dataset artifact.
///
/// Inputs: `path` (required, relative to the project or absolute). Outputs: `data` (the `mlpds` dataset)
/// and `rows`.
public struct JSONLinesConnector: DataConnector {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "connector/jsonl", version: "1", summary: "reads a JSON-lines file into a dataset",
            inputs: [.init("path", [.string], required: true, summary: "the JSON-lines file, relative to the project")],
            outputs: ["data": .dataset, "rows": .int])
    }

    /// Reads `path` and writes the dataset to `request.destination`.
    ///
    /// - Throws: ``JSONLinesInputError`` for a bad `with:` block; `JSONLinesError` (with the line) for a bad file.
    public func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        guard case .string(let relative)? = request.config["path"], !relative.isEmpty else {
            throw JSONLinesInputError(input: "path", "is required: the JSON-lines file to read, relative to the project")
        }
        let path = relative.hasPrefix("/") ? relative : request.projectDirectory + "/" + relative
        let dataset = try JSONLinesReader.read(path: path)
        try dataset.writeArtifact(to: request.destination)
        return ConnectorResult(rows: dataset.rowCount, schema: dataset.schemaJSON)
    }

    /// Adds this plugin to a registry as `connector/jsonl`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(connector: JSONLinesConnector(), as: "jsonl")
    }
}

/// A `with:` value `connector/jsonl` cannot use.
public struct JSONLinesInputError: Error, CustomStringConvertible, Sendable {
    /// The input at fault.
    public let input: String
    /// What is wrong with it.
    public let message: String

    public init(input: String, _ message: String) {
        self.input = input
        self.message = message
    }

    public var description: String { "connector/jsonl: input '\(input)' \(message)" }
}
