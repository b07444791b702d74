import Foundation
import MLPCore
import MLPStore

/// An answer from a server that is not a store error: a refused token, a missing role, too many
/// tries, a server that stayed away. Says which server and what to do.
public struct RemoteStoreError: Error, CustomStringConvertible, Sendable {
    /// The HTTP status, when the server answered.
    public let status: Int?
    public let message: String
    public init(status: Int?, message: String) {
        self.status = status
        self.message = message
    }
    public var description: String { message }
}

/// How long a request is retried when the server cannot be reached or answers 503.
public struct RetryPolicy: Sendable {
    /// Seconds a write with an idempotency key keeps retrying (a restarting server).
    public var writeBudget: Double
    /// Seconds a read keeps retrying.
    public var readBudget: Double
    public var firstDelay: Double
    public var maxDelay: Double
    /// Waits between tries (replaced in tests).
    public var sleep: @Sendable (Double) -> Void
    /// Whether a long retry is announced on stderr.
    public var warnings: Bool

    public init(writeBudget: Double = 60, readBudget: Double = 10, firstDelay: Double = 0.05, maxDelay: Double = 2,
                warnings: Bool = true, sleep: @escaping @Sendable (Double) -> Void = { Thread.sleep(forTimeInterval: $0) }) {
        self.warnings = warnings
        self.writeBudget = writeBudget
        self.readBudget = readBudget
        self.firstDelay = firstDelay
        self.maxDelay = maxDelay
        self.sleep = sleep
    }
}

/// The metadata store of a project on a shared server (`mlp server`), over HTTP: every
/// ``MetadataStore`` requirement is one ``StoreAPI`` request, and a store error the server
/// answered is thrown here as the same ``StoreError`` a local store throws.
///
/// Writes that change a run's state (``createRun(_:params:steps:idempotencyKey:)``,
/// ``commit(_:idempotencyKey:)``) carry an `Idempotency-Key` (the caller's, else one made per
/// call and kept for its retries) and are retried for up to a minute when the server cannot be
/// reached, cuts the connection or answers 503, so a run outlives a server restart and nothing is
/// stored twice. With ``artifactSource`` set, every artifact a commit names has its bytes on the
/// server before the commit is sent, and the logs of attempts are shipped while they run.
public final class RemoteStore: MetadataStore, @unchecked Sendable {
    public let settings: ServerSettings
    let transport: any HTTPTransport
    let policy: RetryPolicy
    /// The local artifact store whose blobs commits upload (nil: commits upload nothing).
    public let artifactSource: ArtifactStore?
    public let blobs: BlobClient
    let lock = NSLock()
    var projectReady = false
    var uploaded: Set<String> = []
    lazy var logs = LogShipper(store: self)
    /// Changes given to ``commitSoon(_:)`` not yet sent, and the attempts of those being sent now.
    let soon = SoonChanges()

    public init(settings: ServerSettings, artifactSource: ArtifactStore? = nil, transport: any HTTPTransport = CurlTransport(),
                policy: RetryPolicy = RetryPolicy()) {
        self.settings = settings
        self.transport = transport
        self.policy = policy
        self.artifactSource = artifactSource
        self.blobs = BlobClient(settings: settings, transport: transport, policy: policy)
    }

    deinit { logs.stop() }

    // MARK: requests

    /// What a request does, for messages: "approving", and the role that allows it.
    struct Operation {
        var doing: String
        var needs: Role
        static func read(_ doing: String) -> Operation { Operation(doing: doing, needs: .viewer) }
        static func write(_ doing: String) -> Operation { Operation(doing: doing, needs: .runner) }
    }

    /// Which failures a request may be retried after.
    enum Retry {
        /// A read, or a write with an idempotency key: any failure without an answer, and 503.
        case safe(budget: Double)
        /// A write without a key: only when it certainly did not reach the server (no connection, 503).
        case unsent(budget: Double)
    }

    func projectPath(_ tail: String) -> String {
        "\(StoreAPI.prefix)/projects/\(Self.component(settings.project))\(tail)"
    }

