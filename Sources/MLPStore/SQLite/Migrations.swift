import GRDB

/// The schema, as string-named migrations. A shipped migration is never edited: change the schema
/// by adding a new one. Migrations name tables and columns directly, never app types.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("2026-11-22 runs, steps, attempts, artifacts, lineage, metrics, approvals") { db in
            try db.create(table: "runs") { t in
                t.primaryKey("id", .text)
                t.column("pipeline", .text).notNull()
                t.column("projectDirectory", .text).notNull()
                t.column("pipelineText", .text).notNull()
                t.column("pipelineFile", .text).notNull()
                t.column("pipelineDigest", .text).notNull()
                t.column("status", .text).notNull()
                t.column("gitCommit", .text)
                t.column("gitDirty", .boolean)
                t.column("mlpVersion", .text).notNull()
                t.column("host", .text).notNull()
                t.column("createdAt", .double).notNull()
                t.column("startedAt", .double)
                t.column("finishedAt", .double)
                t.column("error", .text)
                t.column("cancelRequested", .boolean).notNull().defaults(to: false)
                t.column("parallelism", .integer).notNull()
                t.column("noCache", .boolean).notNull().defaults(to: false)
            }
            try db.create(index: "runs_by_created", on: "runs", columns: ["createdAt"])
            try db.create(table: "params") { t in
                t.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("type", .text).notNull()
                t.column("value", .text).notNull()
                t.primaryKey(["runID", "name"])
            }
            try db.create(table: "steps") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                t.column("name", .text).notNull()
                t.column("index", .integer)
                t.column("kind", .text).notNull()
                t.column("status", .text).notNull()
                t.column("attempts", .integer).notNull().defaults(to: 0)
                t.column("cacheKey", .text)
                t.column("cacheHit", .boolean).notNull().defaults(to: false)
                t.column("cachedFrom", .integer)
                t.column("cacheParts", .text)
                t.column("startedAt", .double)
                t.column("finishedAt", .double)
                t.column("error", .text)
                t.column("outputs", .text)
                t.column("item", .text)
                t.column("childCount", .integer)
            }
            // Plain columns only: an UPDATE then leaves an index alone unless one of its columns
            // changes, which keeps the engine's per-step commits small.
            try db.create(index: "steps_identity", on: "steps", columns: ["runID", "name", "index"], unique: true)
            try db.create(index: "steps_by_cache_key", on: "steps", columns: ["cacheKey"])
            try db.create(table: "attempts") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("stepID", .integer).notNull().references("steps", onDelete: .cascade)
                t.column("number", .integer).notNull()
                t.column("outcome", .text).notNull()
                t.column("handle", .text)
                t.column("startedAt", .double).notNull()
                t.column("finishedAt", .double)
                t.column("exitCode", .integer)
                t.column("error", .text)
                t.column("stdoutPath", .text)
                t.column("stderrPath", .text)
            }
            try db.create(index: "attempts_by_step", on: "attempts", columns: ["stepID", "number"])
            try db.create(table: "artifacts") { t in
                t.primaryKey("digest", .text)
                t.column("type", .text).notNull()
                t.column("size", .integer).notNull()
                t.column("createdAt", .double).notNull()
            }
            try db.create(table: "lineage") { t in
                t.column("digest", .text).notNull().references("artifacts")
                t.column("stepID", .integer).notNull().references("steps", onDelete: .cascade)
                t.column("runID", .text).notNull()
                t.column("direction", .text).notNull()
                t.column("port", .text).notNull()
                t.primaryKey(["digest", "stepID", "direction", "port"])
            }
            try db.create(index: "lineage_by_step", on: "lineage", columns: ["stepID"])
            try db.create(table: "metrics") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                t.column("stepID", .integer)
                t.column("key", .text).notNull()
                t.column("value", .double).notNull()
                t.column("iteration", .integer)
                t.column("createdAt", .double).notNull()
            }
            try db.create(index: "metrics_by_run", on: "metrics", columns: ["runID", "key"])
            try db.create(table: "approvals") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("runID", .text).notNull().references("runs", onDelete: .cascade)
                t.column("stepID", .integer).notNull().unique().references("steps", onDelete: .cascade)
                t.column("step", .text).notNull()
                t.column("status", .text).notNull()
                t.column("shown", .text)
                t.column("rule", .text)
                t.column("requestedAt", .double).notNull()
                t.column("deadline", .double)
                t.column("decidedAt", .double)
                t.column("decidedBy", .text)
                t.column("comment", .text)
            }
            try db.create(index: "approvals_by_status", on: "approvals", columns: ["status"])
        }
        migrator.registerMigration("2026-11-22 model registry") { db in
            try db.create(table: "model_versions") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("digest", .text).notNull().references("artifacts")
                t.column("type", .text).notNull()
                t.column("runID", .text)
                t.column("stepID", .integer)
                t.column("createdAt", .double).notNull()
                t.column("createdBy", .text).notNull()
                t.column("card", .text).notNull()
                t.uniqueKey(["name", "version"])
            }
            try db.create(table: "model_aliases") { t in
                t.column("name", .text).notNull()
                t.column("alias", .text).notNull()
                t.column("version", .integer).notNull()
                t.column("updatedAt", .double).notNull()
                t.column("updatedBy", .text).notNull()
                t.primaryKey(["name", "alias"])
            }
            try db.create(table: "model_alias_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("alias", .text).notNull()
                t.column("fromVersion", .integer)
                t.column("toVersion", .integer).notNull()
                t.column("at", .double).notNull()
                t.column("by", .text).notNull()
            }
        }
        migrator.registerMigration("2026-12-02 deployments and request logs") { db in
            try db.create(table: "deployments") { t in
                t.primaryKey("name", .text)
                t.column("model", .text).notNull()
                t.column("stableVersion", .integer).notNull()
                t.column("candidateVersion", .integer)
                t.column("previousStableVersion", .integer)
                t.column("mode", .text).notNull()
                t.column("canaryPercent", .double).notNull()
                t.column("stickyHeader", .text)
                t.column("maxErrorRate", .double)
                t.column("maxP99Ms", .double)
                t.column("minRequests", .integer).notNull()
                t.column("generation", .integer).notNull()
                t.column("createdAt", .double).notNull()
                t.column("updatedAt", .double).notNull()
                t.column("updatedBy", .text).notNull()
            }
            try db.create(table: "deployment_events") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("name", .text).notNull()
                t.column("action", .text).notNull()
                t.column("stableVersion", .integer).notNull()
                t.column("candidateVersion", .integer)
                t.column("generation", .integer).notNull()
                t.column("at", .double).notNull()
                t.column("by", .text).notNull()
                t.column("reason", .text)
            }
            try db.create(index: "deployment_events_by_name", on: "deployment_events", columns: ["name", "id"])
            try db.create(table: "request_logs") { t in
                t.autoIncrementedPrimaryKey("id")
                t.column("deployment", .text).notNull()
                t.column("digest", .text).notNull().references("artifacts")
                t.column("rows", .integer).notNull()
                t.column("firstAt", .double).notNull()
                t.column("lastAt", .double).notNull()
                t.column("createdAt", .double).notNull()
            }
            try db.create(index: "request_logs_by_deployment", on: "request_logs", columns: ["deployment", "id"])
        }
        migrator.registerMigration("2026-12-07 idempotency keys") { db in
            // What a keyed write returned, stored in the write's own transaction: a client that
            // retries (its answer was lost) gets the same answer and changes nothing.
            try db.create(table: "idempotency_keys") { t in
                t.primaryKey("key", .text)
                t.column("operation", .text).notNull()
                t.column("response", .blob).notNull()
                t.column("createdAt", .double).notNull()
            }
        }
        return migrator
    }
}
