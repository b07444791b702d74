import GRDB

extension SQLiteStore {
    /// Every artifact digest the metadata store refers to: the artifacts runs recorded (step outputs
    /// and inputs, their lineage), registered model versions (which deployments point at) and
    /// request-log segments. `mlp gc` keeps these blobs (and the files of the folders among them).
    public func referencedArtifactDigests() throws -> Set<String> {
        try pool.read { db in
            let sql = """
                SELECT digest FROM artifacts UNION SELECT digest FROM lineage UNION SELECT digest FROM model_versions \
                UNION SELECT digest FROM request_logs
                """
            return Set(try String.fetchAll(db, sql: sql))
        }
    }
}
