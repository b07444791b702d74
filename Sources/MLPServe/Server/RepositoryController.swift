import Foundation
import Hummingbird

/// The V2 model repository extension (KServe / Triton): `POST /v2/repository/index` lists every
/// model the server knows with its state, `POST /v2/repository/models/{name}/load` loads a model
/// again from where the server found it when it started, and `.../unload` makes it unavailable.
/// A request only names a model: no path or configuration in it reaches the loader.
struct RepositoryController<Context: RequestContext> {
    /// The extension's name in `GET /v2`'s `extensions`.
    static var extensionName: String { "model_repository" }

    let models: ModelRepository

    private struct IndexRequest: Decodable { var ready: Bool? }
    struct IndexEntry: Codable, Equatable { let name: String; let version: String; let state: String; let reason: String }
    private struct Empty: Encodable {}
    private struct ActionRequest: Decodable { var parameters: [String: JSONValue]? }
    /// Any JSON value: the parameters are only checked by name.
    private struct JSONValue: Decodable { init(from decoder: any Decoder) throws {} }

    func addRoutes(to group: RouterGroup<Context>) {
        group.post("v2/repository/index") { request, context in
            let ready = try await body(request, context, as: IndexRequest.self)?.ready ?? false
            return try JSONAnswer.encode(index(readyOnly: ready))
        }
        group.post("v2/repository/models/:name/load") { request, context in
            let name = try context.parameters.require("name")
            if let parameters = try await body(request, context, as: ActionRequest.self)?.parameters, !parameters.isEmpty {
                throw ServeError.badRequest("load takes no parameters (given: \(parameters.keys.sorted().joined(separator: ", "))): "
                                            + "model '\(name)' is loaded again from where the server found it at start; send {}")
            }
            for endpoint in try reloadable(name) {
                do { try await endpoint.load() } catch let error as ServeError { throw error } catch {
                    throw ServeError(.internalServerError, "model '\(name)' version \(endpoint.version) failed to load: \(error)")
                }
            }
            return try JSONAnswer.encode(Empty())
        }
        group.post("v2/repository/models/:name/unload") { request, context in
            let name = try context.parameters.require("name")
            let parameters = try await body(request, context, as: ActionRequest.self)?.parameters ?? [:]
            if let unknown = parameters.keys.sorted().first(where: { $0 != "unload_dependents" }) {
                throw ServeError.badRequest("unload has no parameter '\(unknown)' (known: unload_dependents)")
            }
            for endpoint in try reloadable(name) { endpoint.unload() }
            return try JSONAnswer.encode(Empty())
        }
    }

    /// Every model version and deployment, sorted by name, with its state.
    func index(readyOnly: Bool) -> [IndexEntry] {
        var entries: [IndexEntry] = []
        for name in models.names {
            if let deployment = models.deployment(name) {
                for version in deployment.versions { entries.append(IndexEntry(name: name, version: version, state: "READY", reason: "")) }
            }
            for version in models.versions(of: name) where !entries.contains(where: { $0.name == name && $0.version == version }) {
                guard let endpoint = try? models.endpoint(name, version: version) else { continue }
                if let reloadable = endpoint as? ReloadableModelEndpoint {
                    let (state, reason) = reloadable.state
                    entries.append(IndexEntry(name: name, version: version, state: state.rawValue, reason: reason))
                } else {
                    entries.append(IndexEntry(name: name, version: version, state: "READY", reason: ""))
                }
            }
        }
        return readyOnly ? entries.filter { $0.state == "READY" } : entries
    }

    /// The versions of `name` that can be loaded and unloaded.
    ///
    /// - Throws: ``ServeError`` 404 for an unknown name, 400 for a deployment or a model built in memory.
    private func reloadable(_ name: String) throws -> [ReloadableModelEndpoint] {
        _ = try models.endpoint(name, version: nil)
        if models.deployment(name) != nil {
            throw ServeError.badRequest("'\(name)' is a deployment: its versions follow the registry (mlp deploy), not load/unload")
        }
        let endpoints = models.reloadable(name)
        guard !endpoints.isEmpty else {
            throw ServeError.badRequest("model '\(name)' was not loaded from a file, so it cannot be unloaded or loaded again")
        }
        return endpoints
    }

    /// The request's JSON body as `T`; nil when it is empty.
    private func body<T: Decodable>(_ request: Request, _ context: Context, as type: T.Type) async throws -> T? {
        var request = request
        let bytes = try await request.collectBody(upTo: 64 * 1024)
        guard bytes.readableBytes > 0 else { return nil }
        do { return try JSONDecoder().decode(T.self, from: Data(buffer: bytes)) } catch {
            throw ServeError.badRequest("the body is not the JSON object this endpoint takes (\(error)); send {} or leave it empty")
        }
    }
}
