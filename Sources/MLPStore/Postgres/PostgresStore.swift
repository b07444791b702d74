import Foundation
import MLPCore

/// A project's metadata store in one schema of a PostgreSQL database: what a shared server keeps
/// its projects in (`mlp server --db postgres://…`). Same results, errors and guarantees as
/// ``SQLiteStore`` (the conformance suite in Tests/MLPStoreTests runs on both): every write is one
/// transaction, and writes to one schema are serialised by a transaction-scoped advisory lock, as
/// SQLite serialises its writers.
///
/// The requirements block the calling thread (never call them from an event loop). When the
/// database cannot be reached, a call throws ``StoreError/unavailable(_:)`` and the next one
/// connects again.
public final class PostgresStore: MetadataStore, @unchecked Sendable {
    let client: PGClient
    /// The schema the store lives in.
    public var schema: String { client.schema }

    /// Connects to `url` (`postgres://USER[:PASSWORD]@HOST:PORT/DATABASE`) and creates or brings up
    /// to date the store in `schema`.
    public init(url: String, schema: String) throws {
        client = try PGClient(url: url, schema: schema)
        try PostgresMigrations.migrate(client, PostgresMigrations.store)
    }

    // MARK: Runs and steps

    public func createRun(_ run: RunRecord, params: [ParamRecord], steps: [StepRecord], idempotencyKey: String?) throws -> [StepRecord] {
        try idempotent(idempotencyKey, operation: "createRun") { db in
            try db.insert(run, into: "runs")
            for param in params { try db.insert(param, into: "params") }
            return try steps.map { step in
                var step = step
                step.id = try db.insert(step, into: "steps", returningID: true)
                return step
            }
        }
    }

    @discardableResult
    public func commit(_ changes: [StateChange], idempotencyKey: String?) throws -> [CommittedChange] {
        guard !changes.isEmpty else { return [] }
        return try idempotent(idempotencyKey, operation: "commit", locksItself: true) { db in try Self.applyGroup(changes, db, schema: schema) }
    }

    /// Runs `body` in a write transaction that also stores `key` with the answer, so a key seen
    /// before returns what the first call returned and changes nothing.
    ///
    /// The key is inserted last, without looking it up first (a retry is rare; a look-up would cost
    /// every write a round trip): a key already stored makes that INSERT fail and the whole
    /// transaction roll back, and so does anything else a replayed change fails on; then the stored
    /// answer is read and returned.
    private func idempotent<T: Codable>(_ key: String?, operation: String, locksItself: Bool = false, _ body: (PGSession) throws -> T) throws -> T {
        guard let key else { return try client.write(locksItself: locksItself, body) }
        do {
            return try client.write(locksItself: locksItself) { db in
                let result = try body(db)
                db.post("INSERT INTO idempotency_keys (key, operation, response, createdAt) VALUES ($1, $2, $3, $4)",
                        [.text(key), .text(operation), .bytes(try StoreAPI.encodeBody(result)), .double(Date().timeIntervalSince1970)])
                return result
            }
        } catch {
            let stored = try? client.read { db in
                try db.rows("SELECT operation, response FROM idempotency_keys WHERE key = $1", key).first.map {
                    (operation: try $0["operation"].decode(String.self), response: try $0["response"].decode(Data.self))
                }
            }
            guard let stored = stored ?? nil else { throw error }
            guard stored.operation == operation else { throw StoreError.idempotencyKeyReused(key: key, operation: stored.operation) }
            return try StoreAPI.decodeBody(T.self, from: stored.response)
        }
    }

