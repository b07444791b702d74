import Foundation
import MLPCore
import Testing
import MLPData
@testable import MLPTrain

@Suite struct NeuralNetworkTests {
    @Test func theKernelsAgreeWithPlainLoopsOnOddSizes() {
        var generator = SplitMix64(seed: 1)
        let m = 7, k = 6, n = 5
        let a = (0..<(m * k)).map { _ in Float(generator.unit() - 0.5) }, b = (0..<(k * n)).map { _ in Float(generator.unit() - 0.5) }
        let d = (0..<(m * n)).map { _ in Float(generator.unit() - 0.5) }
        var product = [Float](repeating: 1, count: m * n), gradient = [Float](repeating: 1, count: k * n)
        DenseKernels.multiplyAdd(a, b, into: &product, m: m, k: k, n: n)
        DenseKernels.transposedMultiplyAdd(a, d, into: &gradient, m: m, k: k, n: n)
        for i in 0..<m {
            for j in 0..<n {
                let expected = 1 + (0..<k).reduce(Float(0)) { $0 + a[i * k + $1] * b[$1 * n + j] }
                #expect(abs(product[i * n + j] - expected) < 1e-5)
            }
        }
        for p in 0..<k {
            for j in 0..<n {
                let expected = 1 + (0..<m).reduce(Float(0)) { $0 + a[$1 * k + p] * d[$1 * n + j] }
                #expect(abs(gradient[p * n + j] - expected) < 1e-5)
            }
        }
        // Deltas back through the weights: back[m×k] = d[m×n] · bᵀ, overwriting what was there.
        var back = [Float](repeating: 7, count: m * k)
        DenseKernels.multiplyTransposed(d, b, into: &back, m: m, k: k, n: n)
        for i in 0..<m {
            for p in 0..<k {
                let expected = (0..<n).reduce(Float(0)) { $0 + d[i * n + $1] * b[p * n + $1] }
                #expect(abs(back[i * k + p] - expected) < 1e-5)
            }
        }
    }

    /// Back-propagation against central differences of the loss, on a small two-hidden-layer network.
    @Test func backPropagationMatchesNumericalGradients() {
        let shape = NetworkShape(sizes: [3, 5, 4, 3])
        var generator = SplitMix64(seed: 2)
        var parameters = (0..<shape.parameterCount).map { _ in Float(generator.unit() - 0.5) }
        let rows = 6
        let inputs = (0..<(rows * 3)).map { _ in Float(generator.unit() * 2 - 1) }
        let labels = (0..<rows).map { $0 % 3 }
        let workspace = NeuralNetworkWorkspace(shape: shape, capacity: rows)
        func loss(_ parameters: [Float]) -> Double {
            workspace.activations[0].update(from: inputs, count: inputs.count)
            parameters.withUnsafeBufferPointer { workspace.forward($0.baseAddress!, rows: rows, task: .classification) }
            let output = workspace.activations[3]
            return (0..<rows).reduce(0.0) { $0 - log(Double(output[$1 * 3 + labels[$1]])) } / Double(rows)
        }
        _ = loss(parameters)
        let output = workspace.activations[3], delta = workspace.deltas[3]
        for r in 0..<rows {
            for c in 0..<3 { delta[r * 3 + c] = (output[r * 3 + c] - (c == labels[r] ? 1 : 0)) / Float(rows) }
        }
        var gradient = [Float](repeating: 0, count: shape.parameterCount)
        parameters.withUnsafeBufferPointer { p in gradient.withUnsafeMutableBufferPointer { workspace.backward(p.baseAddress!, rows: rows, gradient: $0.baseAddress!) } }
        var worst = 0.0
        for i in 0..<shape.parameterCount {
            let original = parameters[i]
            parameters[i] = original + 1e-2
            let up = loss(parameters)
            parameters[i] = original - 1e-2
            let down = loss(parameters)
            parameters[i] = original
            worst = max(worst, abs((up - down) / 2e-2 - Double(gradient[i])))
        }
        #expect(worst < 2e-3, "largest gradient error \(worst)")
    }

    @Test func aNetworkRoundTripsThroughItsFileAndPredictsTheSame() throws {
        var generator = SplitMix64(seed: 3)
        let x = FeatureMatrix(rows: 50, columns: 3, values: uniforms(150, -1, 1, &generator))
        let labels = (0..<50).map { x.values[$0 * 3] > 0 ? 1 : 0 }
        var settings = NeuralNetworkSettings()
        settings.hidden = [8, 4]
        settings.maxEpochs = 3
        let network = try NeuralNetwork.fit(x, targets: .classes(labels, count: 2), settings: settings)
        let path = try temporaryPath("model")
        try ModelFile.write(NeuralNetworkFile(target: "y", classes: ["no", "yes"], encoder: try FeatureEncoder(fitting: Dataset(columns: ["a", "b", "c"].map { .float($0, [0]) })), network: network), to: path)
        let loaded = try #require(try ModelFile.load(path: path) as? NeuralNetworkFile)
        #expect(loaded.network == network)
        #expect(try loaded.predict(x) == .classification(classes: ["no", "yes"], probabilities: network.probabilities(x)))
        // Probabilities sum to one.
        for row in network.probabilities(x) { #expect(abs(row.reduce(0, +) - 1) < 1e-5) }
    }
}
