import MLPCore

/// Everything that changes together in one state change of a run; committed as one transaction.
public struct StateChange: Codable, Sendable {
    /// A run moving to a new status.
    public struct RunUpdate: Codable, Sendable {
        public var id: String
        public var status: RunStatus
        public var error: String?
        public init(id: String, status: RunStatus, error: String? = nil) {
            self.id = id
            self.status = status
            self.error = error
        }
    }

    public var run: RunUpdate?
    /// Existing steps with their new state; each move is checked against ``StepStatus/canTransition(to:)``.
    public var steps: [StepRecord] = []
    /// Steps to insert (fan-out children).
    public var newSteps: [StepRecord] = []
    /// An attempt to insert or update: by its id, or without one by its step and number (the
    /// attempt of that step with that number, inserted when there is none yet), so a caller need
    /// not wait for the id the store gives.
    public var attempt: AttemptRecord?
    /// Artifacts to record (already present ones are kept).
    public var artifacts: [ArtifactRecord] = []
    public var lineage: [LineageRecord] = []
    public var metrics: [MetricRecord] = []
    /// An approval to insert (id nil) or update.
    public var approval: ApprovalRecord?
    /// A model version to register; the store assigns its version number.
    public var registration: ModelRegistration?

    public init(run: RunUpdate? = nil, steps: [StepRecord] = [], newSteps: [StepRecord] = [], attempt: AttemptRecord? = nil,
                artifacts: [ArtifactRecord] = [], lineage: [LineageRecord] = [], metrics: [MetricRecord] = [],
                approval: ApprovalRecord? = nil, registration: ModelRegistration? = nil) {
        self.run = run
        self.steps = steps
        self.newSteps = newSteps
        self.attempt = attempt
        self.artifacts = artifacts
        self.lineage = lineage
        self.metrics = metrics
        self.approval = approval
        self.registration = registration
    }
}

/// What a commit inserted, with the ids the database gave.
public struct CommittedChange: Codable, Sendable {
    public var newSteps: [StepRecord] = []
    public var attempt: AttemptRecord?
    public var approval: ApprovalRecord?
    public var registered: ModelVersionRecord?
}

/// A model version to register, with the aliases to point at it.
public struct ModelRegistration: Codable, Sendable {
    public var version: ModelVersionRecord
    public var aliases: [String]
    public init(version: ModelVersionRecord, aliases: [String] = []) {
        self.version = version
        self.aliases = aliases
    }
}

/// Which runs to list.
public struct RunQuery: Codable, Sendable {
    public var status: RunStatus?
    public var pipeline: String?
    public var limit: Int
    public var offset: Int
    public init(status: RunStatus? = nil, pipeline: String? = nil, limit: Int = 50, offset: Int = 0) {
        self.status = status
        self.pipeline = pipeline
        self.limit = limit
        self.offset = offset
    }
}

/// A run with its step counts, for lists.
public struct RunSummary: Codable, Sendable, Hashable {
    public var run: RunRecord
    /// Steps (fan-out items counted one by one, parents not counted) by status.
    public var counts: [StepStatus: Int]
    public var total: Int { counts.values.reduce(0, +) }
    public var finished: Int { counts.filter { $0.key.isFinished }.values.reduce(0, +) }
}

/// One end of a lineage edge, with names a person can read.
public struct LineageEdge: Codable, Sendable, Hashable {
    public var direction: LineageRecord.Direction
    public var runID: String
    public var step: String
    public var index: Int?
    public var port: String
    public var stepID: Int64
}

/// Runs, their params, steps and attempts: what the engine drives.
///
/// Every write is one transaction. The two writes a remote client may have to retry take an
/// idempotency key: a key seen before returns what the first call returned and changes nothing,
/// and the key is stored in the same transaction as the change it names.
public protocol RunStore: AnyObject, Sendable {
    /// Inserts a run with its params and planned steps in one transaction.
    func createRun(_ run: RunRecord, params: [ParamRecord], steps: [StepRecord], idempotencyKey: String?) throws -> [StepRecord]
    /// Commits several state changes in one transaction: all of them or none (group commit, for
    /// the many tiny state changes of a fan-out of in-process steps). Each change is applied in
    /// order; illegal step or run transitions refuse the whole group. The results come back in order.
    @discardableResult func commit(_ changes: [StateChange], idempotencyKey: String?) throws -> [CommittedChange]

