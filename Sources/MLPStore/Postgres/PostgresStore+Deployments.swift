import Foundation
import MLPCore

/// Deployments on PostgreSQL: the same rules, events and errors as SQLiteStore+Deployments.swift.
extension PostgresStore {
    public func deployments() throws -> [DeploymentRecord] {
        try client.read { db in try db.fetchAll(DeploymentRecord.self, "SELECT * FROM deployments ORDER BY name COLLATE \"C\"") }
    }

    public func deployment(name: String) throws -> DeploymentRecord? {
        try client.read { db in try db.fetchOne(DeploymentRecord.self, "SELECT * FROM deployments WHERE name = $1", name) }
    }

    private static func load(_ name: String, _ db: PGSession) throws -> DeploymentRecord? {
        try db.fetchOne(DeploymentRecord.self, "SELECT * FROM deployments WHERE name = $1", name)
    }

    public func deploy(_ spec: DeploymentSpec, by: String) throws -> DeploymentRecord {
        if let problem = spec.problem { throw StoreError.badDeployment("deployment '\(spec.name)': \(problem)") }
        return try client.write { db in
            guard try db.scalar(Int64.self, "SELECT count(*) FROM model_versions WHERE name = $1 AND version = $2", spec.model, spec.version) == 1 else {
                throw StoreError.modelNotFound("\(spec.model):\(spec.version)")
            }
            let now = Date().timeIntervalSince1970
            guard let current = try Self.load(spec.name, db) else {
                let created = try spec.newDeployment(at: now, by: by)
                try db.insert(created, into: "deployments")
                try Self.record(.deploy, created, at: now, by: by, reason: nil, db)
                return created
            }
            var (deployment, action) = try spec.applied(to: current)
            try Self.save(&deployment, at: now, by: by, db)
            try Self.record(action, deployment, at: now, by: by, reason: nil, db)
            return deployment
        }
    }

    public func promote(deployment name: String, by: String) throws -> DeploymentRecord {
        try client.write { db in
            guard var deployment = try Self.load(name, db) else { throw StoreError.deploymentNotFound(name) }
            guard let candidate = deployment.candidateVersion else {
                throw StoreError.badDeployment("deployment '\(name)' has no candidate to promote; it serves \(deployment.model):\(deployment.stableVersion) alone (start one with `mlp deploy \(deployment.model):VERSION --name \(name) --canary PCT`)")
            }
            let now = Date().timeIntervalSince1970
            deployment.previousStableVersion = deployment.stableVersion
            deployment.stableVersion = candidate
            Self.dropCandidate(&deployment)
            try Self.save(&deployment, at: now, by: by, db)
            try Self.record(.promote, deployment, at: now, by: by, reason: nil, db)
            return deployment
        }
    }

    public func rollback(deployment name: String, by: String, reason: String?) throws -> DeploymentRecord {
        try client.write { db in
            guard var deployment = try Self.load(name, db) else { throw StoreError.deploymentNotFound(name) }
            let now = Date().timeIntervalSince1970
            if deployment.candidateVersion != nil {
                Self.dropCandidate(&deployment)
            } else if let previous = deployment.previousStableVersion {
                deployment.stableVersion = previous
                deployment.previousStableVersion = nil
            } else {
                throw StoreError.badDeployment("deployment '\(name)' has nothing to roll back: no candidate, and no earlier stable version to return to (it serves \(deployment.model):\(deployment.stableVersion))")
            }
            try Self.save(&deployment, at: now, by: by, db)
            try Self.record(.rollback, deployment, at: now, by: by, reason: reason, db)
            return deployment
        }
    }

    public func autoRollback(deployment name: String, generation: Int64, by: String, reason: String) throws -> DeploymentRecord? {
        try client.write { db in
            guard var deployment = try Self.load(name, db) else { throw StoreError.deploymentNotFound(name) }
            guard deployment.generation == generation, deployment.candidateVersion != nil else { return nil }
            let now = Date().timeIntervalSince1970
            Self.dropCandidate(&deployment)
            try Self.save(&deployment, at: now, by: by, db)
            try Self.record(.autoRollback, deployment, at: now, by: by, reason: reason, db)
            return deployment
        }
    }

