import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

@Suite struct GBTTrainerTests {
    func request(_ config: [String: PortValue], _ paths: [String: String], _ model: String, seed: UInt64 = 0,
                 points: GBTMetricPoints = GBTMetricPoints()) -> TrainingRequest {
        TrainingRequest(config: config, inputPaths: paths, modelDestination: model, seed: seed, logMetric: { points.add($0, $1, $2) })
    }

    @Test func itFitsScoresTheHoldoutAndWritesAModelArtifact() async throws {
        let train = try temporaryPath("train"), holdout = try temporaryPath("holdout"), model = try temporaryPath("model")
        try DatasetFile.write(try tabular(rows: 2000, seed: 1), to: train)
        try DatasetFile.write(try tabular(rows: 500, seed: 2), to: holdout)
        let points = GBTMetricPoints()
        let result = try await GBTTrainer().train(request(["target": .string("label"), "max_iter": .int(30)],
                                                          ["data": train, "holdout": holdout], model, points: points))
        #expect(result.metrics["accuracy"]! > 0.9, "\(result.metrics)")
        #expect(result.metrics["auc"]! > 0.95)
        #expect(result.metrics["train_accuracy"]! > 0.9)
        #expect(result.metrics["iterations"] == 30)
        #expect(result.metrics["fit_seconds"]! > 0)
        #expect(Set(result.metrics.keys).isSuperset(of: ["f1", "log_loss", "precision", "recall", "train_log_loss"]))
        #expect(points.keys("loss") == Array(0..<30), "one loss point per iteration")
        #expect(points.keys("val_loss").isEmpty, "2,000 rows: no early stopping by default")

        let card = try ModelCard.load(path: model)
        #expect(card.kind == "gbt" && card.trainer?.name == "trainer/gbt" && card.metrics["accuracy"] == result.metrics["accuracy"])
        #expect(card.metrics["fit_seconds"] == nil, "times are left out of the card")
        let file = try gbtModel(model)
        #expect(file.format == "mlp-gbt/1" && file.task == .classification && file.classes == ["no", "yes"])
        #expect(file.encoder.featureNames == ["x", "y", "colour=blue", "colour=green", "colour=red"])
        #expect(file.trees.count == 30 && file.treesPerIteration == 1 && file.binThresholds.count == 5)
        // The stored model predicts what the trainer scored.
        let holdoutData = try DatasetFile.read(holdout)
        let probabilities = file.predictProbabilities(try file.encoder.encodeAllowingMissing(holdoutData))
        let truth = try LogisticTrainer.labelTexts(holdoutData, target: "label").map { $0 == "yes" ? 1 : 0 }
        #expect(try ClassificationMetrics.logLoss(truth: truth, probabilities: probabilities) == result.metrics["log_loss"]!)
    }

    @Test func theSameSeedGivesTheSameModelBytes() async throws {
        let train = try temporaryPath("train")
        try DatasetFile.write(try tabular(rows: 1500, seed: 3), to: train)
        let config: [String: PortValue] = ["target": .string("label"), "max_iter": .int(20), "early_stopping": .bool(true)]
        var files: [String] = []
        for seed: UInt64 in [4, 4, 5] {
            let model = try temporaryPath("model")
            _ = try await GBTTrainer().train(request(config, ["data": train], model, seed: seed))
            files.append(model)
        }
        #expect(try bytes(files[0]) == bytes(files[1]))
        let first = try gbtModel(files[0]), reseeded = try gbtModel(files[2])
        #expect(first.trees != reseeded.trees, "another seed holds out other validation rows")
    }

    @Test func regressionIsTheDefaultForAFloatTargetAndEmptyFeatureValuesAreMissing() async throws {
        var source = UniformSource(seed: 12)
        var xs: [Double?] = [], zs: [Double?] = [], ys: [Double?] = []
        for i in 0..<1500 {
            let x = source.next(), z = source.next()
            xs.append(i % 5 == 0 ? nil : x)
            zs.append(z)
            ys.append(i % 5 == 0 ? 4 : 3 * x + z)  // a missing x means y = 4
        }
        let data = try temporaryPath("data"), model = try temporaryPath("model")
        try DatasetFile.write(try Dataset(columns: [.float("x", xs), .float("z", zs), .float("y", ys)]), to: data)
        let points = GBTMetricPoints()
        let result = try await GBTTrainer().train(request(["target": .string("y")], ["data": data, "holdout": data], model, points: points))
        #expect(result.metrics["r2"]! > 0.97 && result.metrics["train_rmse"]! < 0.25, "\(result.metrics)")
        let file = try gbtModel(model)
        #expect(file.task == .regression && file.classes.isEmpty)
        let predicted = file.predictValues(FeatureMatrix(rows: 2, columns: 2, values: [.nan, 0.5, 0.5, 0.5]))
        #expect(abs(predicted[0] - 4) < 0.3 && abs(predicted[1] - 2) < 0.3, "\(predicted)")

        // The generic model-file layer (what `evaluate` and serving use) loads it too, and takes
        // rows with empty cells.
        let loaded = try ModelFile.load(path: model)
        #expect(loaded.format == "mlp-gbt/1" && loaded.task == .regression)
        let rows = try Dataset(columns: [.float("x", [nil, 0.5]), .float("z", [0.5, 0.5]), .float("y", [nil, nil])])
        guard case .regression(let values) = try loaded.predict(rows) else { Issue.record("not a regression"); return }
        #expect(values.count == 2 && abs(values[0] - predicted[0]) < 1e-12 && abs(values[1] - predicted[1]) < 1e-12)
    }

