import MLPCore

/// An artifact in the content-addressed store.
public struct ArtifactRecord: Codable, Hashable, Sendable {
    public var digest: String
    public var type: PortType
    public var size: Int64
    public var createdAt: Double

    public init(digest: String, type: PortType, size: Int64, createdAt: Double) {
        self.digest = digest
        self.type = type
        self.size = size
        self.createdAt = createdAt
    }
}

/// An edge between an artifact and a step: the step produced it or consumed it.
public struct LineageRecord: Codable, Hashable, Sendable {
    public enum Direction: String, Codable, Sendable { case produced, consumed }

    public var digest: String
    public var stepID: Int64
    public var runID: String
    public var direction: Direction
    /// The output or input name on the step.
    public var port: String

    public init(digest: String, stepID: Int64, runID: String, direction: Direction, port: String) {
        self.digest = digest
        self.stepID = stepID
        self.runID = runID
        self.direction = direction
        self.port = port
    }
}

/// One point of a metric: a final value (``iteration`` nil) or one point of a series.
public struct MetricRecord: Codable, Hashable, Sendable {
    public var runID: String
    public var stepID: Int64?
    public var key: String
    public var value: Double
    public var iteration: Int?
    public var createdAt: Double

    public init(runID: String, stepID: Int64?, key: String, value: Double, iteration: Int?, createdAt: Double) {
        self.runID = runID
        self.stepID = stepID
        self.key = key
        self.value = value
        self.iteration = iteration
        self.createdAt = createdAt
    }
}
