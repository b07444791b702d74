import MLPData

/// What a model says about a set of rows.
public enum Prediction: Sendable, Equatable {
    /// A classifier's output: `probabilities[row][c]` is the probability of `classes[c]`.
    case classification(classes: [String], probabilities: [[Double]])
    /// A regressor's output: one value per row.
    case regression(values: [Double])

    /// The most probable class label of each row (nil for a regressor).
    public var labels: [String]? {
        guard case .classification(let classes, let probabilities) = self else { return nil }
        return probabilities.map { row in classes[row.indices.max { row[$0] < row[$1] }!] }
    }
}

/// A trained model loaded from its artifact (``ModelFile``): anything that can turn rows into
/// predictions, whatever trainer made it.
public protocol TrainedModel: Sendable {
    /// The model's type as a format tag (`mlp-mlp/1`): the `format` field of a legacy
    /// single-file model, and the same tag for one loaded from an artifact folder (whose card
    /// names the kind, `mlp`, and the layout, `mlp-model/1`).
    var format: String { get }
    /// The column the model predicts.
    var target: String { get }
    /// How dataset columns become the model's input features, fitted on the training data.
    var encoder: FeatureEncoder { get }
    /// Classification or regression.
    var task: PredictionTask { get }
    /// Predictions for encoded features (``FeatureEncoder/encode(_:)`` output; any scaling the
    /// model learned is applied inside).
    func predict(_ features: FeatureMatrix) throws -> Prediction
    /// Predictions for the rows of a dataset (by default: the stored encoder, then the model).
    func predict(_ data: Dataset) throws -> Prediction
    /// Checks that the stored shapes agree with each other, so a damaged or hand-edited file is
    /// an error at load time instead of a crash at prediction time.
    func validate() throws
}

extension TrainedModel {
    /// Predictions for the rows of a dataset: the stored encoder, then the model.
    public func predict(_ data: Dataset) throws -> Prediction {
        try predict(try encoder.encode(data))
    }

    /// Throws unless `features` has the width the encoder produces.
    func checkWidth(_ features: FeatureMatrix) throws {
        let expected = encoder.featureCount
        guard features.columns == expected else {
            throw TrainingError(message: "the model expects \(expected) features but was given \(features.columns)")
        }
    }
}
