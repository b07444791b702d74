/// `trainer/mlp`'s model as an artifact (kind `mlp`): per layer `i` (from 0) tensors
/// `layers.i.weight` (inputs × outputs, F32) and `layers.i.bias` (outputs, F32), the feature
/// standardiser, and for a regressor the target's (`target.mean`, `target.scale`).
extension NeuralNetworkFile: StoredModel {
    /// The card's fields beyond the common ones.
    struct Details: Codable {
        /// Units per layer: the input width, each hidden layer, then the outputs.
        var layerSizes: [Int]
        /// Epochs trained.
        var epochs: Int

        enum CodingKeys: String, CodingKey {
            case layerSizes = "layer_sizes"
            case epochs
        }
    }

    static var kind: String { "mlp" }

    var classLabels: [String] { classes }

    func storedParts(into tensors: inout ModelTensorWriter) throws -> StoredModelParts<Details> {
        for layer in 0..<(network.layerSizes.count - 1) {
            tensors.add("layers.\(layer).weight", floats: network.weights[layer], shape: [network.layerSizes[layer], network.layerSizes[layer + 1]])
            tensors.add("layers.\(layer).bias", floats: network.biases[layer])
        }
        var preprocessing = ModelCard.Preprocessing(standardize: tensors.add(network.standardizer))
        if network.task == .regression {
            preprocessing.targetStandardize = tensors.add(Standardizer(means: [network.targetMean], scales: [network.targetScale]), prefix: "target")
        }
        return StoredModelParts(preprocessing: preprocessing, missing: "reject", details: Details(layerSizes: network.layerSizes, epochs: network.epochs))
    }

    init(card: ModelCard, details: Details, tensors: ModelTensorReader) throws {
        let encoder = try card.features.encoder()
        let sizes = details.layerSizes
        guard sizes.count >= 2, sizes.count <= 1_000, sizes.allSatisfy({ (1...(1 << 24)).contains($0) }) else {
            throw TrainingError(message: "layer_sizes \(sizes) are not a network (2 to 1000 layers of 1 to 2^24 units each)")
        }
        var weights: [[Float]] = [], biases: [[Float]] = []
        for layer in 0..<(sizes.count - 1) {
            weights.append(try tensors.floats("layers.\(layer).weight", count: sizes[layer] * sizes[layer + 1]))
            biases.append(try tensors.floats("layers.\(layer).bias", count: sizes[layer + 1]))
        }
        var targetMean = 0.0, targetScale = 1.0
        if card.task == .regression {
            let target = try tensors.standardizer(card.preprocessing.targetStandardize, width: 1, role: "target_standardize")
            targetMean = target.means[0]
            targetScale = target.scales[0]
        }
        let network = NeuralNetwork(task: card.task, layerSizes: sizes, weights: weights, biases: biases,
                                    standardizer: try tensors.standardizer(card.preprocessing.standardize, width: sizes[0]),
                                    targetMean: targetMean, targetScale: targetScale, epochs: details.epochs)
        self.init(target: card.target, classes: card.classes, encoder: encoder, network: network)
    }
}
