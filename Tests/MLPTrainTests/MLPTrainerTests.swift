import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

@Suite struct MLPTrainerTests {
    /// XOR-like: the class is whether x and y have the same sign, which no linear model can learn.
    func xor(rows: Int, seed: UInt64) throws -> Dataset {
        var generator = SplitMix64(seed: seed)
        let x = uniforms(rows, -1, 1, &generator), y = uniforms(rows, -1, 1, &generator)
        return try Dataset(columns: [.float("x", x), .float("y", y), .string("label", (0..<rows).map { x[$0] * y[$0] > 0 ? "same" : "different" })])
    }

    /// Noise: ten random features and a random label.
    func noise(rows: Int, seed: UInt64) throws -> Dataset {
        var generator = SplitMix64(seed: seed)
        var columns = (0..<10).map { Column.float("f\($0)", uniforms(rows, 0, 1, &generator)) }
        columns.append(.int("label", (0..<rows).map { _ in Int64(generator.next() % 2) }))
        return try Dataset(columns: columns)
    }

    let small: [String: PortValue] = ["target": .string("label"), "hidden": .json(.array([.number(16)])),
                                      "learning_rate": .float(0.02), "max_epochs": .int(60), "batch_size": .int(50)]

    @Test func itLearnsXORAndScoresTheHoldout() async throws {
        let data = try written(try xor(rows: 600, seed: 1)), holdout = try written(try xor(rows: 300, seed: 2), "holdout")
        let model = try temporaryPath("model"), points = LoggedPoints()
        let result = try await MLPTrainer().train(trainingRequest(small, data: data, holdout: holdout, model: model, seed: 1, points: points))
        #expect(result.metrics["accuracy"]! > 0.93, "\(result.metrics)")
        #expect(result.metrics["auc"]! > 0.97)
        #expect(result.metrics["train_accuracy"]! > 0.93)
        #expect(result.metrics["fit_seconds"]! > 0)
        let losses = points.values("loss")
        #expect(losses.count == Int(result.metrics["epochs"]!) && losses.last! < losses.first! / 2, "\(losses)")
        let file = try #require(try ModelFile.load(path: model) as? NeuralNetworkFile)
        #expect(file.classes == ["different", "same"] && file.network.layerSizes == [2, 16, 2])
    }

    @Test func theSameSeedGivesTheSameBytesAndAnotherSeedAnotherModel() async throws {
        let data = try written(try xor(rows: 200, seed: 3))
        var config = small
        config["max_epochs"] = .int(5)
        let first = try temporaryPath("model"), second = try temporaryPath("model"), other = try temporaryPath("model")
        _ = try await MLPTrainer().train(trainingRequest(config, data: data, model: first, seed: 7))
        _ = try await MLPTrainer().train(trainingRequest(config, data: data, model: second, seed: 7))
        _ = try await MLPTrainer().train(trainingRequest(config, data: data, model: other, seed: 8))
        #expect(try bytes(first) == bytes(second))
        #expect(try bytes(first) != bytes(other))
    }

    @Test func aRegressorFitsASmoothFunction() async throws {
        var generator = SplitMix64(seed: 4)
        func sine(_ rows: Int) throws -> Dataset {
            let x = uniforms(rows, -3, 3, &generator)
            return try Dataset(columns: [.float("x", x), .float("y", x.map { 10 + 5 * sin($0) })])
        }
        let data = try written(try sine(500)), holdout = try written(try sine(200), "holdout")
        let model = try temporaryPath("model")
        let config: [String: PortValue] = ["target": .string("y"), "hidden": .json(.array([.number(32)])), "learning_rate": .float(0.01),
                                           "max_epochs": .int(150), "batch_size": .int(50)]
        let result = try await MLPTrainer().train(trainingRequest(config, data: data, holdout: holdout, model: model))
        #expect(result.metrics["r2"]! > 0.97, "\(result.metrics)")
        #expect(result.metrics["rmse"]! < 0.8)
        let file = try #require(try ModelFile.load(path: model) as? NeuralNetworkFile)
        #expect(file.task == .regression && file.classes.isEmpty)
        // A float target with many values is regression without saying so.
        #expect(abs(file.network.targetMean - 10) < 0.5)
    }

