import Foundation
import GRDB
import MLPCore

extension SQLiteStore {
    public func deployments() throws -> [DeploymentRecord] {
        try pool.read { db in try DeploymentRecord.order(Column("name")).fetchAll(db) }
    }

    public func deployment(name: String) throws -> DeploymentRecord? {
        try pool.read { db in try DeploymentRecord.fetchOne(db, key: name) }
    }

    public func deploy(_ spec: DeploymentSpec, by: String) throws -> DeploymentRecord {
        if let problem = spec.problem { throw StoreError.badDeployment("deployment '\(spec.name)': \(problem)") }
        return try write { db in
            guard try ModelVersionRecord.filter(Column("name") == spec.model && Column("version") == spec.version).fetchCount(db) == 1 else {
                throw StoreError.modelNotFound("\(spec.model):\(spec.version)")
            }
            let now = Date().timeIntervalSince1970
            guard let current = try DeploymentRecord.fetchOne(db, key: spec.name) else {
                let created = try spec.newDeployment(at: now, by: by)
                try created.insert(db)
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
        try write { db in
            guard var deployment = try DeploymentRecord.fetchOne(db, key: name) else { throw StoreError.deploymentNotFound(name) }
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
        try write { db in
            guard var deployment = try DeploymentRecord.fetchOne(db, key: name) else { throw StoreError.deploymentNotFound(name) }
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
        try write { db in
            guard var deployment = try DeploymentRecord.fetchOne(db, key: name) else { throw StoreError.deploymentNotFound(name) }
            guard deployment.generation == generation, deployment.candidateVersion != nil else { return nil }
            let now = Date().timeIntervalSince1970
            Self.dropCandidate(&deployment)
            try Self.save(&deployment, at: now, by: by, db)
            try Self.record(.autoRollback, deployment, at: now, by: by, reason: reason, db)
            return deployment
        }
    }

    public func deploymentEvents(name: String) throws -> [DeploymentEventRecord] {
        try pool.read { db in try DeploymentEventRecord.filter(Column("name") == name).order(Column("id")).fetchAll(db) }
    }

    public func recordRequestLog(_ log: RequestLogRecord, artifact: ArtifactRecord) throws -> RequestLogRecord {
        guard log.digest == artifact.digest else {
            throw StoreError.badDeployment("request log of '\(log.deployment)' names artifact \(log.digest.prefix(16)) but stores \(artifact.digest.prefix(16))")
        }
        return try write { db in
            try artifact.insert(db, onConflict: .ignore)
            var log = log
            try log.insert(db)
            return log
        }
    }

    public func requestLogs(deployment: String) throws -> [RequestLogRecord] {
        try pool.read { db in try RequestLogRecord.filter(Column("deployment") == deployment).order(Column("id")).fetchAll(db) }
    }

    public func pruneRequestLogs(deployment: String, keepingBytes: Int64) throws -> [String] {
        try write { db in
            let segments = try Row.fetchAll(db, sql: """
                SELECT l.id, l.digest, a.size FROM request_logs l JOIN artifacts a ON a.digest = l.digest
                WHERE l.deployment = ? ORDER BY l.id DESC
                """, arguments: [deployment])
            var kept: Int64 = 0
            var dropped: [(id: Int64, digest: String)] = []
            for (position, row) in segments.enumerated() {
                let size: Int64 = row["size"]
                if position == 0 || kept + size <= keepingBytes, dropped.isEmpty {
                    kept += size
                } else {
                    dropped.append((row["id"], row["digest"]))
                }
            }
            var unreferenced: [String] = []
            for segment in dropped {
                try db.execute(sql: "DELETE FROM request_logs WHERE id = ?", arguments: [segment.id])
            }
            for digest in Set(dropped.map(\.digest)).sorted() {
                let references = try Int.fetchOne(db, sql: """
                    SELECT (SELECT COUNT(*) FROM request_logs WHERE digest = ?1) + (SELECT COUNT(*) FROM lineage WHERE digest = ?1)
                         + (SELECT COUNT(*) FROM model_versions WHERE digest = ?1)
                    """, arguments: [digest]) ?? 1
                if references == 0 {
                    try db.execute(sql: "DELETE FROM artifacts WHERE digest = ?", arguments: [digest])
                    unreferenced.append(digest)
                }
            }
            return unreferenced
        }
    }

    private static func dropCandidate(_ deployment: inout DeploymentRecord) {
        deployment.candidateVersion = nil
        deployment.mode = .direct
        deployment.canaryPercent = 0
        deployment.stickyHeader = nil
    }

    private static func save(_ deployment: inout DeploymentRecord, at now: Double, by: String, _ db: Database) throws {
        deployment.generation += 1
        deployment.updatedAt = now
        deployment.updatedBy = by
        try deployment.update(db)
    }

    private static func record(_ action: DeploymentEventRecord.Action, _ deployment: DeploymentRecord, at now: Double, by: String,
                               reason: String?, _ db: Database) throws {
        var event = DeploymentEventRecord(name: deployment.name, action: action, stableVersion: deployment.stableVersion,
                                          candidateVersion: deployment.candidateVersion, generation: deployment.generation,
                                          at: now, by: by, reason: reason)
        try event.insert(db)
    }
}