    static func apply(_ change: StateChange, _ db: PGSession) throws -> CommittedChange {
        var result = CommittedChange()
        if let update = change.run { try applyRunUpdate(update, db) }
        for step in change.steps {
            guard let id = step.id else { throw StoreError.corrupt("step \(step.displayName) has no id") }
            let current = try db.scalar(String.self, "SELECT status FROM steps WHERE id = $1", id).flatMap(StepStatus.init(rawValue:))
            guard let current else { throw StoreError.stepNotFound(run: step.runID, step: step.displayName) }
            if current != step.status, !current.canTransition(to: step.status) {
                throw StoreError.invalidTransition(step: step.displayName, from: current, to: step.status)
            }
            try db.execute("""
                UPDATE steps SET status = $1, attempts = $2, cacheKey = $3, cacheHit = $4, cachedFrom = $5, cacheParts = $6,
                  startedAt = $7, finishedAt = $8, error = $9, outputs = $10, item = $11, childCount = $12
                WHERE id = $13
                """, step.status, step.attempts, step.cacheKey, step.cacheHit, step.cachedFrom, step.cacheParts,
                step.startedAt, step.finishedAt, step.error, step.outputs, step.item, step.childCount, id)
        }
        for step in change.newSteps {
            var step = step
            step.id = try db.scalar(Int64.self, """
                INSERT INTO steps (runID, name, "index", kind, status, attempts, cacheHit, item, childCount)
                VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id
                """, step.runID, step.name, step.index, step.kind, step.status, step.attempts, step.cacheHit, step.item, step.childCount)
            result.newSteps.append(step)
        }
        if var attempt = change.attempt {
            if attempt.id == nil {
                // Named by its step and number: the same attempt when it is there already.
                attempt.id = try db.upsertAttempts([attempt])[AttemptKey(attempt)]
            } else {
                try db.update(attempt, in: "attempts", key: ["id"])
            }
            result.attempt = attempt
        }
        for artifact in change.artifacts { try db.insert(artifact, into: "artifacts", onConflictDoNothing: true) }
        for edge in change.lineage { try db.insert(edge, into: "lineage", onConflictDoNothing: true) }
        for metric in change.metrics { try db.insert(metric, into: "metrics") }
        if var approval = change.approval {
            if approval.id == nil {
                approval.id = try db.insert(approval, into: "approvals", returningID: true)
            } else {
                try db.update(approval, in: "approvals", key: ["id"])
            }
            result.approval = approval
        }
        if let registration = change.registration {
            var version = registration.version
            try ModelName.validate(version.name)
            for alias in registration.aliases { try ModelName.validate(alias, what: "alias") }
            // Registering is idempotent per step: a resumed run gets the version it already has.
            if let stepID = version.stepID,
               let existing = try db.fetchOne(ModelVersionRecord.self, "SELECT * FROM model_versions WHERE stepID = $1 AND name = $2 LIMIT 1",
                                              stepID, version.name) {
                result.registered = existing
                return result
            }
            let latest = try db.fetchOne(ModelVersionRecord.self, "SELECT * FROM model_versions WHERE name = $1 ORDER BY version DESC LIMIT 1",
                                         version.name)
            if let latest, latest.digest == version.digest {
                version = latest
            } else {
                version.version = (latest?.version ?? 0) + 1
                version.id = try db.insert(version, into: "model_versions", returningID: true)
            }
            for alias in registration.aliases {
                _ = try moveAlias(db, name: version.name, alias: alias, to: version.version, by: version.createdBy)
            }
            result.registered = version
        }
        return result
    }

    static func applyRunUpdate(_ update: StateChange.RunUpdate, _ db: PGSession) throws {
        guard var run = try db.fetchOne(RunRecord.self, "SELECT * FROM runs WHERE id = $1", update.id) else {
            throw StoreError.runNotFound(update.id)
        }
        guard run.status.canTransition(to: update.status) else {
            throw StoreError.invalidRunTransition(run: run.id, from: run.status, to: update.status)
        }
        let now = Date().timeIntervalSince1970
        if update.status == .running, run.startedAt == nil { run.startedAt = now }
        if update.status.isFinished { run.finishedAt = now } else { run.finishedAt = nil }
        if update.status == .running { run.cancelRequested = false }
        run.status = update.status
        run.error = update.error
        try db.update(run, in: "runs", key: ["id"])
    }

