/// A request to put a model version behind a deployment.
public struct DeploymentRequest: Codable, Sendable {
    /// The deployment's name (what clients address).
    public var name: String
    /// The model reference (`name@alias`, `name:version`, or an artifact digest).
    public var model: String
    /// The deployer's own settings (`traffic`, `shadow`, thresholds…).
    public var settings: [String: JSONValue]

    public init(name: String, model: String, settings: [String: JSONValue]) {
        self.name = name
        self.model = model
        self.settings = settings
    }
}

/// Where a deployment stands.
public struct DeploymentStatus: Codable, Sendable {
    public var phase: String
    public var message: String
    public init(phase: String, message: String) {
        self.phase = phase
        self.message = message
    }
}

/// Moves traffic between model versions (canary, shadow, blue/green). Same create / get / delete
/// shape as ``TaskExecutor``; ``remove(_:)`` is idempotent.
public protocol Deployer: Sendable {
    var descriptor: StepKindDescriptor { get }
    func deploy(_ request: DeploymentRequest) async throws -> TaskHandle
    func status(of handle: TaskHandle) async throws -> DeploymentStatus
    func remove(_ handle: TaskHandle) async throws
}
