/// A request to bring data into a pipeline.
public struct ConnectorRequest: Sendable {
    /// The resolved `with:` block.
    public var config: [String: PortValue]
    public var projectDirectory: String
    /// Where to write the dataset; the engine stores it as a content-addressed artifact.
    public var destination: String

    public init(config: [String: PortValue], projectDirectory: String, destination: String) {
        self.config = config
        self.projectDirectory = projectDirectory
        self.destination = destination
    }
}

/// What a connector read.
public struct ConnectorResult: Sendable {
    public var rows: Int?
    /// A description of the columns, when the connector knows it.
    public var schema: JSONValue?

    public init(rows: Int? = nil, schema: JSONValue? = nil) {
        self.rows = rows
        self.schema = schema
    }
}

/// Reads data from somewhere (a CSV file, a database query, an HTTP download) into a dataset.
///
/// Connectors run inside mlp; a long read should check `Task.isCancelled` so a timeout or a
/// cancel can stop it.
public protocol DataConnector: Sendable {
    var descriptor: StepKindDescriptor { get }
    /// Project files whose content joins the step's cache key (the file a `path` input names).
    func sourceFiles(for config: [String: PortValue]) -> [String]
    /// Whether the key above determines the result. A connector reading something that can change
    /// outside the project (a URL without a checksum) returns false, and its step runs every time.
    func isCacheable(for config: [String: PortValue]) -> Bool
    /// Why ``isCacheable(for:)`` says no, for `mlp show --explain-cache` (it joins the step's cache
    /// parts as `uncacheable`); nil when the step may be reused or no reason is given.
    func uncacheableReason(for config: [String: PortValue]) -> String?
    /// Cache-key parts only the source itself can tell (a database server's identity), asked before
    /// the cache is consulted and only when the step is cacheable; they join the key as `source.NAME`.
    /// They are stored with the step's record: never return a secret. None by default.
    func cacheIdentity(for config: [String: PortValue], projectDirectory: String) async throws -> [String: String]
    func read(_ request: ConnectorRequest) async throws -> ConnectorResult
}

extension DataConnector {
    /// By default, the project file named by a `path` input, plus any `files:`.
    public func sourceFiles(for config: [String: PortValue]) -> [String] {
        var files: [String] = []
        if case .string(let path) = config["path"], !path.contains("://") { files.append(path) }
        return files + ProjectFiles.list(config["files"])
    }

    /// By default, a connector's result is determined by its cache key.
    public func isCacheable(for config: [String: PortValue]) -> Bool { true }

    /// By default, no reason is given.
    public func uncacheableReason(for config: [String: PortValue]) -> String? { nil }

    /// By default, the source adds nothing to the key.
    public func cacheIdentity(for config: [String: PortValue], projectDirectory: String) async throws -> [String: String] { [:] }
}
