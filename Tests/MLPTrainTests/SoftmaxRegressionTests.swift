import Foundation
import MLPCore
import Testing
@testable import MLPTrain

/// Generated data: three Gaussian blobs in 5 dimensions, from a fixed-seed generator.
func blobs(samplesPerClass: Int, seed: UInt64) -> (FeatureMatrix, [Int]) {
    var state = seed
    func uniform() -> Double {
        state = state &* 6364136223846793005 &+ 1442695040888963407
        return Double(state >> 11) / Double(1 << 53)
    }
    func gaussian() -> Double { sqrt(-2 * log(max(uniform(), 1e-300))) * cos(2 * .pi * uniform()) }
    let centres: [[Double]] = [[0, 0, 0, 0, 0], [3, 3, 0, 0, 1], [-3, 2, 1, -2, 0]]
    var values: [Double] = []
    var labels: [Int] = []
    for i in 0..<(samplesPerClass * 3) {
        let label = i % 3
        labels.append(label)
        values += centres[label].map { $0 + gaussian() * 1.2 }
    }
    return (FeatureMatrix(rows: labels.count, columns: 5, values: values), labels)
}

@Suite struct SoftmaxRegressionTests {
    @Test func lbfgsMinimisesTheRosenbrockFunction() {
        let result = LBFGS(maxIterations: 500, gradientTolerance: 1e-8).minimize(from: [-1.2, 1]) { x, g in
            g[0] = -400 * x[0] * (x[1] - x[0] * x[0]) - 2 * (1 - x[0])
            g[1] = 200 * (x[1] - x[0] * x[0])
            return 100 * pow(x[1] - x[0] * x[0], 2) + pow(1 - x[0], 2)
        }
        #expect(result.converged)
        #expect(abs(result.x[0] - 1) < 1e-4 && abs(result.x[1] - 1) < 1e-4)
    }

    @Test func itSeparatesBlobsAndGeneralises() throws {
        let (train, trainLabels) = blobs(samplesPerClass: 400, seed: 1)
        let (test, testLabels) = blobs(samplesPerClass: 200, seed: 2)
        var losses: [Double] = []
        let model = try SoftmaxRegression.fit(train, labels: trainLabels, classes: 3, l2: 1e-3) { _, loss in losses.append(loss) }
        #expect(losses.count >= 3 && losses.last! < losses.first!)
        let accuracy = try ClassificationMetrics.accuracy(truth: testLabels, predicted: model.predict(test))
        #expect(accuracy > 0.9, "held-out accuracy \(accuracy)")
        let probabilities = model.probabilities(test)
        #expect(probabilities.allSatisfy { abs($0.reduce(0, +) - 1) < 1e-9 })
    }

    @Test func fittingIsDeterministic() throws {
        let (x, y) = blobs(samplesPerClass: 100, seed: 3)
        let a = try SoftmaxRegression.fit(x, labels: y, classes: 3)
        let b = try SoftmaxRegression.fit(x, labels: y, classes: 3)
        #expect(a.weights == b.weights && a.bias == b.bias)
    }

    /// OpenBLAS gives different bits on different thread counts; a fit pins it to one thread, so the
    /// thread count set before the fit does not change the model. Large enough (2,000 × 64, ten
    /// classes) for OpenBLAS to split its products when it has two threads.
    @Test func theModelDoesNotDependOnTheBLASThreadCountSetBefore() throws {
        var generator = SplitMix64(seed: 5)
        let rows = 2000, columns = 64
        let x = FeatureMatrix(rows: rows, columns: columns, values: (0..<(rows * columns)).map { _ in generator.unit() * 2 - 1 })
        let labels = (0..<rows).map { row in Int((x.values[row * columns] + 1) * 4.99) }
        TrainingBLAS.setThreads(2)
        let afterTwo = try SoftmaxRegression.fit(x, labels: labels, classes: 10, l2: 1e-3, optimizer: LBFGS(maxIterations: 30))
        #expect(TrainingBLAS.threads == 1, "the fit pins OpenBLAS to one thread")
        TrainingBLAS.setThreads(1)
        let afterOne = try SoftmaxRegression.fit(x, labels: labels, classes: 10, l2: 1e-3, optimizer: LBFGS(maxIterations: 30))
        #expect(afterTwo.weights == afterOne.weights && afterTwo.bias == afterOne.bias)
    }

    @Test func theGradientMatchesFiniteDifferences() throws {
        let (x, y) = blobs(samplesPerClass: 20, seed: 4)
        let z = Standardizer(fitting: x).transform(x)
        var state: UInt64 = 9
        let theta = (0..<(3 * 5 + 3)).map { _ -> Double in
            state = state &* 6364136223846793005 &+ 1
            return Double(state >> 40) / Double(1 << 24) - 0.5
        }
        var gradient = Array(repeating: 0.0, count: theta.count), scratch = gradient
        _ = SoftmaxRegression.objective(theta, features: z, labels: y, classes: 3, l2: 0.1, gradient: &gradient)
        for i in theta.indices {
            var up = theta, down = theta
            up[i] += 1e-6
            down[i] -= 1e-6
            let numeric = (SoftmaxRegression.objective(up, features: z, labels: y, classes: 3, l2: 0.1, gradient: &scratch)
                - SoftmaxRegression.objective(down, features: z, labels: y, classes: 3, l2: 0.1, gradient: &scratch)) / 2e-6
            #expect(abs(numeric - gradient[i]) < 1e-6, "parameter \(i): analytic \(gradient[i]), numeric \(numeric)")
        }
        // A huge penalty drives the weights to zero: every class is equally likely.
        let flat = try SoftmaxRegression.fit(x, labels: y, classes: 3, l2: 1e6)
        #expect(abs(try ClassificationMetrics.logLoss(truth: y, probabilities: flat.probabilities(x)) - log(3)) < 1e-3)
    }

    @Test func badLabelsAreRefused() {
        let x = FeatureMatrix(rows: 2, columns: 1, values: [0, 1])
        #expect(throws: MetricError.self) { try SoftmaxRegression.fit(x, labels: [0, 5], classes: 2) }
        #expect(throws: MetricError.self) { try SoftmaxRegression.fit(x, labels: [0], classes: 2) }
    }

    @Test func theModelRoundTripsThroughJSON() throws {
        let (x, y) = blobs(samplesPerClass: 30, seed: 5)
        let model = try SoftmaxRegression.fit(x, labels: y, classes: 3)
        let copy = try JSONDecoder().decode(SoftmaxRegression.self, from: JSONEncoder().encode(model))
        #expect(copy.predict(x) == model.predict(x))
    }
}
