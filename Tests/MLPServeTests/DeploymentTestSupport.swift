import Foundation
import Testing
@testable import MLPServe

/// A model version for testing the router (the component under test is the deployment, not a
/// model): it answers `score = answer(x)` for the one-element input `x`, names its version, counts
/// its calls, and can be told to fail, refuse, wait or hold its calls.
final class ScriptedVersion: ModelEndpoint, @unchecked Sendable {
    struct Broken: Error, CustomStringConvertible {
        let version: String
        var description: String { "version \(version) broke" }
    }

    let name: String
    let version: String
    private let answer: @Sendable (Double) -> Double
    private let fails: @Sendable (_ call: Int) -> Bool
    private let refuses: @Sendable (_ x: Double) -> Bool
    private let delay: Duration?
    private let lock = NSLock()
    private var calls = 0
    private var held = false

    init(name: String = "model", version: String, answer: @escaping @Sendable (Double) -> Double = { $0 },
         fails: @escaping @Sendable (Int) -> Bool = { _ in false }, refuses: @escaping @Sendable (Double) -> Bool = { _ in false },
         delay: Duration? = nil, held: Bool = false) {
        self.name = name
        self.version = version
        self.answer = answer
        self.fails = fails
        self.refuses = refuses
        self.delay = delay
        self.held = held
    }

    /// The calls so far.
    var callCount: Int { lock.withLock { calls } }

    /// Lets held calls go on.
    func release() { lock.withLock { held = false } }

    var metadata: ModelMetadata {
        ModelMetadata(name: name, versions: [version], platform: "test",
                      inputs: [TensorMetadata(name: "x", datatype: .fp64, shape: [1])],
                      outputs: [TensorMetadata(name: "score", datatype: .fp64, shape: [1])])
    }

    var isReady: Bool { true }

    func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        let call = lock.withLock { calls += 1; return calls - 1 }
        while lock.withLock({ held }) { try await Task.sleep(for: .milliseconds(1)) }
        if let delay { try await Task.sleep(for: delay) }
        guard let input = request.inputs.first, case .numbers(let values) = input.data, values.count == 1 else {
            throw ServeError.badRequest("send one FP64 input 'x' of one element")
        }
        if refuses(values[0]) { throw ServeError.badRequest("version \(version) takes no \(values[0])") }
        if fails(call) { throw Broken(version: version) }
        return InferenceResponse(modelName: name, modelVersion: version, id: request.id,
                                 outputs: [.init(name: "score", shape: [1], datatype: .fp64, data: .numbers([answer(values[0])]))])
    }
}

/// The one-element request `x`.
func scalarRequest(_ x: Double) -> InferenceRequest {
    InferenceRequest(inputs: [.init(name: "x", shape: [1], datatype: .fp64, data: .numbers([x]))])
}

/// The value of one series (`name{labels}`) in the exposition; nil when it is not there.
func metricValue(_ metrics: ServeMetrics, _ series: String) -> Double? {
    let text = String(decoding: metrics.exposition(), as: UTF8.self)
    for line in text.split(separator: "\n") where line.hasPrefix(series + " ") {
        return Double(line.dropFirst(series.count + 1))
    }
    return nil
}

/// Waits (up to 30 s, for a loaded 2-core machine) until the deployment's mirrored copies have all finished.
func waitForShadows(_ deployment: DeploymentEndpoint) async throws {
    let deadline = ContinuousClock.now + .seconds(30)
    while deployment.shadowCallsInFlight > 0, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(2)) }
    #expect(deployment.shadowCallsInFlight == 0, "mirrored copies still running after 30 s")
}

/// Collects values handed to a callback from any task.
final class Collected<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [Value] = []
    func append(_ value: Value) { lock.withLock { items.append(value) } }
    var values: [Value] { lock.withLock { items } }
}
