import Foundation

/// The PostgreSQL schema of a project's metadata store: the same tables, columns and constraints
/// as the SQLite store's (Sources/MLPStore/SQLite/Migrations.swift), as named migrations recorded
/// in the schema's own `schema_migrations` table. A shipped migration is never edited: change the
/// schema by adding a new one.
///
/// Column names are written unquoted (PostgreSQL folds them to lower case); `"index"` and
/// `"user"` are quoted because they are keywords.
enum PostgresMigrations {
    static let store: [(id: String, sql: [String])] = [
        ("2026-11-22 runs, steps, attempts, artifacts, lineage, metrics, approvals", [
            """
            CREATE TABLE runs (
              id TEXT PRIMARY KEY, pipeline TEXT NOT NULL, projectDirectory TEXT NOT NULL, pipelineText TEXT NOT NULL,
              pipelineFile TEXT NOT NULL, pipelineDigest TEXT NOT NULL, status TEXT NOT NULL, gitCommit TEXT, gitDirty BOOLEAN,
              mlpVersion TEXT NOT NULL, host TEXT NOT NULL, createdAt DOUBLE PRECISION NOT NULL, startedAt DOUBLE PRECISION,
              finishedAt DOUBLE PRECISION, error TEXT, cancelRequested BOOLEAN NOT NULL DEFAULT FALSE, parallelism BIGINT NOT NULL,
              noCache BOOLEAN NOT NULL DEFAULT FALSE)
            """,
            "CREATE INDEX runs_by_created ON runs (createdAt)",
            """
            CREATE TABLE params (
              runID TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, name TEXT NOT NULL, type TEXT NOT NULL,
              value TEXT NOT NULL, PRIMARY KEY (runID, name))
            """,
            """
            CREATE TABLE steps (
              id BIGSERIAL PRIMARY KEY, runID TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, name TEXT NOT NULL,
              "index" BIGINT, kind TEXT NOT NULL, status TEXT NOT NULL, attempts BIGINT NOT NULL DEFAULT 0, cacheKey TEXT,
              cacheHit BOOLEAN NOT NULL DEFAULT FALSE, cachedFrom BIGINT, cacheParts TEXT, startedAt DOUBLE PRECISION,
              finishedAt DOUBLE PRECISION, error TEXT, outputs TEXT, item TEXT, childCount BIGINT)
            """,
            // SQLite's unique index treats NULL indexes as distinct; so does PostgreSQL's.
            "CREATE UNIQUE INDEX steps_identity ON steps (runID, name, \"index\")",
            "CREATE INDEX steps_by_cache_key ON steps (cacheKey)",
            """
            CREATE TABLE attempts (
              id BIGSERIAL PRIMARY KEY, stepID BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE, number BIGINT NOT NULL,
              outcome TEXT NOT NULL, handle TEXT, startedAt DOUBLE PRECISION NOT NULL, finishedAt DOUBLE PRECISION, exitCode BIGINT,
              error TEXT, stdoutPath TEXT, stderrPath TEXT)
            """,
            "CREATE INDEX attempts_by_step ON attempts (stepID, number)",
            """
            CREATE TABLE artifacts (
              digest TEXT PRIMARY KEY, type TEXT NOT NULL, size BIGINT NOT NULL, createdAt DOUBLE PRECISION NOT NULL)
            """,
            """
            CREATE TABLE lineage (
              digest TEXT NOT NULL REFERENCES artifacts (digest), stepID BIGINT NOT NULL REFERENCES steps (id) ON DELETE CASCADE,
              runID TEXT NOT NULL, direction TEXT NOT NULL, port TEXT NOT NULL, PRIMARY KEY (digest, stepID, direction, port))
            """,
            "CREATE INDEX lineage_by_step ON lineage (stepID)",
            """
            CREATE TABLE metrics (
              id BIGSERIAL PRIMARY KEY, runID TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE, stepID BIGINT,
              key TEXT NOT NULL, value DOUBLE PRECISION NOT NULL, iteration BIGINT, createdAt DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX metrics_by_run ON metrics (runID, key)",
            """
            CREATE TABLE approvals (
              id BIGSERIAL PRIMARY KEY, runID TEXT NOT NULL REFERENCES runs (id) ON DELETE CASCADE,
              stepID BIGINT NOT NULL UNIQUE REFERENCES steps (id) ON DELETE CASCADE, step TEXT NOT NULL, status TEXT NOT NULL,
              shown TEXT, rule TEXT, requestedAt DOUBLE PRECISION NOT NULL, deadline DOUBLE PRECISION, decidedAt DOUBLE PRECISION,
              decidedBy TEXT, comment TEXT)
            """,
            "CREATE INDEX approvals_by_status ON approvals (status)",
        ]),
        ("2026-11-22 model registry", [
            """
            CREATE TABLE model_versions (
              id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, version BIGINT NOT NULL, digest TEXT NOT NULL REFERENCES artifacts (digest),
              type TEXT NOT NULL, runID TEXT, stepID BIGINT, createdAt DOUBLE PRECISION NOT NULL, createdBy TEXT NOT NULL,
              card TEXT NOT NULL, UNIQUE (name, version))
            """,
            """
            CREATE TABLE model_aliases (
              name TEXT NOT NULL, alias TEXT NOT NULL, version BIGINT NOT NULL, updatedAt DOUBLE PRECISION NOT NULL,
              updatedBy TEXT NOT NULL, PRIMARY KEY (name, alias))
            """,
            """
            CREATE TABLE model_alias_events (
              id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, alias TEXT NOT NULL, fromVersion BIGINT, toVersion BIGINT NOT NULL,
              at DOUBLE PRECISION NOT NULL, by TEXT NOT NULL)
            """,
        ]),
        ("2026-12-02 deployments and request logs", [
            """
            CREATE TABLE deployments (
              name TEXT PRIMARY KEY, model TEXT NOT NULL, stableVersion BIGINT NOT NULL, candidateVersion BIGINT,
              previousStableVersion BIGINT, mode TEXT NOT NULL, canaryPercent DOUBLE PRECISION NOT NULL, stickyHeader TEXT,
              maxErrorRate DOUBLE PRECISION, maxP99Ms DOUBLE PRECISION, minRequests BIGINT NOT NULL, generation BIGINT NOT NULL,
              createdAt DOUBLE PRECISION NOT NULL, updatedAt DOUBLE PRECISION NOT NULL, updatedBy TEXT NOT NULL)
            """,
            """
            CREATE TABLE deployment_events (
              id BIGSERIAL PRIMARY KEY, name TEXT NOT NULL, action TEXT NOT NULL, stableVersion BIGINT NOT NULL,
              candidateVersion BIGINT, generation BIGINT NOT NULL, at DOUBLE PRECISION NOT NULL, by TEXT NOT NULL, reason TEXT)
            """,
            "CREATE INDEX deployment_events_by_name ON deployment_events (name, id)",
            """
            CREATE TABLE request_logs (
              id BIGSERIAL PRIMARY KEY, deployment TEXT NOT NULL, digest TEXT NOT NULL REFERENCES artifacts (digest),
              rows BIGINT NOT NULL, firstAt DOUBLE PRECISION NOT NULL, lastAt DOUBLE PRECISION NOT NULL,
              createdAt DOUBLE PRECISION NOT NULL)
            """,
            "CREATE INDEX request_logs_by_deployment ON request_logs (deployment, id)",
        ]),
        ("2026-12-07 idempotency keys", [
            """
            CREATE TABLE idempotency_keys (
              key TEXT PRIMARY KEY, operation TEXT NOT NULL, response BYTEA NOT NULL, createdAt DOUBLE PRECISION NOT NULL)
            """,
        ]),
    ]

    static let server: [(id: String, sql: [String])] = [
        ("2026-12-07 tokens, audit, projects", [
            """
            CREATE TABLE tokens (
              id TEXT PRIMARY KEY, "user" TEXT NOT NULL, role TEXT NOT NULL, projects TEXT, secretHash TEXT NOT NULL UNIQUE,
              createdAt DOUBLE PRECISION NOT NULL, revokedAt DOUBLE PRECISION)
            """,
            """
            CREATE TABLE audit (
              id BIGSERIAL PRIMARY KEY, at DOUBLE PRECISION NOT NULL, "user" TEXT NOT NULL, action TEXT NOT NULL, project TEXT,
              target TEXT NOT NULL, client TEXT)
            """,
            "CREATE TABLE projects (name TEXT PRIMARY KEY)",
        ]),
    ]

    /// Creates the client's schema if needed and applies the migrations it has not seen, in one
    /// transaction under the schema's lock (two servers opening a new schema at once wait in turn).
    static func migrate(_ client: PGClient, _ migrations: [(id: String, sql: [String])]) throws {
        try client.write { session in
            try session.execute("CREATE SCHEMA IF NOT EXISTS \(client.quotedSchema)")
            try session.execute("CREATE TABLE IF NOT EXISTS \(client.quotedSchema).schema_migrations (id TEXT PRIMARY KEY, appliedAt DOUBLE PRECISION NOT NULL)")
            let applied = Set(try session.rows("SELECT id FROM \(client.quotedSchema).schema_migrations").map { try $0[0].decode(String.self) })
            for migration in migrations where !applied.contains(migration.id) {
                for statement in migration.sql { try session.execute(statement) }
                try session.execute("INSERT INTO \(client.quotedSchema).schema_migrations (id, appliedAt) VALUES ($1, $2)",
                                    migration.id, Date().timeIntervalSince1970)
            }
        }
    }
}
