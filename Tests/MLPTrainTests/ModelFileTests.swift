import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

@Suite struct ModelFileTests {
    @Test func everyBuiltInTrainersFileLoadsAndPredictsLikeTheTrainerScored() async throws {
        let data = try written(try tabular(rows: 300, seed: 1)), holdout = try written(try tabular(rows: 100, seed: 2), "holdout")
        let logistic = try temporaryPath("model")
        let scored = try await LogisticTrainer().train(trainingRequest(["target": .string("label")], data: data, holdout: holdout, model: logistic))
        let model = try ModelFile.load(path: logistic)
        #expect(model.format == "mlp-softmax-regression/1" && model.task == .classification && model.target == "label")
        let metrics = try ModelScoring.metrics(of: model, on: try DatasetLoading.load(holdout))
        for key in ["accuracy", "auc", "f1", "log_loss"] { #expect(metrics[key] == scored.metrics[key], "\(key)") }
        #expect(scored.metrics["fit_seconds"] != nil)
        #expect(Set(ModelFile.formats).isSuperset(of: ["mlp-linear-regression/1", "mlp-mlp/1", "mlp-softmax-regression/1"]))
    }

    @Test func filesThatAreNotModelsSayWhy() throws {
        let notJSON = try #require(throws: ModelFileError.self) { try ModelFile.load(Data("PK\u{3}\u{4}".utf8), source: "m.bin") }
        #expect(notJSON.description == "model file m.bin is not an mlp model file (expected a JSON object with a \"format\" field)")
        let unknown = try #require(throws: ModelFileError.self) { try ModelFile.load(Data(#"{"format": "xgboost/2"}"#.utf8), source: "m.json") }
        #expect(unknown.description.hasPrefix("model file m.json has format 'xgboost/2', which this mlp cannot read (known: mlp-gbt/1, mlp-linear-regression/1"))
        let incomplete = try #require(throws: ModelFileError.self) { try ModelFile.load(Data(#"{"format": "mlp-mlp/1", "target": "y"}"#.utf8), source: "m.json") }
        #expect(incomplete.description.hasPrefix("model file m.json is not a valid 'mlp-mlp/1' file: missing"))
        let missing = try #require(throws: ModelFileError.self) { try ModelFile.load(path: "/nonexistent/model") }
        #expect(missing.description == "model file /nonexistent/model no such file")
    }

    @Test func shapesThatDisagreeAreRejectedAtLoadTime() throws {
        let encoder = try FeatureEncoder(fitting: Dataset(columns: [.float("a", [0, 1]), .float("b", [1, 2])]))
        var file = LinearRegressionFile(target: "y", encoder: encoder, model: LinearRegression(coefficients: [1, 2], intercept: 0, l2: 0, aliased: []))
        #expect(try ModelFile.load(try ModelFile.encode(file)).format == "mlp-linear-regression/1")
        file.model.coefficients = [1]
        let short = try #require(throws: ModelFileError.self) { try ModelFile.load(try ModelFile.encode(file), source: "m.json") }
        #expect(short.description == "model file m.json is inconsistent: 1 coefficients for 2 features")
    }

    @Test func writesAreAtomicAndLeaveNoTemporaryFiles() throws {
        let path = try temporaryPath("model")
        let encoder = try FeatureEncoder(fitting: Dataset(columns: [.float("a", [0, 1])]))
        try ModelFile.write(LinearRegressionFile(target: "y", encoder: encoder, model: LinearRegression(coefficients: [1], intercept: 0, l2: 0, aliased: [])), to: path)
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["model"])
        #expect(try String(contentsOfFile: path, encoding: .utf8).hasPrefix(#"{"encoder":"#))
    }
}