    /// A path segment, percent-encoded (a `/` in it too).
    static func component(_ value: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/?#%;")
        return value.addingPercentEncoding(withAllowedCharacters: allowed) ?? value
    }

    static func query(_ items: [(String, String?)]) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+?#%")
        let parts = items.compactMap { name, value in value.map { "\(name)=\($0.addingPercentEncoding(withAllowedCharacters: allowed) ?? $0)" } }
        return parts.isEmpty ? "" : "?" + parts.joined(separator: "&")
    }

    func headers(idempotencyKey: String?, json: Bool) -> [(String, String)] {
        var headers: [(String, String)] = [("Accept", "application/json")]
        if let token = settings.token { headers.append(("Authorization", "Bearer \(token)")) }
        if json { headers.append(("Content-Type", "application/json")) }
        if let idempotencyKey { headers.append((StoreAPI.idempotencyHeader, idempotencyKey)) }
        return headers
    }

    /// Sends a request, retrying as `retry` allows; returns any answer that is not retried.
    func exchange(_ request: HTTPRequest, retry: Retry) throws -> HTTPResponse {
        let budget: Double
        let anyFailure: Bool
        switch retry {
        case .safe(let seconds): (budget, anyFailure) = (seconds, true)
        case .unsent(let seconds): (budget, anyFailure) = (seconds, false)
        }
        let start = Date()
        var delay = policy.firstDelay
        var waited = 0.0
        while true {
            let outcome: Result<HTTPResponse, TransportError>
            do { outcome = .success(try transport.perform(request)) } catch let error as TransportError { outcome = .failure(error) }
            let again: Bool
            switch outcome {
            case .success(let response): again = response.status == 503
            case .failure(let error): again = error.kind == .connect || (anyFailure && error.kind == .broken)
            }
            // Waits are counted as slept (tests sleep no time), and the clock too (real slow answers).
            let spent = max(waited, Date().timeIntervalSince(start))
            if !again || spent + delay > budget {
                switch outcome {
                case .success(let response): return response
                case .failure(let error):
                    if again {
                        throw RemoteStoreError(status: nil, message: "cannot reach the server at \(settings.url) (\(error.message)), "
                            + "tried for \(Int(spent.rounded())) s; is `mlp server` running there?")
                    }
                    throw RemoteStoreError(status: nil, message: "the request to \(settings.url) failed: \(error.message)")
                }
            }
            if spent >= 1 { warnRetrying(outcome, budget: budget) }
            policy.sleep(delay)
            waited += delay
            delay = min(policy.maxDelay, delay * 2)
        }
    }

    var lastWarning = 0.0

    /// Says on stderr (at most every 10 s) that the server is not answering and the request is being retried.
    func warnRetrying(_ outcome: Result<HTTPResponse, TransportError>, budget: Double) {
        let now = Date().timeIntervalSince1970
        lock.lock()
        let due = now - lastWarning >= 10
        if due { lastWarning = now }
        lock.unlock()
        guard due, policy.warnings else { return }
        let why: String
        switch outcome {
        case .success(let response): why = "it answers \(response.status)"
        case .failure(let error): why = error.message
        }
        FileHandle.standardError.write(Data("mlp: the server at \(settings.url) is not answering (\(why)); retrying for up to \(Int(budget)) s\n".utf8))
    }

    /// Sends a store request and returns the body of a 2xx answer; anything else is thrown as the
    /// store error it carries, or a ``RemoteStoreError`` that says what to do.
    func call(_ method: String, _ path: String, body: Data? = nil, idempotencyKey: String? = nil, retry: Retry,
              operation: Operation, notFoundIsNil: Bool = false) throws -> Data? {
        let request = HTTPRequest(method: method, url: settings.url + path, headers: headers(idempotencyKey: idempotencyKey, json: body != nil),
                                  body: body)
        let response = try exchange(request, retry: retry)
        if (200..<300).contains(response.status) { return response.body }
        let envelope = try? StoreAPI.decoder.decode(ErrorEnvelope.self, from: response.body)
        // The store answered "none": nil. A missing project (`project_not_found`) or path stays an error.
        if notFoundIsNil, response.status == 404, envelope?.error.code == "not_found" { return nil }
        throw failure(status: response.status, envelope: envelope, operation: operation)
    }

    /// The error an answer carries.
    func failure(status: Int, envelope: ErrorEnvelope?, operation: Operation) -> Error {
        if let store = envelope?.error.store { return store }
        let said = envelope.map { ": \($0.error.message)" } ?? ""
        switch status {
        case 401:
            return RemoteStoreError(status: 401, message: "the server at \(settings.url) refused the token\(said) "
                + (settings.token == nil ? "(none was given): pass --token, set MLP_TOKEN, or put `token:` in your profile"
                   : "(unknown or revoked): check --token / MLP_TOKEN, or ask an admin for one (`mlp server token create`)"))
        case 403:
            let role = whoami()
            let whose = role.map { "is \(Self.article($0.role.rawValue)) \($0.role.rawValue)'s (user \($0.user))" } ?? "may not do this"
            if let role, !role.covers(settings.project) {
                return RemoteStoreError(status: 403, message: "the token for \(settings.url) does not cover project '\(settings.project)'"
                    + " (it covers \(role.projects?.joined(separator: ", ") ?? "none")); ask an admin for a token of this project")
            }
            return RemoteStoreError(status: 403, message: "the token for \(settings.url) \(whose): \(operation.doing) needs "
                + "\(Self.article(operation.needs.rawValue)) \(operation.needs.rawValue)'s token\(said.isEmpty ? "" : " (the server said\(said))")")
        case 429:
            return RemoteStoreError(status: 429, message: "the server at \(settings.url) refuses this client for now after too many failed "
                + "sign-ins\(said); wait a minute and check the token")
        case 503:
            return RemoteStoreError(status: 503, message: "the server at \(settings.url) stayed unavailable\(said); retry shortly")
        case 404 where envelope?.error.code == "project_not_found":
            return RemoteStoreError(status: 404, message: "the server at \(settings.url) has no project '\(settings.project)' that this token can see "
                + "(a token scoped to other projects sees none of this one; `mlp run --server` creates a project)")
        case 404 where envelope == nil:
            return RemoteStoreError(status: 404, message: "the server at \(settings.url) answers no such path to \(operation.doing): is it an mlp server, of this version?")
        default:
            return RemoteStoreError(status: status, message: "the server at \(settings.url) answered \(status) to \(operation.doing)\(said)")
        }
    }

    static func article(_ word: String) -> String { word.first.map { "aeiou".contains($0) } == true ? "an" : "a" }

    /// The token's own record (who it is, its role and projects), or nil when the server does not say.
    public func whoami() -> TokenRecord? {
        let request = HTTPRequest(method: "GET", url: settings.url + StoreAPI.prefix + "/whoami", headers: headers(idempotencyKey: nil, json: false), timeout: 10)
        guard let response = try? transport.perform(request), response.status == 200 else { return nil }
        return try? StoreAPI.decoder.decode(TokenRecord.self, from: response.body)
    }

    func read<T: Decodable>(_ type: T.Type, _ path: String, _ doing: String) throws -> T {
        flushSoon()  // a read sees this client's own changes
        let body = try call("GET", projectPath(path), retry: .safe(budget: policy.readBudget), operation: .read(doing))!
        return try decode(type, body, doing)
    }

    func readOptional<T: Decodable>(_ type: T.Type, _ path: String, _ doing: String) throws -> T? {
        flushSoon()
        guard let body = try call("GET", projectPath(path), retry: .safe(budget: policy.readBudget), operation: .read(doing), notFoundIsNil: true) else {
            return nil
        }
        return try decode(type, body, doing)
    }

    func send<T: Decodable>(_ type: T.Type, _ method: String, _ path: String, body: some Encodable, key: String? = nil,
                            operation: Operation, retry: Retry? = nil) throws -> T {
        let data = try StoreAPI.encodeBody(body)
        let chosen = retry ?? (key != nil ? .safe(budget: policy.writeBudget) : .unsent(budget: policy.writeBudget))
        let answer = try call(method, projectPath(path), body: data, idempotencyKey: key, retry: chosen, operation: operation)!
        return try decode(type, answer, operation.doing)
    }

    func decode<T: Decodable>(_ type: T.Type, _ data: Data, _ doing: String) throws -> T {
        do { return try StoreAPI.decodeBody(type, from: data) } catch {
            throw RemoteStoreError(status: nil, message: "the server at \(settings.url) answered \(doing) with something mlp cannot read (\(error)); "
                + "are client and server the same mlp version?")
        }
    }

    /// Creates the project on the server (once per store), before the first write.
    public func ensureProject() throws {
        lock.lock()
        let ready = projectReady
        lock.unlock()
        if ready { return }
        // At the start of a run: a server that is not there is said within the read budget, not a minute.
        _ = try call("PUT", projectPath(""), body: Data("{}".utf8), retry: .safe(budget: policy.readBudget),
                     operation: .write("creating project '\(settings.project)'"))
        lock.lock()
        projectReady = true
        lock.unlock()
    }

    // MARK: RunStore

    public func createRun(_ run: RunRecord, params: [ParamRecord], steps: [StepRecord], idempotencyKey: String?) throws -> [StepRecord] {
        try ensureProject()
        return try send([StepRecord].self, "POST", "/runs", body: CreateRunRequest(run: run, params: params, steps: steps),
                        key: idempotencyKey ?? UUID().uuidString, operation: .write("recording a run"))
    }

    @discardableResult
    public func commit(_ changes: [StateChange], idempotencyKey: String?) throws -> [CommittedChange] {
        // A change held by commitSoon goes with this one (ahead of it, in the same transaction),
        // unless this one supersedes it; with a caller's key the body must stay the same on its
        // retries, so what is held is sent first, on its own.
        var held = soon.take(supersededBy: changes)
        // What stayed held (an older change of its attempt was on its way) goes a moment later.
        defer { scheduleFlushIfHolding() }
        if idempotencyKey != nil, !held.isEmpty {
            try sendHeld(held)
            held = []
        }
        guard !changes.isEmpty || !held.isEmpty else { return [] }
        var settled = false
        defer { if !settled { soon.markSent(held) } }
        do {
            let committed = try send(held + changes, key: idempotencyKey ?? UUID().uuidString)
            return Array(committed.dropFirst(held.count))
        } catch is StoreError where !held.isEmpty {
            // The server refused the group: whose change was it? The held ones go alone (a refusal
            // of those is kept for the end of the run), then these.
            settled = true
            settleHeld(held)
            return try send(changes, key: UUID().uuidString)
        } catch {
            soon.putBack(held)
            throw error
        }
    }

    /// Sends one group commit: uploads the artifacts it names first, and follows the logs of the
    /// attempts it starts.
    func send(_ changes: [StateChange], key: String) throws -> [CommittedChange] {
        try ensureProject()
        try uploadArtifacts(changes.flatMap(\.artifacts))
        // An attempt that ends: its last output reaches the server before its end does.
        for change in changes {
            if let attempt = change.attempt, attempt.outcome != .running { logs.finish(AttemptKey(attempt)) }
        }
        let committed = try send([CommittedChange].self, "POST", "/commits", body: CommitRequest(changes: changes),
                                 key: key, operation: .write("recording a run's progress"))
        if artifactSource != nil {
            // The server named the attempts started here: their logs follow them there. One that
            // also ended in this group (its start was held until now) has its output sent now.
            var ended: [AttemptKey: AttemptRecord] = [:]
            for (change, result) in zip(changes, committed) {
                guard let attempt = result.attempt ?? change.attempt, let id = attempt.id,
                      attempt.stdoutPath != nil || attempt.stderrPath != nil else { continue }
                if attempt.outcome == .running {
                    logs.follow(AttemptKey(attempt), attemptID: id, stdout: attempt.stdoutPath, stderr: attempt.stderrPath)
                } else {
                    ended[AttemptKey(attempt)] = attempt
                }
            }
            for (key, attempt) in ended where LogShipper.hasOutput(attempt) {
                logs.follow(key, attemptID: attempt.id!, stdout: attempt.stdoutPath, stderr: attempt.stderrPath)
                logs.finish(key)
            }
        }
        return committed
    }

    /// Makes sure the server has the bytes of each artifact (from ``artifactSource``).
    func uploadArtifacts(_ records: [ArtifactRecord]) throws {
        guard let source = artifactSource, !records.isEmpty else { return }
        for record in records {
            lock.lock()
            let done = uploaded.contains(record.digest)
            lock.unlock()
            if done { continue }
            try blobs.ensureUploaded(ArtifactRef(digest: record.digest, type: record.type, size: record.size), from: source)
            lock.lock()
            uploaded.insert(record.digest)
            lock.unlock()
        }
    }

    public func run(id: String) throws -> RunRecord? {
        try readOptional(RunRecord.self, "/runs/\(Self.component(id))", "reading run \(id)")
    }

    public func findRun(_ reference: String) throws -> RunRecord {
        try read(RunRecord.self, "/runs/find" + Self.query([("ref", reference)]), "finding run \(reference)")
    }

    static func query(_ query: RunQuery) -> String {
        Self.query([("status", query.status?.rawValue), ("pipeline", query.pipeline), ("limit", String(query.limit)), ("offset", String(query.offset))])
    }

    public func runs(_ query: RunQuery) throws -> [RunRecord] {
        try read([RunRecord].self, "/runs" + Self.query(query), "listing runs")
    }

    public func runSummaries(_ query: RunQuery) throws -> [RunSummary] {
        try read([RunSummary].self, "/runs/summaries" + Self.query(query), "listing runs")
    }

    public func runCount(_ query: RunQuery) throws -> Int {
        try read(CountResponse.self, "/runs/count" + Self.query(query), "counting runs").count
    }

    public func params(runID: String) throws -> [ParamRecord] {
        try read([ParamRecord].self, "/runs/\(Self.component(runID))/params", "reading run \(runID)'s params")
    }

    public func requestCancel(runID: String) throws {
        _ = try call("POST", projectPath("/runs/\(Self.component(runID))/cancel"), body: Data("{}".utf8),
                     retry: .safe(budget: policy.readBudget), operation: .write("cancelling a run"))
    }

    public func steps(runID: String) throws -> [StepRecord] {
        try read([StepRecord].self, "/runs/\(Self.component(runID))/steps", "reading run \(runID)'s steps")
    }

    public func step(id: Int64) throws -> StepRecord? {
        try readOptional(StepRecord.self, "/steps/\(id)", "reading step \(id)")
    }

    public func attempts(stepID: Int64) throws -> [AttemptRecord] {
        try read([AttemptRecord].self, "/steps/\(stepID)/attempts", "reading step \(stepID)'s attempts")
    }

    public func cachedExecution(key: String) throws -> StepRecord? {
        try cachedExecutions(keys: [key])[key]
    }

    public func cachedExecutions(keys: [String]) throws -> [String: StepRecord] {
        guard !keys.isEmpty else { return [:] }
        flushSoon()
        return try send([String: StepRecord].self, "POST", "/cache/lookup", body: CacheLookupRequest(keys: keys),
                        operation: .read("looking up cached steps"), retry: .safe(budget: policy.readBudget))
    }

    public func previousExecution(pipeline: String, step: String, index: Int?, before runID: String) throws -> StepRecord? {
        try readOptional(StepRecord.self, "/steps/previous" + Self.query([("pipeline", pipeline), ("step", step), ("index", index.map(String.init)),
                                                                         ("before", runID)]), "reading an earlier execution")
    }

    public func prepareResume(runID: String) throws -> [AttemptRecord] {
        try ensureProject()
        return try send([AttemptRecord].self, "POST", "/runs/\(Self.component(runID))/resume", body: [String: String](),
                        operation: .write("resuming a run"), retry: .safe(budget: policy.writeBudget))
    }

    // MARK: LineageStore, MetricStore

    public func artifacts(limit: Int) throws -> [ArtifactRecord] {
        try read([ArtifactRecord].self, "/artifacts" + Self.query([("limit", String(limit))]), "listing artifacts")
    }

    public func findArtifact(_ reference: String) throws -> ArtifactRecord {
        try read(ArtifactRecord.self, "/artifacts/\(Self.component(reference))", "finding artifact \(reference)")
    }

    public func lineage(digest: String) throws -> [LineageEdge] {
        try read([LineageEdge].self, "/lineage/\(Self.component(digest))", "reading lineage")
    }

    public func lineage(stepID: Int64) throws -> [LineageRecord] {
        try read([LineageRecord].self, "/steps/\(stepID)/lineage", "reading step \(stepID)'s lineage")
    }

    public func metrics(runID: String) throws -> [MetricRecord] {
        try read([MetricRecord].self, "/runs/\(Self.component(runID))/metrics", "reading run \(runID)'s metrics")
    }

    // MARK: ApprovalStore

    public func approvals(status: ApprovalStatus?) throws -> [ApprovalRecord] {
        try read([ApprovalRecord].self, "/approvals" + Self.query([("status", status?.rawValue)]), "listing approvals")
    }

    public func approval(runID: String, step: String) throws -> ApprovalRecord? {
        try readOptional(ApprovalRecord.self, "/runs/\(Self.component(runID))/approvals/\(Self.component(step))", "reading an approval")
    }

    /// Decides a gate. The server records the token's user: `by` is not sent.
    public func decide(runID: String, step: String, approve: Bool, by: String, comment: String?) throws -> ApprovalRecord {
        try send(ApprovalRecord.self, "POST", "/runs/\(Self.component(runID))/approvals/\(Self.component(step))/decision",
                 body: DecisionRequest(approve: approve, comment: comment), operation: Operation(doing: approve ? "approving" : "rejecting", needs: .approver))
    }

    // MARK: RegistryStore

    public func models() throws -> [ModelSummary] {
        try read([ModelSummary].self, "/models", "listing models")
    }

    public func modelVersions(name: String) throws -> [ModelVersionRecord] {
        try read([ModelVersionRecord].self, "/models/\(Self.component(name))/versions", "listing model \(name)'s versions")
    }

    public func resolveModel(_ reference: String) throws -> ModelVersionRecord {
        try read(ModelVersionRecord.self, "/models/resolve" + Self.query([("ref", reference)]), "finding model \(reference)")
    }

    public func moveAlias(name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord {
        try ensureProject()
        return try send(ModelAliasEventRecord.self, "POST", "/models/\(Self.component(name))/aliases/\(Self.component(alias))",
                        body: AliasRequest(version: version), operation: .write("moving a model alias"))
    }

    public func aliasEvents(name: String) throws -> [ModelAliasEventRecord] {
        try read([ModelAliasEventRecord].self, "/models/\(Self.component(name))/alias-events", "reading model \(name)'s alias moves")
    }

    // MARK: DeploymentStore

    public func deployments() throws -> [DeploymentRecord] {
        try read([DeploymentRecord].self, "/deployments", "listing deployments")
    }

    public func deployment(name: String) throws -> DeploymentRecord? {
        try readOptional(DeploymentRecord.self, "/deployments/\(Self.component(name))", "reading deployment \(name)")
    }

    public func deploy(_ spec: DeploymentSpec, by: String) throws -> DeploymentRecord {
        try ensureProject()
        return try send(DeploymentRecord.self, "POST", "/deployments", body: spec, operation: .write("deploying"))
    }

    public func promote(deployment: String, by: String) throws -> DeploymentRecord {
        try send(DeploymentRecord.self, "POST", "/deployments/\(Self.component(deployment))/promote", body: [String: String](),
                 operation: .write("promoting a deployment"))
    }

    public func rollback(deployment: String, by: String, reason: String?) throws -> DeploymentRecord {
        try send(DeploymentRecord.self, "POST", "/deployments/\(Self.component(deployment))/rollback", body: RollbackRequest(reason: reason),
                 operation: .write("rolling back a deployment"))
    }

    public func autoRollback(deployment: String, generation: Int64, by: String, reason: String) throws -> DeploymentRecord? {
        try send(DeploymentRecord?.self, "POST", "/deployments/\(Self.component(deployment))/auto-rollback",
                 body: AutoRollbackRequest(generation: generation, reason: reason), operation: .write("rolling back a deployment"))
    }

    public func deploymentEvents(name: String) throws -> [DeploymentEventRecord] {
        try read([DeploymentEventRecord].self, "/deployments/\(Self.component(name))/events", "reading deployment \(name)'s events")
    }

    public func recordRequestLog(_ log: RequestLogRecord, artifact: ArtifactRecord) throws -> RequestLogRecord {
        try ensureProject()
        try uploadArtifacts([artifact])
        return try send(RequestLogRecord.self, "POST", "/deployments/\(Self.component(log.deployment))/request-logs",
                        body: RequestLogRequest(log: log, artifact: artifact), operation: .write("recording a request log"))
    }

    public func requestLogs(deployment: String) throws -> [RequestLogRecord] {
        try read([RequestLogRecord].self, "/deployments/\(Self.component(deployment))/request-logs", "reading request logs")
    }

    public func pruneRequestLogs(deployment: String, keepingBytes: Int64) throws -> [String] {
        try send([String].self, "POST", "/deployments/\(Self.component(deployment))/request-logs/prune",
                 body: PruneRequest(keepingBytes: keepingBytes), operation: .write("pruning request logs"))
    }

    public func integrityCheck() throws -> [String] {
        let body = try call("GET", projectPath("/integrity"), retry: .safe(budget: policy.readBudget),
                            operation: Operation(doing: "checking the store", needs: .admin))!
        return try decode([String].self, body, "checking the store")
    }

    // MARK: logs

    /// The bytes of an attempt's log from `offset` on (empty when there are none yet).
    public func readLog(attemptID: Int64, stream: String, offset: Int64) throws -> Data {
        let path = projectPath("/attempts/\(attemptID)/logs/\(stream)") + Self.query([("offset", String(offset))])
        let request = HTTPRequest(method: "GET", url: settings.url + path, headers: headers(idempotencyKey: nil, json: false))
        let response = try exchange(request, retry: .safe(budget: policy.readBudget))
        if (200..<300).contains(response.status) { return response.body }
        if response.status == 404 || response.status == 416 { return Data() }
        throw failure(status: response.status, envelope: try? StoreAPI.decoder.decode(ErrorEnvelope.self, from: response.body),
                      operation: .read("reading a log"))
    }

    /// Appends `data` at `offset` of an attempt's log on the server.
    func writeLog(attemptID: Int64, stream: String, offset: Int64, data: Data) throws {
        let path = projectPath("/attempts/\(attemptID)/logs/\(stream)") + Self.query([("offset", String(offset))])
        var headers = headers(idempotencyKey: nil, json: false)
        headers.append(("Content-Type", "application/octet-stream"))
        let request = HTTPRequest(method: "PUT", url: settings.url + path, headers: headers, body: data)
        let response = try exchange(request, retry: .safe(budget: policy.writeBudget))
        if response.status == 409, let size = response.headers["x-log-size"].flatMap(Int64.init) {
            throw LogGap(size: size)
        }
        guard (200..<300).contains(response.status) else {
            throw failure(status: response.status, envelope: try? StoreAPI.decoder.decode(ErrorEnvelope.self, from: response.body),
                          operation: .write("shipping a log"))
        }
    }

    /// The server has fewer bytes of a log than a chunk's offset assumed (it lost a tail): send from `size`.
    struct LogGap: Error {
        let size: Int64
    }

    /// Ships what is left of every followed log and stops following (before the process exits).
    public func flushLogs() {
        flushSoon()
        logs.stop()
    }
}
