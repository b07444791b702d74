/// What a server is started with. ``buildServeApplication(_:models:metrics:onServerRunning:)``
/// takes it as a protocol so tests build the server with their own values.
public protocol ServeArguments: Sendable {
    /// The address to listen on (`127.0.0.1`, `0.0.0.0`).
    var host: String { get }
    /// The port (0: any free port; the chosen one is passed to `onServerRunning`).
    var port: Int { get }
    /// When set, every endpoint but `/v2/health/*` needs `Authorization: Bearer <token>`.
    var token: String? { get }
    /// The largest request body accepted, in bytes (a larger one is answered with 413).
    var maxBodyBytes: Int { get }
    /// The version reported by `GET /v2`.
    var serverVersion: String { get }
    /// The connection cap and timeouts.
    var connectionLimits: ConnectionLimits { get }
}

extension ServeArguments {
    /// The defaults (``ConnectionLimits/init(maxConnections:idleTimeout:requestReadTimeout:shutdownGrace:)``).
    public var connectionLimits: ConnectionLimits { ConnectionLimits() }
}

/// Plain ``ServeArguments`` values.
public struct ServeSettings: ServeArguments {
    /// The address to listen on.
    public var host: String
    /// The port (0: any free port).
    public var port: Int
    /// The bearer token, if any.
    public var token: String?
    /// The largest request body accepted, in bytes.
    public var maxBodyBytes: Int
    /// The version reported by `GET /v2`.
    public var serverVersion: String
    /// The connection cap and timeouts.
    public var connectionLimits: ConnectionLimits

    /// Settings; the defaults listen on loopback port 8080 with a 16 MiB body limit, no token and
    /// the default ``ConnectionLimits``.
    public init(host: String = "127.0.0.1", port: Int = 8080, token: String? = nil, maxBodyBytes: Int = 16 << 20, serverVersion: String = "0.1.0",
                connectionLimits: ConnectionLimits = ConnectionLimits()) {
        self.connectionLimits = connectionLimits
        self.host = host
        self.port = port
        self.token = token
        self.maxBodyBytes = maxBodyBytes
        self.serverVersion = serverVersion
    }
}