    func run(id: String) throws -> RunRecord?
    /// A run by id, unique id prefix, or `latest`.
    func findRun(_ reference: String) throws -> RunRecord
    func runs(_ query: RunQuery) throws -> [RunRecord]
    func runSummaries(_ query: RunQuery) throws -> [RunSummary]
    func runCount(_ query: RunQuery) throws -> Int
    func params(runID: String) throws -> [ParamRecord]
    /// Asks the process driving the run to cancel it.
    func requestCancel(runID: String) throws

    func steps(runID: String) throws -> [StepRecord]
    func step(id: Int64) throws -> StepRecord?
    func attempts(stepID: Int64) throws -> [AttemptRecord]
    /// The newest finished execution with this cache key whose outputs can be reused.
    func cachedExecution(key: String) throws -> StepRecord?
    /// ``cachedExecution(key:)`` for many keys at once, by key (keys with no execution are absent).
    func cachedExecutions(keys: [String]) throws -> [String: StepRecord]
    /// The newest execution of the same step in an earlier run of the same pipeline (for `--explain-cache`).
    func previousExecution(pipeline: String, step: String, index: Int?, before runID: String) throws -> StepRecord?
    /// Makes a run ready to be driven again: attempts left running are marked interrupted, and
    /// steps that did not finish well go back to pending. Returns the interrupted attempts.
    func prepareResume(runID: String) throws -> [AttemptRecord]

    // Last, so that adding it left the other requirements where they were (an incremental build
    // that did not recompile a caller still finds them).
    /// Commits a change whose answer the caller does not read (an attempt's process handle, an
    /// item's end). A local store commits it at once. A network store may hold it briefly and send
    /// it ahead of the next commit, in that commit's transaction, or on its own within a fraction
    /// of a second, or before its next read; it drops a held handle when a later change carries the
    /// same attempt. What the server then refuses is not thrown here: that store reports it.
    func commitSoon(_ change: StateChange) throws
}

extension RunStore {
    /// Commits at once (every store but a network one).
    public func commitSoon(_ change: StateChange) throws {
        try commit([change], idempotencyKey: nil)
    }

    /// ``createRun(_:params:steps:idempotencyKey:)`` without a key.
    public func createRun(_ run: RunRecord, params: [ParamRecord], steps: [StepRecord]) throws -> [StepRecord] {
        try createRun(run, params: params, steps: steps, idempotencyKey: nil)
    }

    /// Commits one state change atomically.
    @discardableResult public func commit(_ change: StateChange) throws -> CommittedChange {
        try commit([change], idempotencyKey: nil)[0]
    }

    /// ``commit(_:idempotencyKey:)`` without a key.
    @discardableResult public func commit(_ changes: [StateChange]) throws -> [CommittedChange] {
        guard !changes.isEmpty else { return [] }
        return try commit(changes, idempotencyKey: nil)
    }
}

/// Content-addressed artifacts and the lineage edges between them and steps.
public protocol LineageStore: AnyObject, Sendable {
    func artifacts(limit: Int) throws -> [ArtifactRecord]
    /// An artifact by digest or unique digest prefix.
    func findArtifact(_ reference: String) throws -> ArtifactRecord
    func lineage(digest: String) throws -> [LineageEdge]
    func lineage(stepID: Int64) throws -> [LineageRecord]
}

/// Metric points logged by steps.
public protocol MetricStore: AnyObject, Sendable {
    func metrics(runID: String) throws -> [MetricRecord]
}

