import Foundation

/// The five kinds of extension.
public enum PluginKind: String, Codable, CaseIterable, Sendable {
    case executor, connector, trainer, backend, deployer
}

/// A registry key such as `executor/shell`.
public struct PluginKey: Hashable, Sendable, CustomStringConvertible {
    public var kind: PluginKind
    public var name: String
    public init(_ kind: PluginKind, _ name: String) {
        self.kind = kind
        self.name = name
    }
    public var description: String { "\(kind.rawValue)/\(name)" }
}

/// A second plugin registered under a key that is already taken.
public struct DuplicatePluginError: Error, CustomStringConvertible, Sendable {
    public let key: PluginKey
    public var description: String { "a plugin is already registered as '\(key)'; each key can have only one plugin" }
}

/// Every plugin the executable knows, keyed by kind and name. Registration happens once at start-up
/// (each plugin module exposes `register(into:)`); lookups may come from any thread.
public final class PluginRegistry: @unchecked Sendable {
    private let lock = NSLock()
    private var executors: [String: any TaskExecutor] = [:]
    private var connectors: [String: any DataConnector] = [:]
    private var trainers: [String: any Trainer] = [:]
    private var backends: [String: any InferenceBackend] = [:]
    private var deployers: [String: any Deployer] = [:]

    public init() {}

    /// Registers an executor under `executor/NAME`, where NAME is what steps write after `uses:`.
    public func register(executor: any TaskExecutor, as name: String? = nil) throws {
        try insert(executor, name ?? executor.descriptor.uses, kind: .executor, into: &executors)
    }

    /// Registers a connector; steps use it as `uses: connector/NAME`.
    public func register(connector: any DataConnector, as name: String) throws {
        try insert(connector, name, kind: .connector, into: &connectors)
    }

    /// Registers a trainer; steps use it as `uses: trainer/NAME`.
    public func register(trainer: any Trainer, as name: String) throws {
        try insert(trainer, name, kind: .trainer, into: &trainers)
    }

    /// Registers an inference backend under its ``InferenceBackend/name``.
    public func register(backend: any InferenceBackend) throws {
        try insert(backend, backend.name, kind: .backend, into: &backends)
    }

    /// Registers a deployer; steps use it as `uses: deploy/NAME`.
    public func register(deployer: any Deployer, as name: String) throws {
        try insert(deployer, name, kind: .deployer, into: &deployers)
    }

    private func insert<T>(_ plugin: T, _ name: String, kind: PluginKind, into table: inout [String: T]) throws {
        lock.lock()
        defer { lock.unlock() }
        guard table[name] == nil else { throw DuplicatePluginError(key: PluginKey(kind, name)) }
        table[name] = plugin
    }

    public func executor(named name: String) -> (any TaskExecutor)? { locked { executors[name] } }
    public func connector(named name: String) -> (any DataConnector)? { locked { connectors[name] } }
    public func trainer(named name: String) -> (any Trainer)? { locked { trainers[name] } }
    public func backend(named name: String) -> (any InferenceBackend)? { locked { backends[name] } }
    public func deployer(named name: String) -> (any Deployer)? { locked { deployers[name] } }

    /// Every registered key, sorted.
    public var keys: [PluginKey] {
        locked {
            let all = executors.keys.map { PluginKey(.executor, $0) } + connectors.keys.map { PluginKey(.connector, $0) }
                + trainers.keys.map { PluginKey(.trainer, $0) } + backends.keys.map { PluginKey(.backend, $0) }
                + deployers.keys.map { PluginKey(.deployer, $0) }
            return all.sorted { $0.description < $1.description }
        }
    }

    /// The descriptor of the step kind a `uses:` value names, if a plugin provides it.
    ///
    /// `connector/X`, `trainer/X` and `deploy/X` name those kinds; any other name is an executor.
    public func stepKind(uses: String) -> StepKindDescriptor? {
        let parts = uses.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            switch parts[0] {
            case "connector": return connector(named: parts[1])?.descriptor
            case "trainer": return trainer(named: parts[1])?.descriptor
            case "deploy": return deployer(named: parts[1])?.descriptor
            case "executor": return executor(named: parts[1])?.descriptor
            default: break
            }
        }
        return executor(named: uses)?.descriptor
    }

    private func locked<T>(_ body: () -> T) -> T {
        lock.lock()
        defer { lock.unlock() }
        return body()
    }
}
