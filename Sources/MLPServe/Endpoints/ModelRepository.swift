/// The models a server answers for: endpoints by name and version, and which endpoint answers a
/// request that names no version (the place a deployment router will be put).
public struct ModelRepository: Sendable {
    private var versions: [String: [String: any ModelEndpoint]] = [:]
    private var defaults: [String: any ModelEndpoint] = [:]
    private var order: [String: [String]] = [:]

    /// An empty repository.
    public init() {}

    /// Adds a model version; it becomes the name's default when `makeDefault` or when it is the
    /// name's first version.
    ///
    /// - Throws: ``ModelServingError`` when that name and version is already there.
    public mutating func add(_ endpoint: any ModelEndpoint, makeDefault: Bool = false) throws {
        guard versions[endpoint.name]?[endpoint.version] == nil else {
            throw ModelServingError("model '\(endpoint.name)' version \(endpoint.version) is given twice; serve each version once")
        }
        versions[endpoint.name, default: [:]][endpoint.version] = endpoint
        order[endpoint.name, default: []].append(endpoint.version)
        if makeDefault || defaults[endpoint.name] == nil { defaults[endpoint.name] = endpoint }
    }

    /// Makes `endpoint` answer the requests to `name` that give no version.
    public mutating func setDefault(_ endpoint: any ModelEndpoint, for name: String) {
        defaults[name] = endpoint
    }

    /// The model names, sorted.
    public var names: [String] { versions.keys.sorted() }

    /// The versions served under `name`, in the order they were added.
    public func versions(of name: String) -> [String] { order[name] ?? [] }

    /// The endpoint for `name` and `version` (the default when `version` is nil).
    ///
    /// - Throws: ``ServeError`` (404) naming what is served instead.
    public func endpoint(_ name: String, version: String?) throws -> any ModelEndpoint {
        guard let byVersion = versions[name] else {
            let served = names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", ")
            throw ServeError.notFound("no model '\(name)' is served (models: \(served))")
        }
        guard let version else { return defaults[name]! }
        guard let endpoint = byVersion[version] else {
            throw ServeError.notFound("model '\(name)' has no version '\(version)' here (versions: \(versions(of: name).joined(separator: ", ")))")
        }
        return endpoint
    }

    /// Every endpoint, by name then in the order added.
    public var allEndpoints: [any ModelEndpoint] {
        names.flatMap { name in versions(of: name).compactMap { versions[name]?[$0] } }
    }
}
