import Foundation
import GRDB
import MLPCore
#if canImport(Glibc)
import Glibc
#endif

/// The embedded metadata store: one SQLite file in WAL mode.
///
/// `synchronous = NORMAL` under WAL keeps every committed transaction across a crash of the
/// process (kill -9); only a power loss can drop the last transactions, never corrupt the file.
public final class SQLiteStore: MetadataStore, @unchecked Sendable {
    let pool: DatabasePool
    /// The database file.
    public let path: String

    /// Opens (creating if needed) the store at `path` and brings its schema up to date.
    public init(path: String) throws {
        self.path = path
        var configuration = Configuration()
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL")
            // Checkpoint (copy the WAL back and fsync) every ~40 MB of WAL rather than every 4 MB:
            // a 10,000-item fan-out then syncs a handful of times instead of ~90.
            try db.execute(sql: "PRAGMA wal_autocheckpoint = 10000")
            try db.execute(sql: "PRAGMA foreign_keys = ON")
        }
        // Two processes opening a new store at once would race to switch it to WAL and to migrate
        // it; one of them fails with "database is locked". An exclusive lock on a file beside the
        // database makes opening one at a time (it is held for milliseconds).
        let lockPath = path + ".open-lock"
        let lock = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        if lock >= 0 {
            while flock(lock, LOCK_EX) != 0, errno == EINTR {}
        }
        defer {
            if lock >= 0 {
                flock(lock, LOCK_UN)
                close(lock)
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
    }

    /// One write transaction. A constraint the write breaks (a run id that exists already, a step of
    /// a missing run) is ``StoreError/conflict(_:)``, as on PostgreSQL: the caller's data is wrong,
    /// not the store.
    func write<T>(_ body: (Database) throws -> T) throws -> T {
        do {
            return try pool.write(body)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_CONSTRAINT {
            throw StoreError.conflict(error.message ?? "a constraint of the store (\(error.extendedResultCode))")
        }
    }

    public func createRun(_ run: RunRecord, params: [ParamRecord], steps: [StepRecord], idempotencyKey: String?) throws -> [StepRecord] {
        try write { db in
            try Self.once(idempotencyKey, operation: "createRun", db) {
                try run.insert(db)
                for param in params { try param.insert(db) }
                return try steps.map { step in
                    var step = step
                    try step.insert(db)
                    return step
                }
            }
        }
    }

    @discardableResult
    public func commit(_ changes: [StateChange], idempotencyKey: String?) throws -> [CommittedChange] {
        guard !changes.isEmpty else { return [] }
        return try write { db in
            try Self.once(idempotencyKey, operation: "commit", db) { try changes.map { try Self.apply($0, db) } }
        }
    }

    /// Runs `body` unless `key` was seen: then returns what the first call returned. The key and
    /// the answer are written in the caller's transaction, so both land or neither does.
    private static func once<T: Codable>(_ key: String?, operation: String, _ db: Database, _ body: () throws -> T) throws -> T {
        guard let key else { return try body() }
        if let row = try Row.fetchOne(db, sql: "SELECT operation, response FROM idempotency_keys WHERE key = ?", arguments: [key]) {
            let stored: String = row["operation"]
            guard stored == operation else {
                throw StoreError.idempotencyKeyReused(key: key, operation: stored)
            }
            let data: Data = row["response"]
            return try StoreAPI.decodeBody(T.self, from: data)
        }
        let result = try body()
        try db.execute(sql: "INSERT INTO idempotency_keys (key, operation, response, createdAt) VALUES (?, ?, ?, ?)",
                       arguments: [key, operation, try StoreAPI.encodeBody(result), Date().timeIntervalSince1970])
        return result
    }

    /// Applies one state change inside the caller's transaction.
    private static func apply(_ change: StateChange, _ db: Database) throws -> CommittedChange {
        var result = CommittedChange()
        if let update = change.run { try Self.applyRunUpdate(update, db) }
        for step in change.steps {
            guard let id = step.id else { throw StoreError.corrupt("step \(step.displayName) has no id") }
            let statement = try db.cachedStatement(sql: "SELECT status FROM steps WHERE id = ?")
            let current = try String.fetchOne(statement, arguments: [id]).flatMap(StepStatus.init(rawValue:))
            guard let current else { throw StoreError.stepNotFound(run: step.runID, step: step.displayName) }
            if current != step.status, !current.canTransition(to: step.status) {
                throw StoreError.invalidTransition(step: step.displayName, from: current, to: step.status)
            }
            try Self.updateStep(step, id: id, db)
        }
        if !change.newSteps.isEmpty {
            let insert = try db.cachedStatement(sql: """
                INSERT INTO steps (runID, name, "index", kind, status, attempts, cacheHit, item, childCount)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for step in change.newSteps {
                var step = step
                try insert.execute(arguments: [step.runID, step.name, step.index, step.kind, step.status.rawValue, step.attempts,
                                               step.cacheHit, step.item, step.childCount])
                step.id = db.lastInsertedRowID
                result.newSteps.append(step)
            }
        }
        if var attempt = change.attempt {
            if attempt.id == nil {
                // Named by its step and number: the same attempt when it is there already.
                let find = try db.cachedStatement(sql: "SELECT id FROM attempts WHERE stepID = ? AND number = ? ORDER BY id LIMIT 1")
                attempt.id = try Int64.fetchOne(find, arguments: [attempt.stepID, attempt.number])
            }
            if attempt.id == nil { try attempt.insert(db) } else { try attempt.update(db) }
            result.attempt = attempt
        }
        for artifact in change.artifacts { try artifact.insert(db, onConflict: .ignore) }
        for edge in change.lineage { try edge.insert(db, onConflict: .ignore) }
        for metric in change.metrics { try metric.insert(db) }
        if var approval = change.approval {
            if approval.id == nil { try approval.insert(db) } else { try approval.update(db) }
            result.approval = approval
        }
        if let registration = change.registration {
            var version = registration.version
            try ModelName.validate(version.name)
            for alias in registration.aliases { try ModelName.validate(alias, what: "alias") }
            // Registering is idempotent per step: a resumed run gets the version it already has.
            if let stepID = version.stepID,
               let existing = try ModelVersionRecord.filter(Column("stepID") == stepID && Column("name") == version.name).fetchOne(db) {
                result.registered = existing
                return result
            }
            let latest = try ModelVersionRecord.filter(Column("name") == version.name).order(Column("version").desc).fetchOne(db)
            if let latest, latest.digest == version.digest {
                // The same bytes as the newest version: that version, not a duplicate.
                version = latest
            } else {
                version.version = (latest?.version ?? 0) + 1
                try version.insert(db)
            }
            for alias in registration.aliases {
                _ = try Self.moveAlias(db, name: version.name, alias: alias, to: version.version, by: version.createdBy)
            }
            result.registered = version
        }
        return result
    }

    /// Writes a step's mutable columns through one cached statement (the hot path of the engine).
    private static func updateStep(_ step: StepRecord, id: Int64, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            UPDATE steps SET status = ?, attempts = ?, cacheKey = ?, cacheHit = ?, cachedFrom = ?, cacheParts = ?,
              startedAt = ?, finishedAt = ?, error = ?, outputs = ?, item = ?, childCount = ?
            WHERE id = ?
            """)
        try statement.execute(arguments: [step.status.rawValue, step.attempts, step.cacheKey, step.cacheHit, step.cachedFrom, step.cacheParts,
                                          step.startedAt, step.finishedAt, step.error, step.outputs, step.item, step.childCount, id])
    }

    private static func applyRunUpdate(_ update: StateChange.RunUpdate, _ db: Database) throws {
        guard var run = try RunRecord.fetchOne(db, key: update.id) else { throw StoreError.runNotFound(update.id) }
        guard run.status.canTransition(to: update.status) else {
            throw StoreError.invalidRunTransition(run: run.id, from: run.status, to: update.status)
        }
        let now = Date().timeIntervalSince1970
        if update.status == .running, run.startedAt == nil { run.startedAt = now }
        if update.status.isFinished { run.finishedAt = now } else { run.finishedAt = nil }
        if update.status == .running { run.cancelRequested = false }
        run.status = update.status
        run.error = update.error
        try run.update(db)
    }

    public func run(id: String) throws -> RunRecord? {
        try pool.read { db in try RunRecord.fetchOne(db, key: id) }
    }

    public func findRun(_ reference: String) throws -> RunRecord {
        try pool.read { db in
            if reference == "latest" || reference == "last" {
                guard let run = try RunRecord.order(RunRecord.Fields.createdAt.desc).fetchOne(db) else { throw StoreError.runNotFound(reference) }
                return run
            }
            if let run = try RunRecord.fetchOne(db, key: reference) { return run }
            let matches = try RunRecord.filter(RunRecord.Fields.id.like("\(reference.replacingOccurrences(of: "%", with: ""))%")).limit(5).fetchAll(db)
            guard let first = matches.first else { throw StoreError.runNotFound(reference) }
            guard matches.count == 1 else { throw StoreError.ambiguousRun(reference, matches.map(\.id)) }
            return first
        }
    }

    private func request(_ query: RunQuery) -> QueryInterfaceRequest<RunRecord> {
        var request = RunRecord.all()
        if let status = query.status { request = request.filter(RunRecord.Fields.status == status.rawValue) }
        if let pipeline = query.pipeline { request = request.filter(RunRecord.Fields.pipeline == pipeline) }
        return request
    }

    public func runs(_ query: RunQuery) throws -> [RunRecord] {
        try pool.read { db in
            try request(query).order(RunRecord.Fields.createdAt.desc, RunRecord.Fields.id.desc)
                .limit(query.limit, offset: query.offset).fetchAll(db)
        }
    }

    public func runCount(_ query: RunQuery) throws -> Int {
        try pool.read { db in try request(query).fetchCount(db) }
    }

    public func runSummaries(_ query: RunQuery) throws -> [RunSummary] {
        try pool.read { db in
            let runs = try request(query).order(RunRecord.Fields.createdAt.desc, RunRecord.Fields.id.desc)
                .limit(query.limit, offset: query.offset).fetchAll(db)
            guard !runs.isEmpty else { return [] }
            var counts: [String: [StepStatus: Int]] = [:]
            let placeholders = databaseQuestionMarks(count: runs.count)
            // A fan-out parent is not a unit of work of its own once its children exist.
            let rows = try Row.fetchAll(db, sql: """
                SELECT runID, status, count(*) AS n FROM steps
                WHERE runID IN (\(placeholders)) AND NOT ("index" IS NULL AND childCount IS NOT NULL AND childCount > 0)
                GROUP BY runID, status
                """, arguments: StatementArguments(runs.map(\.id)))
            for row in rows {
                let runID: String = row["runID"]
                if let status = StepStatus(rawValue: row["status"]) { counts[runID, default: [:]][status] = row["n"] }
            }
            return runs.map { RunSummary(run: $0, counts: counts[$0.id] ?? [:]) }
        }
    }

    public func params(runID: String) throws -> [ParamRecord] {
        try pool.read { db in try ParamRecord.filter(Column("runID") == runID).order(Column("name")).fetchAll(db) }
    }

    public func requestCancel(runID: String) throws {
        try write { db in
            try db.execute(sql: "UPDATE runs SET cancelRequested = 1 WHERE id = ?", arguments: [runID])
        }
    }

    public func steps(runID: String) throws -> [StepRecord] {
        try pool.read { db in
            try StepRecord.filter(StepRecord.Fields.runID == runID).order(StepRecord.Fields.id).fetchAll(db)
        }
    }

    public func step(id: Int64) throws -> StepRecord? {
        try pool.read { db in try StepRecord.fetchOne(db, key: id) }
    }

    public func attempts(stepID: Int64) throws -> [AttemptRecord] {
        try pool.read { db in try AttemptRecord.filter(Column("stepID") == stepID).order(Column("number")).fetchAll(db) }
    }

    public func cachedExecution(key: String) throws -> StepRecord? {
        // Asked once per unit of work, right between the writer's own commits: the writer connection's
        // page cache is warm, a reader's was just invalidated. A single SELECT needs no snapshot transaction.
        try pool.writeWithoutTransaction { db in
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM steps WHERE cacheKey = ? AND status IN ('succeeded', 'cached') ORDER BY finishedAt DESC LIMIT 1
                """)
            return try StepRecord.fetchOne(statement, arguments: [key])
        }
    }

    public func cachedExecutions(keys: [String]) throws -> [String: StepRecord] {
        try pool.writeWithoutTransaction { db in
            let statement = try db.cachedStatement(sql: """
                SELECT * FROM steps WHERE cacheKey = ? AND status IN ('succeeded', 'cached') ORDER BY finishedAt DESC LIMIT 1
                """)
            var found: [String: StepRecord] = [:]
            for key in Set(keys) {
                if let step = try StepRecord.fetchOne(statement, arguments: [key]) { found[key] = step }
            }
            return found
        }
    }

    public func previousExecution(pipeline: String, step: String, index: Int?, before runID: String) throws -> StepRecord? {
        try pool.read { db in
            try StepRecord.fetchOne(db, sql: """
                SELECT steps.* FROM steps JOIN runs ON runs.id = steps.runID
                WHERE runs.pipeline = ? AND steps.name = ? AND ifnull(steps."index", -1) = ? AND steps.cacheKey IS NOT NULL
                  AND runs.createdAt < (SELECT createdAt FROM runs WHERE id = ?)
                ORDER BY runs.createdAt DESC LIMIT 1
                """, arguments: [pipeline, step, index ?? -1, runID])
        }
    }

    public func prepareResume(runID: String) throws -> [AttemptRecord] {
        try write { db in
            let now = Date().timeIntervalSince1970
            let interrupted = try AttemptRecord.fetchAll(db, sql: """
                SELECT attempts.* FROM attempts JOIN steps ON steps.id = attempts.stepID
                WHERE steps.runID = ? AND attempts.outcome = 'running'
                """, arguments: [runID])
            try db.execute(sql: """
                UPDATE attempts SET outcome = 'interrupted', finishedAt = ?, error = 'the process driving the run stopped'
                WHERE outcome = 'running' AND stepID IN (SELECT id FROM steps WHERE runID = ?)
                """, arguments: [now, runID])
            // Steps that did not finish well go back to pending; done steps (succeeded, cached) stay.
            try db.execute(sql: """
                UPDATE steps SET status = 'pending', error = NULL, finishedAt = NULL
                WHERE runID = ? AND status IN ('running', 'retrying', 'failed', 'skipped', 'cancelled')
                """, arguments: [runID])
            return interrupted
        }
    }

    public func approvals(status: ApprovalStatus?) throws -> [ApprovalRecord] {
        try pool.read { db in
            var request = ApprovalRecord.all()
            if let status { request = request.filter(ApprovalRecord.Fields.status == status.rawValue) }
            return try request.order(Column("requestedAt")).fetchAll(db)
        }
    }

    public func approval(runID: String, step: String) throws -> ApprovalRecord? {
        try pool.read { db in
            try ApprovalRecord.filter(ApprovalRecord.Fields.runID == runID && ApprovalRecord.Fields.step == step).fetchOne(db)
        }
    }

    public func decide(runID: String, step: String, approve: Bool, by: String, comment: String?) throws -> ApprovalRecord {
        try write { db in
            guard let run = try RunRecord.fetchOne(db, key: runID) else { throw StoreError.runNotFound(runID) }
            guard var approval = try ApprovalRecord.filter(ApprovalRecord.Fields.runID == runID && ApprovalRecord.Fields.step == step).fetchOne(db) else {
                throw StoreError.noPendingApproval(run: runID, step: step, status: nil)
            }
            guard approval.status == .pending else { throw StoreError.noPendingApproval(run: runID, step: step, status: approval.status) }
            guard !run.status.isFinished || run.status == .failed else { throw StoreError.runFinished(runID, run.status) }
            approval.status = approve ? .approved : .rejected
            approval.decidedAt = Date().timeIntervalSince1970
            approval.decidedBy = by
            approval.comment = comment
            try approval.update(db)
            return approval
        }
    }

    public func artifacts(limit: Int) throws -> [ArtifactRecord] {
        try pool.read { db in try ArtifactRecord.order(Column("createdAt").desc).limit(limit).fetchAll(db) }
    }

    public func findArtifact(_ reference: String) throws -> ArtifactRecord {
        let digest = reference.hasPrefix("sha256:") ? String(reference.dropFirst(7)) : reference
        return try pool.read { db in
            if let exact = try ArtifactRecord.fetchOne(db, key: digest) { return exact }
            let matches = try ArtifactRecord.filter(Column("digest").like("\(digest.replacingOccurrences(of: "%", with: ""))%")).limit(5).fetchAll(db)
            guard let first = matches.first, digest.count >= 4 else { throw StoreError.artifactNotFound(reference) }
            guard matches.count == 1 else { throw StoreError.ambiguousArtifact(reference, matches.map(\.digest)) }
            return first
        }
    }

    public func lineage(digest: String) throws -> [LineageEdge] {
        try pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT lineage.direction, lineage.runID, lineage.port, lineage.stepID, steps.name, steps."index"
                FROM lineage JOIN steps ON steps.id = lineage.stepID
                WHERE lineage.digest = ? ORDER BY lineage.stepID
                """, arguments: [digest]).map { row in
                LineageEdge(direction: LineageRecord.Direction(rawValue: row["direction"]) ?? .produced, runID: row["runID"],
                            step: row["name"], index: row["index"], port: row["port"], stepID: row["stepID"])
            }
        }
    }

    public func lineage(stepID: Int64) throws -> [LineageRecord] {
        try pool.read { db in try LineageRecord.filter(Column("stepID") == stepID).fetchAll(db) }
    }

    public func metrics(runID: String) throws -> [MetricRecord] {
        try pool.read { db in try MetricRecord.filter(Column("runID") == runID).order(Column("id")).fetchAll(db) }
    }

    public func models() throws -> [ModelSummary] {
        try pool.read { db in
            let latest = try ModelVersionRecord.fetchAll(db, sql: """
                SELECT * FROM model_versions v WHERE version = (SELECT max(version) FROM model_versions WHERE name = v.name) ORDER BY name
                """)
            let counts = try Row.fetchAll(db, sql: "SELECT name, count(*) AS n FROM model_versions GROUP BY name")
            var countByName: [String: Int] = [:]
            for row in counts {
                let name: String = row["name"]
                countByName[name] = row["n"]
            }
            var aliases: [String: [String: Int]] = [:]
            for alias in try ModelAliasRecord.fetchAll(db) { aliases[alias.name, default: [:]][alias.alias] = alias.version }
            return latest.map { ModelSummary(name: $0.name, versions: countByName[$0.name] ?? 1, latest: $0, aliases: aliases[$0.name] ?? [:]) }
        }
    }

    public func modelVersions(name: String) throws -> [ModelVersionRecord] {
        try pool.read { db in try ModelVersionRecord.filter(Column("name") == name).order(Column("version")).fetchAll(db) }
    }

    public func resolveModel(_ reference: String) throws -> ModelVersionRecord {
        let (name, selector) = try Self.splitModelReference(reference)
        return try pool.read { db in
            let version: Int?
            switch selector {
            case .latest: version = try Int.fetchOne(db, sql: "SELECT max(version) FROM model_versions WHERE name = ?", arguments: [name])
            case .version(let number): version = number
            case .alias(let alias):
                version = try Int.fetchOne(db, sql: "SELECT version FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias])
            }
            guard let version, let record = try ModelVersionRecord.filter(Column("name") == name && Column("version") == version).fetchOne(db) else {
                throw StoreError.modelNotFound(reference)
            }
            return record
        }
    }

    enum ModelSelector: Equatable {
        case latest
        case version(Int)
        case alias(String)
    }

    /// `churn` → latest; `churn:3` → version 3; `churn@champion` → the alias.
    static func splitModelReference(_ reference: String) throws -> (String, ModelSelector) {
        if let at = reference.firstIndex(of: "@") {
            let name = String(reference[..<at]), alias = String(reference[reference.index(after: at)...])
            guard !name.isEmpty, !alias.isEmpty else { throw StoreError.badModelReference(reference) }
            return (name, .alias(alias))
        }
        if let colon = reference.lastIndex(of: ":") {
            let name = String(reference[..<colon])
            guard !name.isEmpty, let number = Int(reference[reference.index(after: colon)...]), number > 0 else {
                throw StoreError.badModelReference(reference)
            }
            return (name, .version(number))
        }
        guard !reference.isEmpty else { throw StoreError.badModelReference(reference) }
        return (reference, .latest)
    }

    public func moveAlias(name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord {
        try write { db in try Self.moveAlias(db, name: name, alias: alias, to: version, by: by) }
    }

    static func moveAlias(_ db: Database, name: String, alias: String, to version: Int, by: String) throws -> ModelAliasEventRecord {
        try ModelName.validate(alias, what: "alias")
        guard try ModelVersionRecord.filter(Column("name") == name && Column("version") == version).fetchCount(db) == 1 else {
            throw StoreError.modelNotFound("\(name):\(version)")
        }
        let previous = try Int.fetchOne(db, sql: "SELECT version FROM model_aliases WHERE name = ? AND alias = ?", arguments: [name, alias])
        let now = Date().timeIntervalSince1970
        if previous == version {
            // Already there: nothing moves, nothing to record.
            return ModelAliasEventRecord(name: name, alias: alias, fromVersion: previous, toVersion: version, at: now, by: by)
        }
        try ModelAliasRecord(name: name, alias: alias, version: version, updatedAt: now, updatedBy: by).save(db)
        var event = ModelAliasEventRecord(name: name, alias: alias, fromVersion: previous, toVersion: version, at: now, by: by)
        try event.insert(db)
        return event
    }

    public func aliasEvents(name: String) throws -> [ModelAliasEventRecord] {
        try pool.read { db in try ModelAliasEventRecord.filter(Column("name") == name).order(Column("id")).fetchAll(db) }
    }

    public func integrityCheck() throws -> [String] {
        try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
    }
}