/// Approval gates and their decisions.
public protocol ApprovalStore: AnyObject, Sendable {
    func approvals(status: ApprovalStatus?) throws -> [ApprovalRecord]
    func approval(runID: String, step: String) throws -> ApprovalRecord?
    /// Records a decision on a pending gate. Throws if the gate is not waiting.
    func decide(runID: String, step: String, approve: Bool, by: String, comment: String?) throws -> ApprovalRecord
}

/// The model registry: versions and aliases.
public protocol RegistryStore: AnyObject, Sendable {
    /// Every registered model name with its newest version and aliases.
    func models() throws -> [ModelSummary]
    /// The versions of a model, oldest first.
    func modelVersions(name: String) throws -> [ModelVersionRecord]
    /// A version from `name`, `name:VERSION` or `name@ALIAS` (`name` alone: the newest).
    func resolveModel(_ reference: String) throws -> ModelVersionRecord
    /// Points `alias` of a model at `version` (creating it or moving it) and records the move.
    func moveAlias(name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord
    /// The moves of a model's aliases, oldest first.
    func aliasEvents(name: String) throws -> [ModelAliasEventRecord]
}

/// Deployments, their events and their request logs.
public protocol DeploymentStore: AnyObject, Sendable {
    /// Every deployment, by name.
    func deployments() throws -> [DeploymentRecord]
    /// A deployment by name, or nil.
    func deployment(name: String) throws -> DeploymentRecord?
    /// Puts a registered model version behind a deployment (creating it, replacing its stable
    /// version, or starting a canary or shadow of it) and records the event, in one transaction.
    ///
    /// - Throws: ``StoreError/badDeployment(_:)`` saying what does not fit, ``StoreError/modelNotFound(_:)``.
    @discardableResult func deploy(_ spec: DeploymentSpec, by: String) throws -> DeploymentRecord
    /// Makes a deployment's candidate its stable version.
    @discardableResult func promote(deployment: String, by: String) throws -> DeploymentRecord
    /// Drops a deployment's candidate, or (with none) restores the stable version before the last
    /// promotion or direct deploy.
    @discardableResult func rollback(deployment: String, by: String, reason: String?) throws -> DeploymentRecord
    /// The server's automatic rollback of the candidate it judged at `generation`; nil (and no
    /// change) when the deployment has changed since, so a late verdict never undoes a newer deploy.
    @discardableResult func autoRollback(deployment: String, generation: Int64, by: String, reason: String) throws -> DeploymentRecord?
    /// A deployment's changes, oldest first.
    func deploymentEvents(name: String) throws -> [DeploymentEventRecord]
    /// Records a sealed request-log segment and its dataset artifact, in one transaction.
    @discardableResult func recordRequestLog(_ log: RequestLogRecord, artifact: ArtifactRecord) throws -> RequestLogRecord
    /// A deployment's request-log segments, oldest first.
    func requestLogs(deployment: String) throws -> [RequestLogRecord]
    /// Drops a deployment's oldest request-log segments until the rest hold at most `keepingBytes`
    /// (the newest segment is always kept), in one transaction. Returns the digests of dropped
    /// segments that nothing else refers to (no lineage edge, model version or other log), whose
    /// artifact rows were deleted too: the caller removes their files.
    func pruneRequestLogs(deployment: String, keepingBytes: Int64) throws -> [String]
}

/// The whole metadata store, by concern: what the engine, the CLI, the TUI and `mlp server` read
/// and write through. ``SQLiteStore`` is the embedded default; ``PostgresStore`` backs a shared
/// server; a client of a server implements it over HTTP. One conformance suite
/// (Tests/MLPStoreTests) holds every implementation to the same results, errors and guarantees.
///
/// The requirements are synchronous: the engine calls them from its own threads, never from an
/// event loop, and a network implementation blocks the calling thread for its answer.
public protocol MetadataStore: RunStore, LineageStore, MetricStore, ApprovalStore, RegistryStore, DeploymentStore {
    /// The database's own consistency check: ["ok"] when it is sound.
    func integrityCheck() throws -> [String]
}
