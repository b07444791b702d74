/// A request to fit a model.
public struct TrainingRequest: Sendable {
    /// The resolved `with:` block; artifact inputs are given as paths in ``inputPaths``.
    public var config: [String: PortValue]
    public var inputPaths: [String: String]
    /// Where to write the model.
    public var modelDestination: String
    public var seed: UInt64
    /// Records one point of a metric series (name, value, iteration) while training runs.
    public var logMetric: @Sendable (String, Double, Int) -> Void

    public init(config: [String: PortValue], inputPaths: [String: String], modelDestination: String, seed: UInt64,
                logMetric: @escaping @Sendable (String, Double, Int) -> Void) {
        self.config = config
        self.inputPaths = inputPaths
        self.modelDestination = modelDestination
        self.seed = seed
        self.logMetric = logMetric
    }
}

/// What training produced besides the model file.
public struct TrainingResult: Sendable {
    public var metrics: [String: Double]
    public init(metrics: [String: Double]) { self.metrics = metrics }
}

/// Fits a model on a dataset. Deterministic for a given seed.
public protocol Trainer: Sendable {
    var descriptor: StepKindDescriptor { get }
    func train(_ request: TrainingRequest) async throws -> TrainingResult
}
