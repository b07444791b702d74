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
public protocol DataConnector: Sendable {
    var descriptor: StepKindDescriptor { get }
    func read(_ request: ConnectorRequest) async throws -> ConnectorResult
}
