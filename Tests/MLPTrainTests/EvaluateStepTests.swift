import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

@Suite struct EvaluateStepTests {
    func request(model: String, data: String, target: String? = nil) throws -> TaskRequest {
        let outputs = URL(fileURLWithPath: try temporaryPath("outputs")).deletingLastPathComponent().path
        var config: [String: PortValue] = ["model": .artifact(ArtifactRef(digest: "m", type: .model, size: 1)),
                                           "data": .artifact(ArtifactRef(digest: "d", type: .dataset, size: 1))]
        if let target { config["target"] = .string(target) }
        return TaskRequest(runID: "r", step: "evaluate", index: nil, attempt: 1, projectDirectory: outputs, config: config,
                           outputsDirectory: outputs, stdoutPath: "\(outputs)/stdout", stderrPath: "\(outputs)/stderr",
                           environment: ["MLP_INPUT_MODEL": model, "MLP_INPUT_DATA": data])
    }

    func run(_ request: TaskRequest) async throws -> [String: Double] {
        let step = EvaluateStep()
        let status = try await step.wait(for: try await step.submit(request))
        guard status.phase == .succeeded else { throw TrainingError(message: status.message) }
        let json = try JSONValue(parsing: try String(contentsOfFile: "\(request.outputsDirectory)/metrics", encoding: .utf8))
        guard case .object(let fields) = json else { throw TrainingError(message: "metrics is not an object") }
        #expect(try String(contentsOfFile: "\(request.outputsDirectory)/rows", encoding: .utf8) == "\(Int(fields["rows"]!.doubleValue!))")
        return fields.compactMapValues(\.doubleValue)
    }

    @Test func itComputesTheSameMetricsAsTheMLPTrainersHoldout() async throws {
        let data = try written(try tabular(rows: 400, seed: 1)), holdout = try written(try tabular(rows: 150, seed: 2), "holdout")
        let model = try temporaryPath("model")
        let config: [String: PortValue] = ["target": .string("label"), "hidden": .json(.array([.number(8)])), "max_epochs": .int(20)]
        let trained = try await MLPTrainer().train(trainingRequest(config, data: data, holdout: holdout, model: model))
        let evaluated = try await run(try request(model: model, data: holdout))
        #expect(evaluated["rows"] == 150)
        for key in ["accuracy", "precision", "recall", "f1", "auc", "log_loss", "confusion_0_0", "confusion_1_1"] {
            #expect(evaluated[key] != nil && evaluated[key] == trained.metrics[key], "\(key)")
        }
    }

    @Test func itScoresARegressorAgainstAnotherTargetColumn() async throws {
        var generator = SplitMix64(seed: 9)
        let x = uniforms(100, 0, 10, &generator)
        let train = try written(try Dataset(columns: [.float("x", x), .float("y", x.map { 2 * $0 + 1 })]))
        let model = try temporaryPath("model")
        let trained = try await LinearTrainer().train(trainingRequest(["target": .string("y")], data: train, holdout: train, model: model))
        let shifted = try written(try Dataset(columns: [.float("x", x), .float("y", x.map { 2 * $0 + 1 }), .float("later", x.map { 2 * $0 + 2 })]), "shifted")
        let same = try await run(try request(model: model, data: shifted))
        #expect(same["rmse"] == trained.metrics["rmse"] && same["r2"] == trained.metrics["r2"])
        let other = try await run(try request(model: model, data: shifted, target: "later"))
        #expect(abs(other["rmse"]! - 1) < 1e-9 && abs(other["mae"]! - 1) < 1e-9)
    }

    @Test func failuresSayWhatIsWrong() async throws {
        let notModel = try temporaryPath("model")
        try Data("{}".utf8).write(to: URL(fileURLWithPath: notModel))
        let data = try written(try tabular(rows: 10, seed: 1))
        let step = EvaluateStep()
        let status = try await step.wait(for: try await step.submit(try request(model: notModel, data: data)))
        #expect(status.phase == .failed)
        #expect(status.message == "model file \(notModel) is not an mlp model (expected a folder with model.json and model.safetensors, or a legacy JSON model file with a \"format\" field)")
    }
}