    public func run(id: String) throws -> RunRecord? {
        try client.read { db in try db.fetchOne(RunRecord.self, "SELECT * FROM runs WHERE id = $1", id) }
    }

    public func findRun(_ reference: String) throws -> RunRecord {
        try client.read { db in
            if reference == "latest" || reference == "last" {
                guard let run = try db.fetchOne(RunRecord.self, "SELECT * FROM runs ORDER BY createdAt DESC LIMIT 1") else {
                    throw StoreError.runNotFound(reference)
                }
                return run
            }
            if let run = try db.fetchOne(RunRecord.self, "SELECT * FROM runs WHERE id = $1", reference) { return run }
            // SQLite's LIKE is case-insensitive for ASCII and treats '_' as any one character: ILIKE does the same.
            let matches = try db.fetchAll(RunRecord.self, "SELECT * FROM runs WHERE id ILIKE $1 ORDER BY id LIMIT 5",
                                          Self.likePrefix(reference))
            guard let first = matches.first else { throw StoreError.runNotFound(reference) }
            guard matches.count == 1 else { throw StoreError.ambiguousRun(reference, matches.map(\.id)) }
            return first
        }
    }

    /// A LIKE pattern for `prefix`, as SQLiteStore builds it ('%' dropped; the escape character
    /// doubled, since PostgreSQL's LIKE has '\' as escape where SQLite's has none).
    static func likePrefix(_ prefix: String) -> String {
        prefix.replacingOccurrences(of: "%", with: "").replacingOccurrences(of: "\\", with: "\\\\") + "%"
    }

