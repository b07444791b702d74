/// `trainer/mlp`'s model (artifact kind `mlp`; legacy format `mlp-mlp/1`): the encoder, the class labels of a
/// classifier, and the network.
public struct NeuralNetworkFile: Codable, Sendable, TrainedModel {
    public var format = "mlp-mlp/1"
    public var target: String
    /// A classifier's labels, as text, in output order; empty for a regressor.
    public var classes: [String]
    public var encoder: FeatureEncoder
    public var network: NeuralNetwork

    /// What the network predicts.
    public var task: PredictionTask { network.task }

    /// Class probabilities, or values, of each row.
    public func predict(_ features: FeatureMatrix) throws -> Prediction {
        try checkWidth(features)
        switch network.task {
        case .classification: return .classification(classes: classes, probabilities: network.probabilities(features))
        case .regression: return .regression(values: network.outputs(features))
        }
    }

    /// Checks the network's shapes against the encoder and the class labels.
    public func validate() throws {
        guard encoder.columns.count == encoder.encodings.count else { throw TrainingError(message: "the encoder has \(encoder.columns.count) columns but \(encoder.encodings.count) encodings") }
        try network.validate()
        let width = encoder.featureCount
        guard network.layerSizes[0] == width else { throw TrainingError(message: "the network takes \(network.layerSizes[0]) inputs but the encoder makes \(width) features") }
        if network.task == .classification {
            guard classes.count == network.layerSizes.last! else { throw TrainingError(message: "\(classes.count) class labels for \(network.layerSizes.last!) outputs") }
        }
    }
}
