import Foundation
import MLPStore
import NIOConcurrencyHelpers

/// The stores a server answers from: its own (tokens, audit, projects) and one metadata store per
/// project, each opened once and kept; every store call runs on ``executor``.
public final class ServerStores: Sendable {
    public let server: any ServerStore
    public let executor: StoreExecutor
    private let openProject: @Sendable (String) throws -> any MetadataStore
    private let open = NIOLockedValueBox<[String: any MetadataStore]>([:])
    private let known = NIOLockedValueBox<Set<String>>([])

    /// - Parameter openProject: opens (creating if needed) a project's store, as
    ///   ``StoreBackend/openProjectStore(_:)`` does.
    public init(server: any ServerStore, executor: StoreExecutor = StoreExecutor(),
                openProject: @escaping @Sendable (String) throws -> any MetadataStore) {
        self.server = server
        self.executor = executor
        self.openProject = openProject
    }

    /// Opens a backend's stores (`--db`).
    public convenience init(backend: StoreBackend, executor: StoreExecutor = StoreExecutor()) throws {
        let server = try backend.openServerStore()
        self.init(server: server, executor: executor) { try backend.openProjectStore($0) }
    }

    /// Runs a store call on the executor.
    public func call<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await executor.run(body)
    }

    /// The store of `project` for a request by `token`: 404 when the project does not exist or
    /// the token may not see it (the same answer, so a scoped token learns nothing), 400 for a
    /// name no project can have.
    public func project(_ project: String, for token: TokenRecord) async throws -> any MetadataStore {
        guard token.covers(project) else { throw APIError.projectNotFound(project) }
        do { try StoreAPI.validateProject(project) } catch { throw APIError.from(error) }
        if let store = open.withLockedValue({ $0[project] }) { return store }
        guard try await exists(project) else { throw APIError.projectNotFound(project) }
        return try await call { try self.opened(project) }
    }

    /// Whether a project exists (asking the server store when it is not known yet).
    func exists(_ project: String) async throws -> Bool {
        if known.withLockedValue({ $0.contains(project) }) { return true }
        let all = try await call { try self.server.projects() }
        known.withLockedValue { $0.formUnion(all) }
        return all.contains(project)
    }

    /// Creates a project (its namespace and store); false when it existed already.
    public func createProject(_ project: String) async throws -> Bool {
        do { try StoreAPI.validateProject(project) } catch { throw APIError.from(error) }
        let existed = try await exists(project)
        try await call {
            _ = try self.opened(project)
            try self.server.addProject(project)
        }
        known.withLockedValue { _ = $0.insert(project) }
        return !existed
    }

    /// The open store of a project, opening it once (on an executor thread).
    private func opened(_ project: String) throws -> any MetadataStore {
        if let store = open.withLockedValue({ $0[project] }) { return store }
        let store = try openProject(project)
        return open.withLockedValue { table in
            if let existing = table[project] { return existing }
            table[project] = store
            return store
        }
    }

    /// Projects the token may see, by name.
    public func projects(for token: TokenRecord) async throws -> [String] {
        let all = try await call { try self.server.projects() }
        known.withLockedValue { $0.formUnion(all) }
        return all.filter { token.covers($0) }.sorted()
    }
}