    @Test func badInputsSayWhatIsWrong() async throws {
        let path = try temporaryPath("data"), model = try temporaryPath("model")
        func failure(_ config: [String: PortValue], _ data: Dataset, holdout: Dataset? = nil) async throws -> String {
            try DatasetFile.write(data, to: path)
            var paths = ["data": path]
            if let holdout {
                let holdoutPath = try temporaryPath("holdout")
                try DatasetFile.write(holdout, to: holdoutPath)
                paths["holdout"] = holdoutPath
            }
            do {
                _ = try await GBTTrainer().train(request(config, paths, model))
                return "no error"
            } catch let error as TrainingError {
                return error.message
            }
        }
        let good = try Dataset(columns: [.float("x", [1, 2, 3, 4]), .string("label", ["a", "b", "a", "b"])])
        let target: [String: PortValue] = ["target": .string("label")]
        #expect(try await failure(["target": .string("nope")], good).contains("no target column 'nope'"))
        #expect(try await failure(target, try Dataset(columns: [.float("x", [1, 2]), .string("label", ["a", "a"])])).contains("single class"))
        #expect(try await failure(["target": .string("label"), "task": .string("regression")], good).contains("regression needs a finite number"))
        #expect(try await failure(["target": .string("label"), "task": .string("ranking")], good).contains("task must be 'classification' or 'regression'"))
        #expect(try await failure(["target": .string("label"), "learning_rate": .string("fast")], good).contains("'learning_rate' must be a number"))
        #expect(try await failure(["target": .string("label"), "max_bins": .int(400)], good).contains("max_bins must be between 2 and 255"))
        #expect(try await failure(["target": .string("label"), "early_stopping": .string("sometimes")], good).contains("early_stopping must be auto, true or false"))
        #expect(try await failure(["target": .string("label"), "features": .json(.array([.string("w")]))], good).contains("no column 'w'"))
        #expect(try await failure(target, try Dataset(columns: [.float("x", [1, .infinity, 3, 4]), .string("label", ["a", "b", "a", "b"])]))
            .contains("column 'x' row 2 is inf"))
        #expect(try await failure(target, good, holdout: try Dataset(columns: [.float("x", [1]), .string("label", ["c"])]))
            .contains("holdout row 1: class 'c' was not in the training data"))
        #expect(try await failure(["target": .string("label"), "early_stopping": .bool(true), "validation_fraction": .float(0.01)], good)
            .contains("leaves no validation rows"))
    }

    @Test func aDamagedLegacyModelFileIsRejectedWithWhereItIsDamaged() async throws {
        let train = try temporaryPath("train"), model = try temporaryPath("model")
        try DatasetFile.write(try tabular(rows: 300, seed: 5), to: train)
        _ = try await GBTTrainer().train(request(["target": .string("label"), "max_iter": .int(3)], ["data": train], model))
        // The single JSON file earlier versions wrote.
        let encoder = JSONEncoder()
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let good = try encoder.encode(try gbtModel(model))
        #expect(try ModelFile.load(good).format == "mlp-gbt/1", "a legacy file still loads")
        var json = try #require(JSONSerialization.jsonObject(with: good) as? [String: Any])
        var trees = try #require(json["trees"] as? [[[String: Any]]])
        trees[1][0]["left"] = 999
        json["trees"] = trees
        let error = #expect(throws: GBTModelError.self) { try GBTModel.decode(JSONSerialization.data(withJSONObject: json)) }
        #expect(error?.message.contains("tree 1 node 0: children 999") == true, "\(error?.message ?? "")")
        json = try #require(JSONSerialization.jsonObject(with: good) as? [String: Any])
        json["format"] = "mlp-softmax-regression/1"
        let format = #expect(throws: GBTModelError.self) { try GBTModel.decode(JSONSerialization.data(withJSONObject: json)) }
        #expect(format?.message.contains("expected 'mlp-gbt/1'") == true)
        #expect(throws: GBTModelError.self) { try GBTModel.decode(Data("{\"format\": 1}".utf8)) }
    }
}

/// Logged metric points, by key.
final class GBTMetricPoints: @unchecked Sendable {
    private let lock = NSLock()
    private var points: [(String, Double, Int)] = []

    func add(_ key: String, _ value: Double, _ step: Int) {
        lock.lock()
        points.append((key, value, step))
        lock.unlock()
    }

    /// The iterations logged under `key`, in order.
    func keys(_ key: String) -> [Int] {
        lock.lock()
        defer { lock.unlock() }
        return points.filter { $0.0 == key }.map(\.2)
    }
}
