import NIOPosix

/// Runs the stores' synchronous calls on threads of its own, so a slow query (or a PostgreSQL
/// round trip) never holds one of NIO's event-loop threads or Swift concurrency's cooperative pool.
public final class StoreExecutor: Sendable {
    private let pool: NIOThreadPool

    /// - Parameter threads: how many store calls run at once.
    public init(threads: Int = 16) {
        pool = NIOThreadPool(numberOfThreads: max(1, threads))
        pool.start()
    }

    /// Runs `body` on one of the executor's threads and returns what it returned or threw.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await pool.runIfActive(body)
    }

    /// Stops the threads once the calls queued have run.
    public func shutdown() async {
        try? await pool.shutdownGracefully()
    }
}
