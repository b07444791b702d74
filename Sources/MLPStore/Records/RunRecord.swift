import MLPCore

/// One execution of a pipeline, with what makes it reproducible.
public struct RunRecord: Codable, Hashable, Sendable {
    public var id: String
    /// The pipeline's `name:`.
    public var pipeline: String
    /// The project folder the run belongs to.
    public var projectDirectory: String
    /// The mlp.yaml text as it was when the run was created; resume plans from this copy.
    public var pipelineText: String
    /// The file the text came from, for error messages.
    public var pipelineFile: String
    /// SHA-256 of ``pipelineText``.
    public var pipelineDigest: String
    public var status: RunStatus
    public var gitCommit: String?
    public var gitDirty: Bool?
    public var mlpVersion: String
    public var host: String
    public var createdAt: Double
    public var startedAt: Double?
    public var finishedAt: Double?
    public var error: String?
    /// Set by `mlp cancel` from another process; the driving process sees it and stops.
    public var cancelRequested: Bool
    /// Steps run at once at most.
    public var parallelism: Int
    /// `--no-cache`: every step runs even when an identical execution exists.
    public var noCache: Bool

    public init(id: String, pipeline: String, projectDirectory: String, pipelineText: String, pipelineFile: String,
                pipelineDigest: String, status: RunStatus, gitCommit: String?, gitDirty: Bool?, mlpVersion: String,
                host: String, createdAt: Double, parallelism: Int, noCache: Bool) {
        self.id = id
        self.pipeline = pipeline
        self.projectDirectory = projectDirectory
        self.pipelineText = pipelineText
        self.pipelineFile = pipelineFile
        self.pipelineDigest = pipelineDigest
        self.status = status
        self.gitCommit = gitCommit
        self.gitDirty = gitDirty
        self.mlpVersion = mlpVersion
        self.host = host
        self.createdAt = createdAt
        self.cancelRequested = false
        self.parallelism = parallelism
        self.noCache = noCache
    }
}

/// A run parameter's final value (default or `--param`).
public struct ParamRecord: Codable, Hashable, Sendable {
    public var runID: String
    public var name: String
    public var type: PortType
    /// Canonical JSON of the value.
    public var value: String

    public init(runID: String, name: String, type: PortType, value: String) {
        self.runID = runID
        self.name = name
        self.type = type
        self.value = value
    }
}
