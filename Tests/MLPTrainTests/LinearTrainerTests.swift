import Foundation
import Testing
import MLPCore
import MLPData
@testable import MLPTrain

@Suite struct LinearTrainerTests {
    /// y = 3 + 2·a − 0.5·b + 4·[colour = red] exactly, with a category column whose one-hot
    /// features are collinear with the intercept.
    func exactData(rows: Int, seed: UInt64) throws -> Dataset {
        var generator = SplitMix64(seed: seed)
        let a = uniforms(rows, -5, 5, &generator), b = uniforms(rows, 0, 100, &generator)
        let colours = (0..<rows).map { _ in ["red", "green", "blue"][Int(generator.next() % 3)] }
        let y = (0..<rows).map { 3 + 2 * a[$0] - 0.5 * b[$0] + (colours[$0] == "red" ? 4 : 0) }
        return try Dataset(columns: [.float("a", a), .float("b", b), .string("colour", colours), .float("y", y)])
    }

    @Test func leastSquaresRecoversTheExactCoefficients() throws {
        var generator = SplitMix64(seed: 3)
        let a = uniforms(200, -5, 5, &generator), b = uniforms(200, 0, 100, &generator)
        let x = FeatureMatrix(rows: 200, columns: 2, values: (0..<200).flatMap { [a[$0], b[$0]] })
        let model = try LinearRegression.fit(x, y: (0..<200).map { 3 + 2 * a[$0] - 0.5 * b[$0] })
        #expect(abs(model.intercept - 3) < 1e-9, "\(model)")
        #expect(abs(model.coefficients[0] - 2) < 1e-9 && abs(model.coefficients[1] + 0.5) < 1e-9, "\(model)")
        #expect(model.aliased.isEmpty)
    }

    @Test func collinearOneHotColumnsAreAliasedAndTheFitStaysExact() async throws {
        let data = try written(try exactData(rows: 300, seed: 1)), holdout = try written(try exactData(rows: 100, seed: 2), "holdout")
        let model = try temporaryPath("model")
        let result = try await LinearTrainer().train(trainingRequest(["target": .string("y")], data: data, holdout: holdout, model: model))
        // The three colour columns sum to 1, like the intercept: the last one is left out.
        #expect(result.metrics["aliased_features"] == 1, "\(result.metrics)")
        #expect(result.metrics["rmse"]! < 1e-9 && result.metrics["r2"]! > 1 - 1e-12, "\(result.metrics)")
        #expect(result.metrics["train_rmse"]! < 1e-9)
        #expect(result.metrics["fit_seconds"]! >= 0)
        let file = try #require(try ModelFile.load(path: model) as? LinearRegressionFile)
        #expect(file.encoder.featureNames == ["a", "b", "colour=blue", "colour=green", "colour=red"])
        #expect(file.model.aliased == [4])
        #expect(abs(file.model.coefficients[0] - 2) < 1e-9 && abs(file.model.coefficients[1] + 0.5) < 1e-9)
        // With colour=red aliased, the other colours carry the −4 relative to red.
        #expect(abs(file.model.coefficients[2] + 4) < 1e-9 && abs(file.model.coefficients[3] + 4) < 1e-9)
        let again = try temporaryPath("model")
        _ = try await LinearTrainer().train(trainingRequest(["target": .string("y")], data: data, holdout: holdout, model: again))
        #expect(try bytes(model) == bytes(again))
    }

    @Test func ridgeShrinksByTheKnownFactor() throws {
        // One feature: on standardised data the ridge coefficient is the least-squares one / (1 + l2).
        var generator = SplitMix64(seed: 5)
        let a = uniforms(500, -1, 1, &generator)
        let y = a.map { 1 + 3 * $0 + (0.5 - (Double(Int($0 * 1000) % 7)) / 7) }
        let x = FeatureMatrix(rows: 500, columns: 1, values: a)
        let ols = try LinearRegression.fit(x, y: y)
        let ridge = try LinearRegression.fit(x, y: y, l2: 1)
        let stronger = try LinearRegression.fit(x, y: y, l2: 10)
        #expect(abs(ridge.coefficients[0] - ols.coefficients[0] / 2) < 1e-9, "\(ols) \(ridge)")
        #expect(abs(stronger.coefficients[0] - ols.coefficients[0] / 11) < 1e-9)
        #expect(abs(stronger.coefficients[0]) < abs(ridge.coefficients[0]))
        // The intercept is not penalised: predictions at the mean of a stay at the mean of y.
        let meanA = a.reduce(0, +) / 500, meanY = y.reduce(0, +) / 500
        #expect(abs(stronger.intercept + stronger.coefficients[0] * meanA - meanY) < 1e-9)
    }

    @Test func badInputsSayWhatIsWrong() async throws {
        let model = try temporaryPath("model")
        let text = try written(try Dataset(columns: [.float("x", [1, 2, 3]), .string("y", ["1.5", "two", "3"])]))
        let notNumber = await #expect(throws: TrainingError.self) {
            try await LinearTrainer().train(trainingRequest(["target": .string("y")], data: text, model: model))
        }
        #expect(notNumber?.message == "target 'y' row 2 is text ('two'); regression needs a number in every row")
        let missing = await #expect(throws: TrainingError.self) {
            try await LinearTrainer().train(trainingRequest(["target": .string("price")], data: text, model: model))
        }
        #expect(missing?.message.contains("no target column 'price' (columns: x, y)") == true)
        let negative = await #expect(throws: TrainingError.self) {
            try await LinearTrainer().train(trainingRequest(["target": .string("x"), "l2": .float(-1)], data: text, model: model))
        }
        #expect(negative?.message == "trainer/linear: 'l2' must be at least 0.0, not -1.0")
        let stray = try written(try Dataset(columns: [.string("x", ["1", "2", "n/a", "4"]), .float("y", [1, 2, 3, 4])]))
        let strayText = await #expect(throws: TrainingError.self) {
            try await LinearTrainer().train(trainingRequest(["target": .string("y")], data: stray, model: model))
        }
        #expect(strayText?.message.hasPrefix("column 'x' is mostly numbers but row 3 is text ('n/a')") == true)
    }
}
