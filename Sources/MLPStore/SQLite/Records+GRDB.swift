import GRDB
import MLPCore

// The records are plain value types; how each maps to its SQLite table lives here, beside the one
// store that needs it (the PostgreSQL store maps rows itself).

extension ApprovalRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "approvals"
    enum Fields {
        static let runID = Column("runID"), step = Column("step"), status = Column("status")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ArtifactRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "artifacts"
}

extension LineageRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "lineage"
}

extension MetricRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "metrics"
}

extension DeploymentRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "deployments"
}

extension DeploymentEventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "deployment_events"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension RequestLogRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "request_logs"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ModelVersionRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model_versions"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension ModelAliasRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "model_aliases"
}

extension ModelAliasEventRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "model_alias_events"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}

extension RunRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "runs"
    enum Fields {
        static let id = Column("id"), pipeline = Column("pipeline"), status = Column("status")
        static let createdAt = Column("createdAt"), cancelRequested = Column("cancelRequested")
    }
}

extension ParamRecord: FetchableRecord, PersistableRecord {
    public static let databaseTableName = "params"
}

extension StepRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "steps"
    enum Fields {
        static let id = Column("id"), runID = Column("runID"), name = Column("name"), index = Column("index")
        static let status = Column("status"), cacheKey = Column("cacheKey"), finishedAt = Column("finishedAt")
    }

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }

    // Written by hand rather than through Codable: the engine writes a step row several times per
    // unit of work, and Codable's keyed containers cost more than the SQL itself.
    public init(row: Row) throws {
        id = row["id"]
        runID = row["runID"]
        name = row["name"]
        index = row["index"]
        kind = row["kind"]
        let rawStatus: String = row["status"]
        guard let parsed = StepStatus(rawValue: rawStatus) else {
            throw DatabaseError(message: "steps.status holds an unknown value '\(rawStatus)'")
        }
        status = parsed
        attempts = row["attempts"]
        cacheKey = row["cacheKey"]
        cacheHit = row["cacheHit"]
        cachedFrom = row["cachedFrom"]
        cacheParts = row["cacheParts"]
        startedAt = row["startedAt"]
        finishedAt = row["finishedAt"]
        error = row["error"]
        outputs = row["outputs"]
        item = row["item"]
        childCount = row["childCount"]
    }
    public func encode(to container: inout PersistenceContainer) throws {
        container["id"] = id
        container["runID"] = runID
        container["name"] = name
        container["index"] = index
        container["kind"] = kind
        container["status"] = status.rawValue
        container["attempts"] = attempts
        container["cacheKey"] = cacheKey
        container["cacheHit"] = cacheHit
        container["cachedFrom"] = cachedFrom
        container["cacheParts"] = cacheParts
        container["startedAt"] = startedAt
        container["finishedAt"] = finishedAt
        container["error"] = error
        container["outputs"] = outputs
        container["item"] = item
        container["childCount"] = childCount
    }
}

extension AttemptRecord: FetchableRecord, MutablePersistableRecord {
    public static let databaseTableName = "attempts"

    public mutating func didInsert(_ inserted: InsertionSuccess) { id = inserted.rowID }
}
