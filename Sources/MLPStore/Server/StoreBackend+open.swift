import Foundation

extension StoreBackend {
    /// Opens the server's own store: `DIR/server.sqlite`, or the `mlp_server` schema of the
    /// PostgreSQL database. Creates what is missing. Nothing is cached here: the server keeps
    /// the stores it opens.
    public func openServerStore() throws -> any ServerStore {
        switch self {
        case .sqlite(let directory):
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            return try SQLiteServerStore(path: (directory as NSString).appendingPathComponent("server.sqlite"))
        case .postgres(let url):
            return try PostgresServerStore(url: url)
        }
    }

    /// Opens (creating if needed) the metadata store of one project: `DIR/projects/NAME.sqlite`,
    /// or the schema `p_NAME` of the PostgreSQL database.
    ///
    /// - Throws: ``StoreError/badProject(_:)`` for a name ``StoreAPI/validateProject(_:)`` refuses.
    public func openProjectStore(_ project: String) throws -> any MetadataStore {
        try StoreAPI.validateProject(project)
        switch self {
        case .sqlite(let directory):
            let folder = (directory as NSString).appendingPathComponent("projects")
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            return try SQLiteStore(path: (folder as NSString).appendingPathComponent("\(project).sqlite"))
        case .postgres(let url):
            return try PostgresStore(url: url, schema: "p_\(project)")
        }
    }
}
