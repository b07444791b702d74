import Foundation
import MLPCore
import MLPData

/// `uses: connector/postgres` — runs one query against PostgreSQL (through postgres-nio) and writes
/// the result as a dataset artifact with typed columns.
///
/// The connection string comes from an environment variable (`url_env`) or a file inside the
/// project (`url_file`), never from mlp.yaml (`url:` is refused), and is never written to the run
/// record, the cache key, the logs or an error message. The cache key holds the query, its
/// parameters, the server's identity (system identifier, `HOST:PORT/DATABASE`) and the user's
/// `version:` / `snapshot:`; without one of those the step runs every time.
public struct PostgresConnector: DataConnector {
    public init() {}

    public var descriptor: StepKindDescriptor {
        var descriptor = StepKindDescriptor(
            uses: "connector/postgres", version: "1", summary: "runs a SQL query against PostgreSQL into a dataset",
            inputs: [
                .init("url_env", [.string], summary: "the environment variable holding postgres://USER:PASSWORD@HOST:PORT/DATABASE"),
                .init("url_file", [.string], summary: "a file inside the project holding the connection string (keep it out of git)"),
                .init("query", [.string], required: true, summary: "one SQL statement returning rows; $1, $2, … stand for params"),
                .init("params", [.json], summary: "values bound to $1, $2, … (never spliced into the SQL text)"),
                .init("version", [.string, .int], summary: "the data's version: with it (or snapshot) the step is cached"),
                .init("snapshot", [.string, .int], summary: "the data's snapshot name: with it (or version) the step is cached"),
            ],
            outputs: ["data": .dataset, "rows": .int],
            requiresOneOf: ["url_env", "url_file"])
        descriptor.refusedInputs = ["url": "a connection string holds a password, and mlp.yaml is committed and recorded; "
                                    + "give url_env: NAME (an environment variable holding it) or url_file: PATH (a file in the project, kept out of git)"]
        return descriptor
    }

    /// No project file joins the key (a `url_file` holds only where to connect).
    public func sourceFiles(for config: [String: PortValue]) -> [String] { [] }

    /// Cached only with a `version:` or `snapshot:`: a query's answer changes with the data.
    public func isCacheable(for config: [String: PortValue]) -> Bool {
        config["version"] != nil || config["snapshot"] != nil
    }

    public func uncacheableReason(for config: [String: PortValue]) -> String? {
        isCacheable(for: config) ? nil : "connector/postgres runs every time without a version: or snapshot: in with: (the data may have changed)"
    }

    /// The server's identity: `server` (its system identifier) and `database` (`HOST:PORT/DATABASE`).
    public func cacheIdentity(for config: [String: PortValue], projectDirectory: String) async throws -> [String: String] {
        let settings = try PostgresConnectorConfig(config)
        let source = try PostgresSource(url: try settings.connectionString(projectDirectory: projectDirectory))
        return try await PostgresQueryRunner(source: source).identity()
    }

    /// Runs the query and writes the dataset to `request.destination`.
    ///
    /// - Throws: ``PostgresConnectorError`` (never holding the password), or `CancellationError`.
    public func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        let settings = try PostgresConnectorConfig(request.config)
        let source = try PostgresSource(url: try settings.connectionString(projectDirectory: request.projectDirectory))
        let dataset = try await PostgresQueryRunner(source: source).run(query: settings.query, params: settings.params)
        try Task.checkCancellation()
        try dataset.writeArtifact(to: request.destination)
        return ConnectorResult(rows: dataset.rowCount, schema: dataset.schemaJSON)
    }

    /// Adds this plugin to a registry as `connector/postgres`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(connector: PostgresConnector(), as: "postgres")
    }
}
