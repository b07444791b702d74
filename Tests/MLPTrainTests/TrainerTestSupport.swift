import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

/// Metric points a trainer logged, by key.
final class LoggedPoints: @unchecked Sendable {
    private let lock = NSLock()
    private var points: [(key: String, value: Double, step: Int)] = []

    func add(_ key: String, _ value: Double, _ step: Int) {
        lock.lock()
        points.append((key, value, step))
        lock.unlock()
    }

    func values(_ key: String) -> [Double] {
        lock.lock()
        defer { lock.unlock() }
        return points.filter { $0.key == key }.map(\.value)
    }
}

/// A training request over files written by the test.
func trainingRequest(_ config: [String: PortValue], data: String, holdout: String? = nil, model: String, seed: UInt64 = 0,
                     points: LoggedPoints = LoggedPoints()) -> TrainingRequest {
    var paths = ["data": data]
    if let holdout { paths["holdout"] = holdout }
    return TrainingRequest(config: config, inputPaths: paths, modelDestination: model, seed: seed, logMetric: { points.add($0, $1, $2) })
}

/// Writes `dataset` as an mlpds file in a fresh temporary folder and returns its path.
func written(_ dataset: Dataset, _ name: String = "data") throws -> String {
    let path = try temporaryPath(name)
    try DatasetFile.write(dataset, to: path)
    return path
}

/// The bytes of a file, or of a model artifact folder (its card, then its tensors), to compare two models.
func bytes(_ path: String) throws -> Data {
    var isFolder: ObjCBool = false
    guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder), isFolder.boolValue else {
        return try Data(contentsOf: URL(fileURLWithPath: path))
    }
    return try Data(contentsOf: URL(fileURLWithPath: "\(path)/\(ModelCard.cardFile)")) + Data(contentsOf: URL(fileURLWithPath: "\(path)/\(ModelCard.tensorFile)"))
}

/// The gradient-boosted model in the artifact at `path`.
func gbtModel(_ path: String) throws -> GBTModel {
    try #require(try ModelFile.load(path: path) as? GBTModelFile).model
}

/// Uniform draws in [low, high) from a seeded generator.
func uniforms(_ count: Int, _ low: Double, _ high: Double, _ generator: inout SplitMix64) -> [Double] {
    (0..<count).map { _ in low + (high - low) * generator.unit() }
}