    @Test func earlyStoppingStopsEarlyOnNoiseAndKeepsTheBestEpoch() async throws {
        let data = try written(try noise(rows: 400, seed: 5))
        let points = LoggedPoints()
        var config = small
        config["hidden"] = .json(.array([.number(64)]))
        config["max_epochs"] = .int(200)
        config["early_stopping"] = .bool(true)
        config["patience"] = .int(5)
        let result = try await MLPTrainer().train(trainingRequest(config, data: data, model: try temporaryPath("model"), points: points))
        let epochs = Int(result.metrics["epochs"]!)
        let validation = points.values("val_loss")
        #expect(epochs < 40, "\(validation)")
        #expect(validation.count == epochs && points.values("loss").count == epochs)
        // It stopped `patience` epochs after the best validation loss.
        let best = validation.indices.min { validation[$0] < validation[$1] }!
        #expect(epochs - 1 - best >= 5)
    }

    @Test func badInputsSayWhatIsWrong() async throws {
        let model = try temporaryPath("model")
        let one = try written(try Dataset(columns: [.float("x", [1, 2, 3]), .string("label", ["a", "a", "a"])]))
        let single = await #expect(throws: TrainingError.self) { try await MLPTrainer().train(trainingRequest(["target": .string("label")], data: one, model: model)) }
        #expect(single?.message == "target 'label' has a single class; a classifier needs two or more")
        let missing = await #expect(throws: TrainingError.self) { try await MLPTrainer().train(trainingRequest(["target": .string("y")], data: one, model: model)) }
        #expect(missing?.message.hasPrefix("no target column 'y'") == true)
        let stray = try written(try Dataset(columns: [.string("x", ["1.5", "2", "3", "oops", "5"]), .string("label", ["a", "b", "a", "b", "a"])]))
        let text = await #expect(throws: TrainingError.self) { try await MLPTrainer().train(trainingRequest(["target": .string("label")], data: stray, model: model)) }
        #expect(text?.message.hasPrefix("column 'x' is mostly numbers but row 4 is text ('oops')") == true)
        let badTask = await #expect(throws: TrainingError.self) {
            try await MLPTrainer().train(trainingRequest(["target": .string("label"), "task": .string("clustering")], data: one, model: model))
        }
        #expect(badTask?.message == "trainer/mlp: 'task' must be classification or regression, not 'clustering'")
        let badHidden = await #expect(throws: TrainingError.self) {
            try await MLPTrainer().train(trainingRequest(["target": .string("label"), "hidden": .json(.array([.number(0)]))], data: one, model: model))
        }
        #expect(badHidden?.message == "trainer/mlp: 'hidden' must hold whole numbers from 1 to 1000000, not 0")
        let textRegression = await #expect(throws: TrainingError.self) {
            try await MLPTrainer().train(trainingRequest(["target": .string("label"), "task": .string("regression")], data: one, model: model))
        }
        #expect(textRegression?.message == "target 'label' row 1 is text ('a'); regression needs a number in every row")
    }

    @Test func theTaskRuleReadsWholeNumbersWithFewValuesAsClasses() throws {
        let data = try Dataset(columns: [.int("stars", [1, 2, 3, 5]), .float("flag", [0, 1, 1, 0]), .float("price", [1.5, 2, 3, 4]),
                                         .int("id", (0..<4).map { Int64($0) }), .bool("ok", [true, false, true, true])])
        #expect(try TrainingTarget.inferredTask(data, target: "stars") == .classification)
        #expect(try TrainingTarget.inferredTask(data, target: "flag") == .classification)
        #expect(try TrainingTarget.inferredTask(data, target: "price") == .regression)
        #expect(try TrainingTarget.inferredTask(data, target: "ok") == .classification)
        let many = try Dataset(columns: [.int("count", (0..<21).map { Int64($0) })])
        #expect(try TrainingTarget.inferredTask(many, target: "count") == .regression)
    }
}
