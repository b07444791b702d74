/// `trainer/logistic`'s model (artifact kind `softmax-regression`) as a ``TrainedModel``.
extension ClassifierFile: TrainedModel {
    /// Always classification.
    public var task: PredictionTask { .classification }

    /// Class probabilities of each row.
    public func predict(_ features: FeatureMatrix) throws -> Prediction {
        try checkWidth(features)
        return .classification(classes: classes, probabilities: model.probabilities(features))
    }

    /// Checks that the classes, features, weights and standardiser agree.
    public func validate() throws {
        let width = encoder.featureCount
        guard encoder.columns.count == encoder.encodings.count else { throw TrainingError(message: "the encoder has \(encoder.columns.count) columns but \(encoder.encodings.count) encodings") }
        guard classes.count == model.classes, model.classes >= 2 else { throw TrainingError(message: "\(classes.count) class labels for a model of \(model.classes) classes") }
        guard model.features == width else { throw TrainingError(message: "the model has \(model.features) features but the encoder makes \(width)") }
        guard model.weights.count == model.classes * width, model.bias.count == model.classes else {
            throw TrainingError(message: "\(model.weights.count) weights and \(model.bias.count) biases for \(model.classes) classes × \(width) features")
        }
        try model.standardizer.validate(width: width)
    }
}