    public func deploymentEvents(name: String) throws -> [DeploymentEventRecord] {
        try client.read { db in try db.fetchAll(DeploymentEventRecord.self, "SELECT * FROM deployment_events WHERE name = $1 ORDER BY id", name) }
    }

    public func recordRequestLog(_ log: RequestLogRecord, artifact: ArtifactRecord) throws -> RequestLogRecord {
        guard log.digest == artifact.digest else {
            throw StoreError.badDeployment("request log of '\(log.deployment)' names artifact \(log.digest.prefix(16)) but stores \(artifact.digest.prefix(16))")
        }
        return try client.write { db in
            try db.insert(artifact, into: "artifacts", onConflictDoNothing: true)
            var log = log
            log.id = try db.insert(log, into: "request_logs", returningID: true)
            return log
        }
    }

    public func requestLogs(deployment: String) throws -> [RequestLogRecord] {
        try client.read { db in try db.fetchAll(RequestLogRecord.self, "SELECT * FROM request_logs WHERE deployment = $1 ORDER BY id", deployment) }
    }

    public func pruneRequestLogs(deployment: String, keepingBytes: Int64) throws -> [String] {
        try client.write { db in
            let segments = try db.rows("""
                SELECT l.id, l.digest, a.size FROM request_logs l JOIN artifacts a ON a.digest = l.digest
                WHERE l.deployment = $1 ORDER BY l.id DESC
                """, deployment)
            var kept: Int64 = 0
            var dropped: [(id: Int64, digest: String)] = []
            for (position, row) in segments.enumerated() {
                let size = try row["size"].decode(Int64.self)
                if position == 0 || kept + size <= keepingBytes, dropped.isEmpty {
                    kept += size
                } else {
                    dropped.append((try row["id"].decode(Int64.self), try row["digest"].decode(String.self)))
                }
            }
            var unreferenced: [String] = []
            for segment in dropped {
                try db.execute("DELETE FROM request_logs WHERE id = $1", segment.id)
            }
            for digest in Set(dropped.map(\.digest)).sorted() {
                let references = try db.scalar(Int64.self, """
                    SELECT (SELECT COUNT(*) FROM request_logs WHERE digest = $1) + (SELECT COUNT(*) FROM lineage WHERE digest = $1)
                         + (SELECT COUNT(*) FROM model_versions WHERE digest = $1)
                    """, digest) ?? 1
                if references == 0 {
                    try db.execute("DELETE FROM artifacts WHERE digest = $1", digest)
                    unreferenced.append(digest)
                }
            }
            return unreferenced
        }
    }

    /// Every artifact digest the store refers to (what `mlp gc` keeps), as SQLiteStore's.
    public func referencedArtifactDigests() throws -> Set<String> {
        try client.read { db in
            Set(try db.rows("""
                SELECT digest FROM artifacts UNION SELECT digest FROM lineage UNION SELECT digest FROM model_versions
                UNION SELECT digest FROM request_logs
                """).map { try $0[0].decode(String.self) })
        }
    }

    private static func dropCandidate(_ deployment: inout DeploymentRecord) {
        deployment.candidateVersion = nil
        deployment.mode = .direct
        deployment.canaryPercent = 0
        deployment.stickyHeader = nil
    }

    private static func save(_ deployment: inout DeploymentRecord, at now: Double, by: String, _ db: PGSession) throws {
        deployment.generation += 1
        deployment.updatedAt = now
        deployment.updatedBy = by
        try db.update(deployment, in: "deployments", key: ["name"])
    }

    private static func record(_ action: DeploymentEventRecord.Action, _ deployment: DeploymentRecord, at now: Double, by: String,
                               reason: String?, _ db: PGSession) throws {
        let event = DeploymentEventRecord(name: deployment.name, action: action, stableVersion: deployment.stableVersion,
                                          candidateVersion: deployment.candidateVersion, generation: deployment.generation,
                                          at: now, by: by, reason: reason)
        try db.insert(event, into: "deployment_events")
    }
}
