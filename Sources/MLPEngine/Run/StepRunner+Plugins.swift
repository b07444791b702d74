import Foundation
import MLPCore
import MLPStore

/// A step that ran past its `timeout:`.
struct StepTimedOut: Error {}

/// Metric points a trainer logs while it runs.
final class MetricCollector: @unchecked Sendable {
    private let lock = NSLock()
    private var points: [(String, Double, Int)] = []

    func add(_ key: String, _ value: Double, _ iteration: Int) {
        lock.lock()
        points.append((key, value, iteration))
        lock.unlock()
    }

    var all: [(String, Double, Int)] {
        lock.lock()
        defer { lock.unlock() }
        return points
    }
}

/// Running connectors and trainers: plugins called inside mlp rather than in a process.
extension StepRunner {
    /// Runs `body`, throwing ``StepTimedOut`` when `timeout` passes first. In-process plugins stop
    /// by cooperating with cancellation (`Task.checkCancellation()` in their loops).
    func withTimeout<T: Sendable>(_ timeout: TimeSpan?, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        guard let timeout else { return try await body() }
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(timeout.seconds * 1e9))
                return nil
            }
            defer { group.cancelAll() }
            guard let first = try await group.next(), let value = first else { throw StepTimedOut() }
            return value
        }
    }

    func failure(_ error: Error, _ job: UnitJob) -> AttemptOutcome {
        if error is StepTimedOut { return .failed(message: "timed out after \(job.spec.timeout!)", exitCode: nil, timedOut: true) }
        if error is CancellationError || Task.isCancelled { return .cancelled }
        return .failed(message: "\(error)", exitCode: nil, timedOut: false)
    }

    func runConnector(_ job: UnitJob, _ connector: any DataConnector, directory: String) async -> AttemptOutcome {
        let destination = "\(directory)/outputs/data"
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/outputs", withIntermediateDirectories: true)
            let request = ConnectorRequest(config: job.config, projectDirectory: project.root, destination: destination)
            let result = try await withTimeout(job.spec.timeout) { try await connector.read(request) }
            var outputs: [String: PortValue] = [:]
            var stored: [ArtifactRecord] = []
            for (name, type) in job.outputTypes {
                switch name {
                case "data":
                    guard FileManager.default.fileExists(atPath: destination) else {
                        return .failed(message: "connector \(job.spec.uses) wrote no data", exitCode: nil, timedOut: false)
                    }
                    let ref = try artifacts.ingest(file: destination, as: type)
                    outputs[name] = .artifact(ref)
                    stored.append(ArtifactRecord(digest: ref.digest, type: ref.type, size: ref.size, createdAt: now()))
                case "rows":
                    guard let rows = result.rows else { return .failed(message: "connector \(job.spec.uses) did not count its rows", exitCode: nil, timedOut: false) }
                    outputs[name] = .int(rows)
                case "schema":
                    outputs[name] = .json(result.schema ?? .null)
                default:
                    return .failed(message: "connector \(job.spec.uses) declares an output '\(name)' mlp cannot fill", exitCode: nil, timedOut: false)
                }
            }
            return .succeeded(outputs: outputs, artifacts: stored, metrics: [], exitCode: nil)
        } catch {
            return failure(error, job)
        }
    }

    func runTrainer(_ job: UnitJob, _ trainer: any Trainer, directory: String) async -> AttemptOutcome {
        let destination = "\(directory)/outputs/model"
        do {
            try FileManager.default.createDirectory(atPath: "\(directory)/outputs", withIntermediateDirectories: true)
            // Every input artifact is verified against its digest before the trainer may read it.
            let verified = try verifiedInputPaths(job.config)
            var inputPaths: [String: String] = [:]
            for (name, value) in job.config {
                if case .artifact(let ref) = value { inputPaths[name] = verified[ref.digest] }
            }
            var seed: UInt64 = 0
            if case .int(let given) = job.config["seed"] { seed = UInt64(truncatingIfNeeded: given) }
            let collector = MetricCollector()
            let request = TrainingRequest(config: job.config, inputPaths: inputPaths, modelDestination: destination, seed: seed,
                                          logMetric: { collector.add($0, $1, $2) })
            let result = try await withTimeout(job.spec.timeout) { try await trainer.train(request) }
            let stamp = now()
            var metrics = collector.all.map {
                MetricRecord(runID: job.record.runID, stepID: job.record.id, key: $0.0, value: $0.1, iteration: $0.2, createdAt: stamp)
            }
            metrics += result.metrics.sorted { $0.key < $1.key }.map {
                MetricRecord(runID: job.record.runID, stepID: job.record.id, key: $0.key, value: $0.value, iteration: nil, createdAt: stamp)
            }
            var outputs: [String: PortValue] = [:]
            var stored: [ArtifactRecord] = []
            for (name, type) in job.outputTypes {
                switch name {
                case "model":
                    var isFolder: ObjCBool = false
                    guard FileManager.default.fileExists(atPath: destination, isDirectory: &isFolder) else {
                        return .failed(message: "trainer \(job.spec.uses) wrote no model", exitCode: nil, timedOut: false)
                    }
                    // mlp's trainers write a folder (model.json + model.safetensors); a plugin may write one file.
                    let ref = isFolder.boolValue ? try artifacts.ingest(directory: destination, as: type) : try artifacts.ingest(file: destination, as: type)
                    outputs[name] = .artifact(ref)
                    stored.append(ArtifactRecord(digest: ref.digest, type: ref.type, size: ref.size, createdAt: stamp))
                case "metrics":
                    outputs[name] = .json(.object(result.metrics.mapValues { .number($0) }))
                default:
                    return .failed(message: "trainer \(job.spec.uses) declares an output '\(name)' mlp cannot fill", exitCode: nil, timedOut: false)
                }
            }
            return .succeeded(outputs: outputs, artifacts: stored, metrics: metrics, exitCode: nil)
        } catch {
            return failure(error, job)
        }
    }
}
