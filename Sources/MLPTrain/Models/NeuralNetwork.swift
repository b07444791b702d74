import Foundation

/// A multi-layer perceptron: fully connected layers with ReLU between them, a softmax output
/// for classification or a single linear output for regression. Weights are `Float`.
///
/// Inputs are standardised with the stored ``standardizer``; a regressor predicts the target
/// standardised with ``targetMean`` and ``targetScale`` and scales back.
public struct NeuralNetwork: Codable, Sendable, Equatable {
    public var task: PredictionTask
    /// Units per layer: the input width, each hidden layer, then the outputs (classes, or 1).
    public var layerSizes: [Int]
    /// One matrix per layer, `inputs × outputs` row-major.
    public var weights: [[Float]]
    /// One vector per layer, `outputs` long.
    public var biases: [[Float]]
    public var standardizer: Standardizer
    /// For regression: the training target's mean and standard deviation (0 and 1 for classification).
    public var targetMean: Double
    public var targetScale: Double
    /// Epochs trained (for early stopping: the epochs run, including those after the best one).
    public var epochs: Int

    var shape: NetworkShape { NetworkShape(sizes: layerSizes) }

    /// Throws unless the layer sizes, weights, biases and scaling agree.
    func validate() throws {
        guard layerSizes.count >= 2, layerSizes.allSatisfy({ $0 >= 1 && $0 <= 1 << 24 }) else {
            throw TrainingError(message: "layer sizes \(layerSizes) are not a network (at least an input and an output layer, each 1 to 2^24 units)")
        }
        let layers = layerSizes.count - 1
        guard weights.count == layers, biases.count == layers else {
            throw TrainingError(message: "\(weights.count) weight matrices and \(biases.count) bias vectors for \(layers) layers")
        }
        for layer in 0..<layers {
            let (inputs, outputs) = layerSizes[layer].multipliedReportingOverflow(by: layerSizes[layer + 1])
            guard !outputs, weights[layer].count == inputs, biases[layer].count == layerSizes[layer + 1] else {
                throw TrainingError(message: "layer \(layer + 1) has \(weights[layer].count) weights and \(biases[layer].count) biases for \(layerSizes[layer])×\(layerSizes[layer + 1]) units")
            }
        }
        switch task {
        case .classification: guard layerSizes.last! >= 2 else { throw TrainingError(message: "a classifier needs at least two outputs") }
        case .regression: guard layerSizes.last! == 1 else { throw TrainingError(message: "a regressor has one output, not \(layerSizes.last!)") }
        }
        guard targetScale.isFinite, targetScale > 0, targetMean.isFinite else { throw TrainingError(message: "the target scale must be a positive number") }
        try standardizer.validate(width: layerSizes[0])
    }

    /// The network's outputs for each row: class probabilities (`rows × classes`, row-major) or
    /// predicted values (`rows`).
    public func outputs(_ x: FeatureMatrix) -> [Double] {
        let shape = self.shape
        let width = shape.sizes[0], outputs = shape.sizes.last!
        precondition(x.columns == width, "NeuralNetwork: \(x.columns) features for an input layer of \(width)")
        var parameters = [Float](repeating: 0, count: shape.parameterCount)
        for layer in 0..<shape.layers {
            for (i, value) in weights[layer].enumerated() { parameters[shape.weightOffsets[layer] + i] = value }
            for (i, value) in biases[layer].enumerated() { parameters[shape.biasOffsets[layer] + i] = value }
        }
        let chunk = max(1, min(x.rows, 256))
        let workspace = NeuralNetworkWorkspace(shape: shape, capacity: chunk)
        var result = [Double](repeating: 0, count: x.rows * outputs)
        parameters.withUnsafeBufferPointer { parameters in
            var start = 0
            while start < x.rows {
                let rows = min(chunk, x.rows - start)
                let input = workspace.activations[0]
                for r in 0..<rows {
                    for c in 0..<width {
                        input[r * width + c] = Float((x.values[(start + r) * width + c] - standardizer.means[c]) / standardizer.scales[c])
                    }
                }
                workspace.forward(parameters.baseAddress!, rows: rows, task: task)
                let output = workspace.activations[shape.layers]
                for i in 0..<(rows * outputs) {
                    result[start * outputs + i] = task == .regression ? Double(output[i]) * targetScale + targetMean : Double(output[i])
                }
                start += rows
            }
        }
        return result
    }

    /// Class probabilities of each row (classification only).
    public func probabilities(_ x: FeatureMatrix) -> [[Double]] {
        let flat = outputs(x), classes = layerSizes.last!
        return (0..<x.rows).map { Array(flat[($0 * classes)..<(($0 + 1) * classes)]) }
    }
}

/// Where each layer's weights and biases sit in one flat parameter vector.
struct NetworkShape {
    let sizes: [Int]
    let weightOffsets: [Int]
    let biasOffsets: [Int]
    let parameterCount: Int
    var layers: Int { sizes.count - 1 }

    init(sizes: [Int]) {
        self.sizes = sizes
        var weightOffsets: [Int] = [], biasOffsets: [Int] = [], offset = 0
        for layer in 0..<(sizes.count - 1) {
            weightOffsets.append(offset)
            offset += sizes[layer] * sizes[layer + 1]
            biasOffsets.append(offset)
            offset += sizes[layer + 1]
        }
        self.weightOffsets = weightOffsets
        self.biasOffsets = biasOffsets
        parameterCount = offset
    }
}