    private static func filter(_ query: RunQuery) -> (String, [PGValue]) {
        var conditions: [String] = []
        var values: [PGValue] = []
        if let status = query.status {
            values.append(.text(status.rawValue))
            conditions.append("status = $\(values.count)")
        }
        if let pipeline = query.pipeline {
            values.append(.text(pipeline))
            conditions.append("pipeline = $\(values.count)")
        }
        return (conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND "), values)
    }

    private static func page(_ query: RunQuery, after values: [PGValue]) -> (String, [PGValue]) {
        // SQLite reads a negative LIMIT as none and a negative OFFSET as 0.
        let limit = query.limit < 0 ? "ALL" : "\(query.limit)"
        return ("ORDER BY createdAt DESC, id DESC LIMIT \(limit) OFFSET \(max(0, query.offset))", values)
    }

    public func runs(_ query: RunQuery) throws -> [RunRecord] {
        let (whereClause, values) = Self.filter(query)
        let (order, _) = Self.page(query, after: values)
        return try client.read { db in
            try db.run("SELECT * FROM runs \(whereClause) \(order)", values).rows.map { try RunRecord(from: PGRowDecoder(row: $0)) }
        }
    }

    public func runCount(_ query: RunQuery) throws -> Int {
        let (whereClause, values) = Self.filter(query)
        return try client.read { db in
            guard let row = try db.run("SELECT count(*) FROM runs \(whereClause)", values).rows.first else { return 0 }
            return Int(try row[0].decode(Int64.self))
        }
    }

    public func runSummaries(_ query: RunQuery) throws -> [RunSummary] {
        let runs = try runs(query)
        guard !runs.isEmpty else { return [] }
        return try client.read { db in
            var counts: [String: [StepStatus: Int]] = [:]
            let placeholders = (1...runs.count).map { "$\($0)" }.joined(separator: ", ")
            // A fan-out parent is not a unit of work of its own once its children exist.
            let rows = try db.run("""
                SELECT runID, status, count(*) AS n FROM steps
                WHERE runID IN (\(placeholders)) AND NOT ("index" IS NULL AND childCount IS NOT NULL AND childCount > 0)
                GROUP BY runID, status
                """, runs.map { .text($0.id) }).rows
            for row in rows {
                let runID = try row["runid"].decode(String.self)
                if let status = StepStatus(rawValue: try row["status"].decode(String.self)) {
                    counts[runID, default: [:]][status] = Int(try row["n"].decode(Int64.self))
                }
            }
            return runs.map { RunSummary(run: $0, counts: counts[$0.id] ?? [:]) }
        }
    }

    public func params(runID: String) throws -> [ParamRecord] {
        try client.read { db in
            try db.fetchAll(ParamRecord.self, "SELECT * FROM params WHERE runID = $1 ORDER BY name COLLATE \"C\"", runID)
        }
    }

    public func requestCancel(runID: String) throws {
        try client.write { db in _ = try db.execute("UPDATE runs SET cancelRequested = TRUE WHERE id = $1", runID) }
    }

    public func steps(runID: String) throws -> [StepRecord] {
        // A 10,000-item fan-out is read whole at a run's start and end: by column position, not
        // through the Codable row decoder (which looks every column up by name).
        try client.read { db in
            try db.rows("SELECT \(Self.stepColumns) FROM steps WHERE runID = $1 ORDER BY id", runID).map(Self.step(from:))
        }
    }

    /// The columns ``step(from:)`` reads, in its order.
    static let stepColumns = #"id, runID, name, "index", kind, status, attempts, cacheKey, cacheHit, cachedFrom, cacheParts, startedAt, finishedAt, error, outputs, item, childCount"#

    /// A step from a row of ``stepColumns``.
    static func step(from row: PostgresRandomAccessRowAlias) throws -> StepRecord {
        let raw = try row[5].decode(String.self)
        guard let status = StepStatus(rawValue: raw) else { throw StoreError.corrupt("steps.status holds an unknown value '\(raw)'") }
        var step = StepRecord(runID: try row[1].decode(String.self), name: try row[2].decode(String.self),
                              index: try row[3].decode(Int64?.self).map(Int.init), kind: try row[4].decode(String.self), status: status,
                              item: try row[15].decode(String?.self))
        step.id = try row[0].decode(Int64.self)
        step.attempts = Int(try row[6].decode(Int64.self))
        step.cacheKey = try row[7].decode(String?.self)
        step.cacheHit = try row[8].decode(Bool.self)
        step.cachedFrom = try row[9].decode(Int64?.self)
        step.cacheParts = try row[10].decode(String?.self)
        step.startedAt = try row[11].decode(Double?.self)
        step.finishedAt = try row[12].decode(Double?.self)
        step.error = try row[13].decode(String?.self)
        step.outputs = try row[14].decode(String?.self)
        step.childCount = try row[16].decode(Int64?.self).map(Int.init)
        return step
    }

    public func step(id: Int64) throws -> StepRecord? {
        try client.read { db in try db.fetchOne(StepRecord.self, "SELECT * FROM steps WHERE id = $1", id) }
    }

    public func attempts(stepID: Int64) throws -> [AttemptRecord] {
        try client.read { db in try db.fetchAll(AttemptRecord.self, "SELECT * FROM attempts WHERE stepID = $1 ORDER BY number", stepID) }
    }

    /// SQLite sorts NULL below every value, so `DESC` puts unfinished rows last: `NULLS LAST` here.
    private static let cachedSQL = """
        SELECT * FROM steps WHERE cacheKey = $1 AND status IN ('succeeded', 'cached') ORDER BY finishedAt DESC NULLS LAST LIMIT 1
        """

    public func cachedExecution(key: String) throws -> StepRecord? {
        try client.read { db in try db.fetchOne(StepRecord.self, Self.cachedSQL, key) }
    }

    public func cachedExecutions(keys: [String]) throws -> [String: StepRecord] {
        try client.read { db in
            var found: [String: StepRecord] = [:]
            for key in Set(keys) {
                if let step = try db.fetchOne(StepRecord.self, Self.cachedSQL, key) { found[key] = step }
            }
            return found
        }
    }

    public func previousExecution(pipeline: String, step: String, index: Int?, before runID: String) throws -> StepRecord? {
        try client.read { db in
            try db.fetchOne(StepRecord.self, """
                SELECT steps.* FROM steps JOIN runs ON runs.id = steps.runID
                WHERE runs.pipeline = $1 AND steps.name = $2 AND COALESCE(steps."index", -1) = $3 AND steps.cacheKey IS NOT NULL
                  AND runs.createdAt < (SELECT createdAt FROM runs WHERE id = $4)
                ORDER BY runs.createdAt DESC LIMIT 1
                """, pipeline, step, index ?? -1, runID)
        }
    }

    public func prepareResume(runID: String) throws -> [AttemptRecord] {
        try client.write { db in
            let now = Date().timeIntervalSince1970
            let interrupted = try db.fetchAll(AttemptRecord.self, """
                SELECT attempts.* FROM attempts JOIN steps ON steps.id = attempts.stepID
                WHERE steps.runID = $1 AND attempts.outcome = 'running' ORDER BY attempts.id
                """, runID)
            try db.execute("""
                UPDATE attempts SET outcome = 'interrupted', finishedAt = $1, error = 'the process driving the run stopped'
                WHERE outcome = 'running' AND stepID IN (SELECT id FROM steps WHERE runID = $2)
                """, now, runID)
            // Steps that did not finish well go back to pending; done steps (succeeded, cached) stay.
            try db.execute("""
                UPDATE steps SET status = 'pending', error = NULL, finishedAt = NULL
                WHERE runID = $1 AND status IN ('running', 'retrying', 'failed', 'skipped', 'cancelled')
                """, runID)
            return interrupted
        }
    }

    // MARK: Approvals

    public func approvals(status: ApprovalStatus?) throws -> [ApprovalRecord] {
        try client.read { db in
            if let status {
                return try db.fetchAll(ApprovalRecord.self, "SELECT * FROM approvals WHERE status = $1 ORDER BY requestedAt", status)
            }
            return try db.fetchAll(ApprovalRecord.self, "SELECT * FROM approvals ORDER BY requestedAt")
        }
    }

    public func approval(runID: String, step: String) throws -> ApprovalRecord? {
        try client.read { db in
            try db.fetchOne(ApprovalRecord.self, "SELECT * FROM approvals WHERE runID = $1 AND step = $2 LIMIT 1", runID, step)
        }
    }

    public func decide(runID: String, step: String, approve: Bool, by: String, comment: String?) throws -> ApprovalRecord {
        try client.write { db in
            guard let run = try db.fetchOne(RunRecord.self, "SELECT * FROM runs WHERE id = $1", runID) else { throw StoreError.runNotFound(runID) }
            guard var approval = try db.fetchOne(ApprovalRecord.self, "SELECT * FROM approvals WHERE runID = $1 AND step = $2 LIMIT 1",
                                                 runID, step) else {
                throw StoreError.noPendingApproval(run: runID, step: step, status: nil)
            }
            guard approval.status == .pending else { throw StoreError.noPendingApproval(run: runID, step: step, status: approval.status) }
            guard !run.status.isFinished || run.status == .failed else { throw StoreError.runFinished(runID, run.status) }
            approval.status = approve ? .approved : .rejected
            approval.decidedAt = Date().timeIntervalSince1970
            approval.decidedBy = by
            approval.comment = comment
            try db.update(approval, in: "approvals", key: ["id"])
            return approval
        }
    }

    // MARK: Artifacts, lineage, metrics

    public func artifacts(limit: Int) throws -> [ArtifactRecord] {
        try client.read { db in
            try db.fetchAll(ArtifactRecord.self, "SELECT * FROM artifacts ORDER BY createdAt DESC LIMIT \(limit < 0 ? "ALL" : String(limit))")
        }
    }

    public func findArtifact(_ reference: String) throws -> ArtifactRecord {
        let digest = reference.hasPrefix("sha256:") ? String(reference.dropFirst(7)) : reference
        return try client.read { db in
            if let exact = try db.fetchOne(ArtifactRecord.self, "SELECT * FROM artifacts WHERE digest = $1", digest) { return exact }
            let matches = try db.fetchAll(ArtifactRecord.self, "SELECT * FROM artifacts WHERE digest ILIKE $1 ORDER BY digest LIMIT 5",
                                          Self.likePrefix(digest))
            guard let first = matches.first, digest.count >= 4 else { throw StoreError.artifactNotFound(reference) }
            guard matches.count == 1 else { throw StoreError.ambiguousArtifact(reference, matches.map(\.digest)) }
            return first
        }
    }

    public func lineage(digest: String) throws -> [LineageEdge] {
        try client.read { db in
            try db.rows("""
                SELECT lineage.direction, lineage.runID, lineage.port, lineage.stepID, steps.name, steps."index"
                FROM lineage JOIN steps ON steps.id = lineage.stepID
                WHERE lineage.digest = $1 ORDER BY lineage.stepID
                """, digest).map { row in
                LineageEdge(direction: LineageRecord.Direction(rawValue: try row["direction"].decode(String.self)) ?? .produced,
                            runID: try row["runid"].decode(String.self), step: try row["name"].decode(String.self),
                            index: try row["index"].decode(Int64?.self).map(Int.init), port: try row["port"].decode(String.self),
                            stepID: try row["stepid"].decode(Int64.self))
            }
        }
    }

    public func lineage(stepID: Int64) throws -> [LineageRecord] {
        try client.read { db in try db.fetchAll(LineageRecord.self, "SELECT * FROM lineage WHERE stepID = $1", stepID) }
    }

    public func metrics(runID: String) throws -> [MetricRecord] {
        try client.read { db in try db.fetchAll(MetricRecord.self, "SELECT * FROM metrics WHERE runID = $1 ORDER BY id", runID) }
    }

    // MARK: Registry

    public func models() throws -> [ModelSummary] {
        try client.read { db in
            let latest = try db.fetchAll(ModelVersionRecord.self, """
                SELECT * FROM model_versions v WHERE version = (SELECT max(version) FROM model_versions WHERE name = v.name)
                ORDER BY name COLLATE "C"
                """)
            var countByName: [String: Int] = [:]
            for row in try db.rows("SELECT name, count(*) AS n FROM model_versions GROUP BY name") {
                countByName[try row["name"].decode(String.self)] = Int(try row["n"].decode(Int64.self))
            }
            var aliases: [String: [String: Int]] = [:]
            for alias in try db.fetchAll(ModelAliasRecord.self, "SELECT * FROM model_aliases") {
                aliases[alias.name, default: [:]][alias.alias] = alias.version
            }
            return latest.map { ModelSummary(name: $0.name, versions: countByName[$0.name] ?? 1, latest: $0, aliases: aliases[$0.name] ?? [:]) }
        }
    }

    public func modelVersions(name: String) throws -> [ModelVersionRecord] {
        try client.read { db in try db.fetchAll(ModelVersionRecord.self, "SELECT * FROM model_versions WHERE name = $1 ORDER BY version", name) }
    }

    public func resolveModel(_ reference: String) throws -> ModelVersionRecord {
        let (name, selector) = try SQLiteStore.splitModelReference(reference)
        return try client.read { db in
            let version: Int64?
            switch selector {
            case .latest: version = try db.scalar(Int64.self, "SELECT max(version) FROM model_versions WHERE name = $1", name)
            case .version(let number): version = Int64(number)
            case .alias(let alias):
                version = try db.scalar(Int64.self, "SELECT version FROM model_aliases WHERE name = $1 AND alias = $2", name, alias)
            }
            guard let version,
                  let record = try db.fetchOne(ModelVersionRecord.self, "SELECT * FROM model_versions WHERE name = $1 AND version = $2",
                                               name, version) else {
                throw StoreError.modelNotFound(reference)
            }
            return record
        }
    }

    public func moveAlias(name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord {
        try client.write { db in try Self.moveAlias(db, name: name, alias: alias, to: version, by: by) }
    }

    static func moveAlias(_ db: PGSession, name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord {
        try ModelName.validate(alias, what: "alias")
        guard try db.scalar(Int64.self, "SELECT count(*) FROM model_versions WHERE name = $1 AND version = $2", name, version) == 1 else {
            throw StoreError.modelNotFound("\(name):\(version)")
        }
        let previous = try db.scalar(Int64.self, "SELECT version FROM model_aliases WHERE name = $1 AND alias = $2", name, alias).map(Int.init)
        let now = Date().timeIntervalSince1970
        if previous == version {
            return ModelAliasEventRecord(name: name, alias: alias, fromVersion: previous, toVersion: version, at: now, by: by)
        }
        try db.execute("""
            INSERT INTO model_aliases (name, alias, version, updatedAt, updatedBy) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (name, alias) DO UPDATE SET version = EXCLUDED.version, updatedAt = EXCLUDED.updatedAt, updatedBy = EXCLUDED.updatedBy
            """, name, alias, version, now, by)
        var event = ModelAliasEventRecord(name: name, alias: alias, fromVersion: previous, toVersion: version, at: now, by: by)
        event.id = try db.insert(event, into: "model_alias_events", returningID: true)
        return event
    }

    public func aliasEvents(name: String) throws -> [ModelAliasEventRecord] {
        try client.read { db in try db.fetchAll(ModelAliasEventRecord.self, "SELECT * FROM model_alias_events WHERE name = $1 ORDER BY id", name) }
    }

    /// PostgreSQL has no `PRAGMA integrity_check`. This checks what the schema's constraints
    /// cannot: that every migration is recorded, and that no row points at a missing parent
    /// (lineage, model versions and request logs at artifacts; attempts, lineage and approvals at
    /// steps; steps, params and metrics at runs); ["ok"] when all hold, else one line per problem.
    public func integrityCheck() throws -> [String] {
        try client.read { db in
            var problems: [String] = []
            let applied = Set(try db.rows("SELECT id FROM schema_migrations").map { try $0[0].decode(String.self) })
            for migration in PostgresMigrations.store where !applied.contains(migration.id) {
                problems.append("migration '\(migration.id)' is not recorded in \(client.quotedSchema).schema_migrations")
            }
            let orphans: [(String, String)] = [
                ("lineage rows name a missing artifact", "SELECT count(*) FROM lineage l LEFT JOIN artifacts a ON a.digest = l.digest WHERE a.digest IS NULL"),
                ("model versions name a missing artifact", "SELECT count(*) FROM model_versions m LEFT JOIN artifacts a ON a.digest = m.digest WHERE a.digest IS NULL"),
                ("request logs name a missing artifact", "SELECT count(*) FROM request_logs r LEFT JOIN artifacts a ON a.digest = r.digest WHERE a.digest IS NULL"),
                ("attempts name a missing step", "SELECT count(*) FROM attempts t LEFT JOIN steps s ON s.id = t.stepID WHERE s.id IS NULL"),
                ("approvals name a missing step", "SELECT count(*) FROM approvals p LEFT JOIN steps s ON s.id = p.stepID WHERE s.id IS NULL"),
                ("steps name a missing run", "SELECT count(*) FROM steps s LEFT JOIN runs r ON r.id = s.runID WHERE r.id IS NULL"),
                ("metrics name a missing run", "SELECT count(*) FROM metrics m LEFT JOIN runs r ON r.id = m.runID WHERE r.id IS NULL"),
            ]
            for (what, sql) in orphans {
                let count = try db.scalar(Int64.self, sql) ?? 0
                if count > 0 { problems.append("\(count) \(what)") }
            }
            return problems.isEmpty ? ["ok"] : problems
        }
    }
}
