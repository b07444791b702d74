import Synchronization

/// Where a served model was loaded from, so the server can load it again (the V2 model
/// repository extension's `load`): a closure that re-reads the same path with the same settings.
/// Nothing a request names reaches it; the path is fixed when the server starts.
public struct ModelSource: Sendable {
    /// The file or folder the model was read from.
    public let path: String
    /// Loads the model from ``path`` again, as a fresh endpoint.
    public let load: @Sendable () throws -> any ModelEndpoint

    /// A source reading `path` with `load`.
    public init(path: String, load: @escaping @Sendable () throws -> any ModelEndpoint) {
        self.path = path
        self.load = load
    }
}

/// A model version that can be unloaded and loaded again while the server runs (the V2 model
/// repository extension). It answers through the endpoint loaded last; after ``unload()`` every
/// request gets a 503 naming the model, while the requests already in flight finish on the
/// endpoint they started on. ``load()`` re-reads the model from its ``ModelSource``; concurrent
/// loads share one (one load at a time, many waiters).
///
/// Until the first unload the inline fast path answers through the endpoint loaded at start with
/// one atomic read and no lock; after it, each request reads the current endpoint under a lock.
public final class ReloadableModelEndpoint: InlineModelEndpoint {
    /// Whether a model version is loaded, for the repository index.
    public enum State: String, Sendable { case ready = "READY", unavailable = "UNAVAILABLE", loading = "LOADING" }

    private struct Current {
        var endpoint: (any ModelEndpoint)?
        var reason: String
        var loading: Task<Void, any Error>?
        var metadata: ModelMetadata
    }

    /// The model name.
    public let name: String
    /// The version.
    public let version: String
    /// Where the model is loaded from.
    public let source: ModelSource
    /// The endpoint loaded when the server started (the one the request log's schema describes).
    public let initial: any ModelEndpoint
    private let initialInline: (any InlineModelEndpoint)?
    /// True until the first unload: the fast path then answers through ``initial`` without a lock.
    private let pristine = Atomic<Bool>(true)
    private let current: Mutex<Current>

    /// Wraps `endpoint`, loaded from `source`.
    public init(_ endpoint: any ModelEndpoint, source: ModelSource) {
        name = endpoint.name
        version = endpoint.version
        self.source = source
        initial = endpoint
        initialInline = endpoint.answeringInline
        current = Mutex(Current(endpoint: endpoint, reason: "", loading: nil, metadata: endpoint.metadata))
    }

    /// The loaded model's inputs and outputs (the last loaded, when unloaded now).
    public var metadata: ModelMetadata { current.withLock { $0.metadata } }

    /// Whether the model is loaded and its endpoint ready.
    public var isReady: Bool {
        get async {
            guard let endpoint = current.withLock({ $0.endpoint }) else { return false }
            return await endpoint.isReady
        }
    }

    /// READY, UNAVAILABLE or LOADING, and why when it is not ready.
    public var state: (state: State, reason: String) {
        current.withLock { current in
            if current.endpoint != nil { return (.ready, "") }
            return current.loading != nil ? (.loading, "loading from \(source.path)") : (.unavailable, current.reason)
        }
    }

    /// The endpoint answering now.
    ///
    /// - Throws: ``ServeError`` (503) naming the model when it is unloaded.
    private func answering() throws -> any ModelEndpoint {
        try current.withLock { current in
            guard let endpoint = current.endpoint else {
                throw ServeError(.serviceUnavailable, "model '\(name)' version \(version) is unloaded (\(current.reason)); "
                                 + "load it with POST /v2/repository/models/\(name)/load")
            }
            return endpoint
        }
    }

    /// Answers through the endpoint loaded now.
    ///
    /// - Throws: ``ServeError`` (503) when the model is unloaded, or the model's own errors.
    public func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        if pristine.load(ordering: .acquiring) { return try await initial.infer(request) }
        return try await answering().infer(request)
    }

    /// Whether the model answers inline (as the endpoint loaded at start did).
    public var answersInline: Bool { initialInline != nil }

    /// Answers on this thread through the endpoint loaded now.
    public func inferInline(_ request: InferenceRequest) throws -> InferenceResponse {
        if pristine.load(ordering: .acquiring), let initialInline { return try initialInline.inferInline(request) }
        guard let inline = try answering() as? any InlineModelEndpoint else {
            throw ServeError(.serviceUnavailable, "model '\(name)' version \(version) cannot answer inline now; retry")
        }
        return try inline.inferInline(request)
    }

    /// Makes the model unavailable: later requests get a 503; requests in flight finish.
    public func unload(reason: String = "unloaded by request") {
        current.withLock { current in
            current.endpoint = nil
            current.reason = reason
        }
        pristine.store(false, ordering: .releasing)
    }

    /// Loads the model again from its source (a loaded model is read again too) and makes it
    /// answer. A load already running is shared rather than started twice.
    ///
    /// - Throws: ``ModelServingError`` naming the model and the file when it cannot be loaded; the
    ///   model then stays unavailable with that reason.
    public func load() async throws {
        let task = current.withLock { current -> Task<Void, any Error> in
            if let running = current.loading { return running }
            let source = source
            let task = Task<Void, any Error> { [self] in
                do {
                    let endpoint = try source.load()
                    let metadata = endpoint.metadata
                    self.pristine.store(false, ordering: .releasing)
                    self.current.withLock { current in
                        current.endpoint = endpoint
                        current.metadata = metadata
                        current.reason = ""
                        current.loading = nil
                    }
                } catch {
                    self.current.withLock { current in
                        current.endpoint = nil
                        current.reason = "load failed: \(error)"
                        current.loading = nil
                    }
                    self.pristine.store(false, ordering: .releasing)
                    throw error
                }
            }
            current.loading = task
            return task
        }
        try await task.value
    }
}

/// An endpoint that may know where its model was read from.
public protocol SourcedModelEndpoint: ModelEndpoint {
    /// Where the model was read from; nil when it was built in memory.
    var source: ModelSource? { get }
}

extension BatchedModelEndpoint: SourcedModelEndpoint {}
