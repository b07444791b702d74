/// The models a server answers for: endpoints by name and version, and which endpoint answers a
/// request that names no version. A name can instead be a deployment (``DeploymentEndpoint``):
/// it answers the requests that give no version, and its plan's stable and candidate versions
/// are reachable by version, next to any plain versions added under the same name.
public struct ModelRepository: Sendable {
    private var versions: [String: [String: any ModelEndpoint]] = [:]
    private var defaults: [String: any ModelEndpoint] = [:]
    private var order: [String: [String]] = [:]
    private var deployments: [String: DeploymentEndpoint] = [:]
    /// The endpoints that answer inline, by name and version, and the names' defaults that do:
    /// cast once here rather than per request.
    private var inlineVersions: [String: [String: any InlineModelEndpoint]] = [:]
    private var inlineDefaults: [String: any InlineModelEndpoint] = [:]

    /// An empty repository.
    public init() {}

    /// Adds a model version; it becomes the name's default when `makeDefault` or when it is the
    /// name's first version (a deployment of that name still answers requests without a version).
    ///
    /// - Throws: ``ModelServingError`` when that name and version is already there.
    /// An endpoint that knows where it was loaded from (``BatchedModelEndpoint/source``) is served
    /// as a ``ReloadableModelEndpoint``: the repository extension can unload and load it.
    public mutating func add(_ endpoint: any ModelEndpoint, makeDefault: Bool = false) throws {
        var endpoint = endpoint
        if let source = (endpoint as? any SourcedModelEndpoint)?.source { endpoint = ReloadableModelEndpoint(endpoint, source: source) }
        guard versions[endpoint.name]?[endpoint.version] == nil else {
            throw ModelServingError("model '\(endpoint.name)' version \(endpoint.version) is given twice; serve each version once")
        }
        versions[endpoint.name, default: [:]][endpoint.version] = endpoint
        order[endpoint.name, default: []].append(endpoint.version)
        if let inline = endpoint.answeringInline { inlineVersions[endpoint.name, default: [:]][endpoint.version] = inline }
        if makeDefault || defaults[endpoint.name] == nil { setDefault(endpoint, for: endpoint.name) }
    }

    /// Adds a deployment: it answers the requests to its name that give no version, and the
    /// versions its plan routes to (as they are when a request comes) answer by version.
    ///
    /// - Throws: ``ModelServingError`` when a deployment of that name is already there.
    public mutating func addDeployment(_ deployment: DeploymentEndpoint) throws {
        guard deployments[deployment.name] == nil else {
            throw ModelServingError("deployment '\(deployment.name)' is given twice; serve each deployment once")
        }
        deployments[deployment.name] = deployment
    }

    /// The deployment named `name`, if there is one.
    public func deployment(_ name: String) -> DeploymentEndpoint? { deployments[name] }

    /// Makes `endpoint` answer the requests to `name` that give no version (unless `name` is a
    /// deployment, which keeps answering them).
    public mutating func setDefault(_ endpoint: any ModelEndpoint, for name: String) {
        defaults[name] = endpoint
        inlineDefaults[name] = endpoint.answeringInline
    }

    /// The endpoint ``endpoint(_:version:)`` gives when it is a plain model version that answers
    /// inline; nil otherwise (a deployment, a batching model, nothing of that name).
    public func inlineEndpoint(_ name: String, version: String?) -> (any InlineModelEndpoint)? {
        guard let version else { return deployments[name] == nil ? inlineDefaults[name] : nil }
        if let routed = deployments[name]?.endpoint(forVersion: version) { return routed.answeringInline }
        return inlineVersions[name]?[version]
    }

    /// The model and deployment names, sorted.
    public var names: [String] { Set(versions.keys).union(deployments.keys).sorted() }

    /// The versions served under `name`: a deployment's current stable and candidate first, then
    /// plain versions in the order they were added.
    public func versions(of name: String) -> [String] {
        let routed = deployments[name]?.versions ?? []
        return routed + (order[name] ?? []).filter { !routed.contains($0) }
    }

    /// The endpoint for `name` and `version` (the default, or the deployment, when `version` is nil).
    ///
    /// - Throws: ``ServeError`` (404) naming what is served instead.
    public func endpoint(_ name: String, version: String?) throws -> any ModelEndpoint {
        let deployment = deployments[name]
        guard deployment != nil || versions[name] != nil else {
            let served = names.isEmpty ? "none" : names.map { "'\($0)'" }.joined(separator: ", ")
            throw ServeError.notFound("no model '\(name)' is served (models: \(served))")
        }
        guard let version else { return deployment ?? defaults[name]! }
        if let routed = deployment?.endpoint(forVersion: version) { return routed }
        guard let endpoint = versions[name]?[version] else {
            throw ServeError.notFound("model '\(name)' has no version '\(version)' here (versions: \(versions(of: name).joined(separator: ", ")))")
        }
        return endpoint
    }

    /// The plain model versions that can be unloaded and loaded again, by name, in the order added.
    public func reloadable(_ name: String) -> [ReloadableModelEndpoint] {
        (order[name] ?? []).compactMap { versions[name]?[$0] as? ReloadableModelEndpoint }
    }

    /// Every endpoint, by name: a deployment, then the plain versions in the order added.
    public var allEndpoints: [any ModelEndpoint] {
        names.flatMap { name -> [any ModelEndpoint] in
            let deployment: [any ModelEndpoint] = deployments[name].map { [$0] } ?? []
            return deployment + (order[name] ?? []).compactMap { versions[name]?[$0] }
        }
    }
}
