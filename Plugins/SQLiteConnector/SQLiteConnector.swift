import Foundation
import MLPCore
import MLPData

/// `uses: connector/sqlite` — runs one query against a SQLite file of the project (opened read-only)
/// and writes the result as a dataset artifact.
///
/// Inputs: `path` (required, the `.sqlite` file, relative to the project or absolute), `query`
/// (required, one SQL statement returning rows). Outputs: `data` (the `mlpds` dataset) and `rows`.
/// The database file's content joins the cache key, so a changed database re-runs the step.
public struct SQLiteConnector: DataConnector {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "connector/sqlite", version: "1", summary: "runs a read-only SQL query against a SQLite file into a dataset",
            inputs: [
                .init("path", [.string], required: true, summary: "the SQLite database file, relative to the project"),
                .init("query", [.string], required: true, summary: "one SQL statement returning rows, e.g. SELECT * FROM customers"),
            ],
            outputs: ["data": .dataset, "rows": .int])
    }

    /// Runs the query and writes the dataset to `request.destination`.
    ///
    /// - Throws: ``SQLiteConnectorError`` for a bad input, a missing file, a failing query or a column
    ///   that cannot be one type; `CancellationError` when cancelled mid-query.
    public func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        guard case .string(let relative)? = request.config["path"], !relative.isEmpty else {
            throw SQLiteConnectorError.input(name: "path", message: "is required: the SQLite file to query, relative to the project")
        }
        guard case .string(let sql)? = request.config["query"], !sql.allSatisfy(\.isWhitespace) else {
            throw SQLiteConnectorError.input(name: "query", message: "is required: one SQL statement returning rows, e.g. SELECT * FROM customers")
        }
        let path = relative.hasPrefix("/") ? relative : request.projectDirectory + "/" + relative
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue else {
            throw SQLiteConnectorError.missingFile(path: path)
        }
        let dataset = try SQLiteQuery(path: path, sql: sql).run()
        try Task.checkCancellation()
        try dataset.writeArtifact(to: request.destination)
        return ConnectorResult(rows: dataset.rowCount, schema: dataset.schemaJSON)
    }

    /// Adds this plugin to a registry as `connector/sqlite`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(connector: SQLiteConnector(), as: "sqlite")
    }
}
