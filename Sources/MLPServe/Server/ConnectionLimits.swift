/// How many connections the server holds open and how long it lets each one wait, so that idle,
/// slow or half-finished clients cannot use up its file descriptors or hold up its shutdown.
///
/// - A connection waiting for its next request's head (from when it opened, or from its last
///   answer) is closed after ``idleTimeout``: a client that sends a head a byte at a time gets no
///   more time than one that sends nothing.
/// - A request's body must arrive within ``requestReadTimeout`` of its head; otherwise it is
///   answered `408` (or the connection closed, if the router was reading it).
/// - Once shutdown begins (SIGTERM, SIGINT), a request still being read gets ``shutdownGrace``
///   more, then is answered `503` and its connection closed. Requests already read are answered.
/// - At most ``maxConnections`` connections are open at once; further clients wait in the
///   listener's backlog until one closes (Hummingbird's `MaximumAvailableConnections`).
public struct ConnectionLimits: Sendable, Equatable {
    /// The most connections open at once.
    public var maxConnections: Int
    /// How long a connection may wait for a request's head before it is closed.
    public var idleTimeout: Duration
    /// How long a request's body may take to arrive, from its head.
    public var requestReadTimeout: Duration
    /// How long a request being read may still take once shutdown has begun.
    public var shutdownGrace: Duration

    /// The defaults: 512 connections, 60 s idle, 30 s to read a body, 5 s of grace at shutdown.
    public init(maxConnections: Int = 512, idleTimeout: Duration = .seconds(60), requestReadTimeout: Duration = .seconds(30),
                shutdownGrace: Duration = .seconds(5)) {
        self.maxConnections = maxConnections
        self.idleTimeout = idleTimeout
        self.requestReadTimeout = requestReadTimeout
        self.shutdownGrace = shutdownGrace
    }
}
