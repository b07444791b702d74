import MLPCore
import MLPData

/// `uses: connector/csv` — reads a CSV file of the project into a dataset artifact.
///
/// Inputs: `path` (required, relative to the project or absolute), `delimiter` (one character, default
/// `,`), `schema` (optional JSON, column name → type, overriding inference). Outputs: `data` (the
/// `mlpds` dataset) and `rows`.
public struct CSVConnector: DataConnector {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "connector/csv", version: "1", summary: "reads a CSV file into a dataset",
            inputs: [
                .init("path", [.string], required: true, summary: "the CSV file, relative to the project"),
                .init("delimiter", [.string], summary: "the field separator, one character (default ',')"),
                .init("schema", [.json], summary: "column types overriding inference, e.g. {\"zip\": \"string\"}"),
            ],
            outputs: ["data": .dataset, "rows": .int])
    }

    /// Reads `path` and writes the dataset to `request.destination`.
    ///
    /// - Throws: ``ConnectorInputError`` for a bad `with:` block; `CSVError` (with line and column) for a bad file.
    public func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        let config = request.config
        guard case .string(let relative)? = config["path"], !relative.isEmpty else {
            throw ConnectorInputError(connector: "connector/csv", input: "path", "is required: the CSV file to read, relative to the project")
        }
        var options = CSVOptions()
        if let delimiter = config["delimiter"] {
            guard case .string(let text) = delimiter else {
                throw ConnectorInputError(connector: "connector/csv", input: "delimiter", "must be a one-character string")
            }
            let source = "connector/csv: input 'delimiter'"
            options.delimiter = try CSVOptions(delimiter: text == "\\t" ? "\t" : text, source: source).delimiter
        }
        if let schema = config["schema"] {
            guard case .json(let value) = schema else {
                throw ConnectorInputError(connector: "connector/csv", input: "schema", "must be a JSON object of column name → type")
            }
            options.columnTypes = try ColumnTypesInput.parse(value, source: "connector/csv: input 'schema'")
        }
        let path = relative.hasPrefix("/") ? relative : request.projectDirectory + "/" + relative
        let dataset = try CSVReader.read(path: path, options: options)
        try dataset.writeArtifact(to: request.destination)
        return ConnectorResult(rows: dataset.rowCount, schema: dataset.schemaJSON)
    }

    /// Adds this plugin to a registry as `connector/csv`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(connector: CSVConnector(), as: "csv")
    }
}

/// A `with:` value a connector cannot use.
public struct ConnectorInputError: Error, CustomStringConvertible, Sendable {
    /// The step kind, like `connector/csv`.
    public let connector: String
    /// The input at fault.
    public let input: String
    /// What is wrong with it.
    public let message: String

    public init(connector: String, input: String, _ message: String) {
        self.connector = connector
        self.input = input
        self.message = message
    }

    public var description: String { "\(connector): input '\(input)' \(message)" }
}
