import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

func temporaryPath(_ name: String) throws -> String {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-train-\(UUID().uuidString)").path
    try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    return "\(folder)/\(name)"
}

/// Generated data: two numeric features and a text one; the label follows x + y and the colour.
func tabular(rows: Int, seed: UInt64) throws -> Dataset {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    var xs: [Double?] = [], ys: [Int64?] = [], colours: [String?] = [], labels: [String?] = []
    for _ in 0..<rows {
        let x = uniform() * 4 - 2, y = Int64(uniform() * 5) - 2
        let colour = ["red", "green", "blue"][Int(uniform() * 3)]
        let score = x + Double(y) + (colour == "red" ? 1.5 : 0) + (uniform() - 0.5) * 0.5
        xs.append(x); ys.append(y); colours.append(colour); labels.append(score > 0.5 ? "yes" : "no")
    }
    return try Dataset(columns: [.float("x", xs), .int("y", ys), .string("colour", colours), .string("label", labels)])
}

@Suite struct LogisticTrainerTests {
    func request(_ config: [String: PortValue], _ paths: [String: String], _ model: String, points: MetricCollectorBox) -> TrainingRequest {
        TrainingRequest(config: config, inputPaths: paths, modelDestination: model, seed: 0, logMetric: { points.add($0, $1, $2) })
    }

    @Test func itFitsScoresTheHoldoutAndStoresItsEncoder() async throws {
        let train = try temporaryPath("train"), holdout = try temporaryPath("holdout"), model = try temporaryPath("model")
        try DatasetFile.write(try tabular(rows: 2000, seed: 1), to: train)
        try DatasetFile.write(try tabular(rows: 500, seed: 2), to: holdout)
        let points = MetricCollectorBox()
        let result = try await LogisticTrainer().train(request(["target": .string("label"), "l2": .float(1e-3)],
                                                               ["data": train, "holdout": holdout], model, points: points))
        #expect(result.metrics["accuracy"]! > 0.9, "\(result.metrics)")
        #expect(result.metrics["auc"]! > 0.95)
        #expect(result.metrics["train_accuracy"]! > 0.9)
        #expect(points.count > 3, "a loss point per iteration")
        let file = try #require(try ModelFile.load(path: model) as? ClassifierFile)
        #expect(file.classes == ["no", "yes"])
        #expect(file.encoder.featureNames == ["x", "y", "colour=blue", "colour=green", "colour=red"])
        // Same data, same model: deterministic.
        let again = try temporaryPath("model")
        _ = try await LogisticTrainer().train(request(["target": .string("label"), "l2": .float(1e-3)], ["data": train, "holdout": holdout], again, points: points))
        #expect(try bytes(model) == bytes(again))
    }

    @Test func badInputsSayWhatIsWrong() async throws {
        let path = try temporaryPath("data"), model = try temporaryPath("model")
        try DatasetFile.write(try Dataset(columns: [.float("x", [1, 2, 3]), .string("label", ["a", "a", "a"])]), to: path)
        let points = MetricCollectorBox()
        await #expect(throws: TrainingError.self) { try await LogisticTrainer().train(request(["target": .string("label")], ["data": path], model, points: points)) }
        await #expect(throws: TrainingError.self) { try await LogisticTrainer().train(request(["target": .string("nope")], ["data": path], model, points: points)) }
        try DatasetFile.write(try Dataset(columns: [.float("x", [1, nil, 3]), .string("label", ["a", "b", "a"])]), to: path)
        let error = await #expect(throws: TrainingError.self) { try await LogisticTrainer().train(request(["target": .string("label")], ["data": path], model, points: points)) }
        #expect(error?.message.contains("column 'x' has 1 empty values") == true)
    }

    @Test func badSettingsNameTheInput() async throws {
        let path = try temporaryPath("data"), model = try temporaryPath("model")
        try DatasetFile.write(try tabular(rows: 50, seed: 3), to: path)
        let points = MetricCollectorBox()
        for (config, named) in [(["tol": PortValue.float(-1)], "'tol'"), (["l2": .string("big")], "'l2'"), (["max_iter": .int(0)], "'max_iter'")] {
            let error = await #expect(throws: TrainingError.self) {
                try await LogisticTrainer().train(request(config.merging(["target": .string("label")]) { $1 }, ["data": path], model, points: points))
            }
            #expect(error?.message.contains(named) == true, "\(error?.message ?? "")")
        }
    }

    @Test func aLooserToleranceStopsSoonerAndReportsTheFitTimes() async throws {
        let path = try temporaryPath("data")
        try DatasetFile.write(try tabular(rows: 1000, seed: 4), to: path)
        /// The metrics and the last objective value of a fit with this gradient tolerance.
        func fit(_ tol: Double) async throws -> ([String: Double], Double) {
            let points = LoggedPoints()
            let config: [String: PortValue] = ["target": .string("label"), "l2": .float(1e-3), "tol": .float(tol), "max_iter": .int(500)]
            let metrics = try await LogisticTrainer().train(TrainingRequest(config: config, inputPaths: ["data": path], modelDestination: try temporaryPath("model"),
                                                                            seed: 0, logMetric: { points.add($0, $1, $2) })).metrics
            return (metrics, points.values("loss").last!)
        }
        let (loose, looseObjective) = try await fit(1e-2), (tight, tightObjective) = try await fit(1e-8)
        #expect(loose["iterations"]! < tight["iterations"]!, "loose \(loose["iterations"]!), tight \(tight["iterations"]!)")
        #expect(tightObjective <= looseObjective)
        #expect(tight["fit_seconds"]! >= 0 && tight["fit_cpu_seconds"]! >= 0)
    }

    @Test func theEncoderOneHotsTextAndIgnoresUnseenCategories() throws {
        let data = try Dataset(columns: [.float("x", [1, 2]), .string("c", ["a", "b"])])
        let encoder = try FeatureEncoder(fitting: data)
        let unseen = try Dataset(columns: [.float("x", [5]), .string("c", ["z"])])
        #expect(try encoder.encode(unseen).values == [5, 0, 0])
        #expect(try encoder.encode(data).values == [1, 1, 0, 2, 0, 1])
    }
}

/// Collects logged metric points across the trainer's callbacks.
final class MetricCollectorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var points: [(String, Double, Int)] = []
    func add(_ key: String, _ value: Double, _ step: Int) {
        lock.lock()
        points.append((key, value, step))
        lock.unlock()
    }
    var count: Int {
        lock.lock()
        defer { lock.unlock() }
        return points.count
    }
}
