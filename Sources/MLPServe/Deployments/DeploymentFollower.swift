import Foundation
import Logging
import MLPCore
import MLPStore
import ServiceLifecycle

/// Keeps a server's deployments as the metadata store says they are: at start it builds a
/// ``DeploymentEndpoint`` for each deployment named, then it polls the store and, when a
/// deployment's generation changes (`mlp deploy`, `promote`, `rollback`, a pipeline's
/// `deploy/canary` step, another server's automatic rollback), loads any version it does not
/// hold yet — off the request path — and swaps the route atomically. The router's automatic
/// rollback is written back to the store, so the change is kept and a restarted server comes
/// back as it was.
public final class DeploymentFollower: Service, @unchecked Sendable {
    /// Loads one model version (`name` is the deployment's, `version` the registry's) from `path`.
    public typealias Loader = @Sendable (_ name: String, _ version: String, _ path: String) throws -> any ModelEndpoint

    private let store: any MetadataStore
    private let artifacts: ArtifactStore
    private let load: Loader
    private let metrics: ServeMetrics
    private let interval: Duration
    private let logger: Logger
    private let lock = NSLock()
    private var followed: [String: Followed] = [:]
    private var reportedGone: Set<String> = []   // guarded by lock; said once, not every poll

    /// What is held for one deployment: its router, the generation applied, and the versions loaded.
    private struct Followed {
        let endpoint: DeploymentEndpoint
        var generation: Int64
        var loaded: [Int: any ModelEndpoint]
    }

    /// A follower for the deployments in `store`, loading versions from `artifacts` with `load`,
    /// polling every `interval`.
    public init(store: any MetadataStore, artifacts: ArtifactStore, metrics: ServeMetrics, interval: Duration = .milliseconds(500),
                logger: Logger = Logger(label: "mlp.serve.deployments"), load: @escaping Loader) {
        self.store = store
        self.artifacts = artifacts
        self.load = load
        self.metrics = metrics
        self.interval = interval
        self.logger = logger
    }

    /// Loads the deployments named and returns their routers (add them to the ``ModelRepository``).
    ///
    /// - Throws: ``ModelServingError`` naming a deployment that does not exist or a version that cannot be loaded.
    public func start(_ names: [String]) throws -> [DeploymentEndpoint] {
        try names.map { name in
            guard let record = try store.deployment(name: name) else {
                let known = (try? store.deployments().map(\.name)) ?? []
                throw ModelServingError("no deployment is named '\(name)' (deployments: \(known.isEmpty ? "none; create one with mlp deploy" : known.joined(separator: ", ")))")
            }
            var loaded: [Int: any ModelEndpoint] = [:]
            let plan = try self.plan(for: record, loaded: &loaded)
            let endpoint = DeploymentEndpoint(name: name, plan: plan, metrics: metrics, onAutoRollback: { [weak self] verdict in
                // Called on the request that tipped the window: the store write happens off it.
                Task.detached { self?.rolledBack(verdict) }
            })
            lock.withLock { followed[name] = Followed(endpoint: endpoint, generation: record.generation, loaded: loaded) }
            return endpoint
        }
    }

    /// Polls the store until the server shuts down gracefully.
    public func run() async throws {
        await cancelWhenGracefulShutdown {
            while !Task.isCancelled {
                try? await Task.sleep(for: self.interval)
                if Task.isCancelled { break }
                self.refresh()
            }
        }
    }

    /// Applies every deployment whose generation changed since it was last applied. A version that
    /// cannot be loaded leaves the deployment as it was (and is logged); the next poll tries again.
    public func refresh() {
        let held = lock.withLock { followed.mapValues { ($0.generation, $0.loaded) } }
        for (name, (generation, loaded)) in held {
            do {
                guard let record = try store.deployment(name: name) else {
                    if lock.withLock({ reportedGone.insert(name).inserted }) {
                        logger.error("deployment \(name) is gone from the store; it keeps serving as it was")
                    }
                    continue
                }
                lock.withLock { _ = reportedGone.remove(name) }
                guard record.generation != generation else { continue }
                var versions = loaded
                let plan = try self.plan(for: record, loaded: &versions)
                lock.withLock {
                    guard var entry = followed[name], entry.generation == generation else { return }
                    entry.endpoint.apply(plan)
                    entry.generation = record.generation
                    // Keep only the versions the route uses; requests still running on a dropped one hold it until they finish.
                    let used = Set([record.stableVersion] + (record.candidateVersion.map { [$0] } ?? []))
                    entry.loaded = versions.filter { used.contains($0.key) }
                    followed[name] = entry
                }
                logger.info("deployment \(name) generation \(record.generation): \(Self.describe(record))")
            } catch {
                logger.error("deployment \(name): cannot apply the store's change: \(error)")
            }
        }
    }

    /// The route a record asks for, loading versions not in `loaded`.
    private func plan(for record: DeploymentRecord, loaded: inout [Int: any ModelEndpoint]) throws -> RoutePlan {
        func endpoint(_ version: Int) throws -> any ModelEndpoint {
            if let held = loaded[version] { return held }
            let registered = try store.resolveModel("\(record.model):\(version)")
            let path = try artifacts.path(for: ArtifactRef(digest: registered.digest, type: registered.type, size: 0))
            let made = try load(record.name, String(version), path)
            loaded[version] = made
            return made
        }
        let stable = try endpoint(record.stableVersion)
        let candidate = try record.candidateVersion.map(endpoint)
        let mode: RoutePlan.Mode
        switch (record.mode, candidate) {
        case (.canary, .some): mode = .canary(percent: record.canaryPercent, stickyHeader: record.stickyHeader)
        case (.shadow, .some): mode = .shadow
        default: mode = .direct
        }
        let policy: RollbackPolicy? = record.maxErrorRate == nil && record.maxP99Ms == nil ? nil
            : RollbackPolicy(maxErrorRate: record.maxErrorRate, maxP99Seconds: record.maxP99Ms.map { $0 / 1000 }, minRequests: record.minRequests)
        return RoutePlan(stable: stable, candidate: mode == .direct ? nil : candidate, mode: mode, rollback: policy, generation: record.generation)
    }

    /// Writes the router's automatic rollback to the store (a no-op there when the deployment has moved on).
    private func rolledBack(_ verdict: AutoRollback) {
        logger.warning("deployment \(verdict.deployment): candidate version \(verdict.candidateVersion) rolled back: \(verdict.reason)")
        do {
            _ = try store.autoRollback(deployment: verdict.deployment, generation: verdict.generation, by: "mlp serve", reason: verdict.reason)
        } catch {
            logger.error("deployment \(verdict.deployment): the automatic rollback is in effect here but could not be stored: \(error)")
        }
    }

    private static func describe(_ record: DeploymentRecord) -> String {
        switch (record.mode, record.candidateVersion) {
        case (.canary, let candidate?): return "stable \(record.stableVersion), canary \(candidate) at \(record.canaryPercent)%"
        case (.shadow, let candidate?): return "stable \(record.stableVersion), shadow \(candidate)"
        default: return "version \(record.stableVersion) alone"
        }
    }
}
