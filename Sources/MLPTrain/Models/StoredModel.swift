/// A trained model that is written as a model artifact (``ModelFile``): its numbers as tensors,
/// the rest in its ``ModelCard``.
protocol StoredModel: TrainedModel {
    /// The kind's own card fields (under `model` in `model.json`): the shapes and settings that
    /// are not tensors.
    associatedtype Details: Codable
    /// The card's `kind` (`softmax-regression`).
    static var kind: String { get }
    /// A classifier's labels in output order; empty for a regressor.
    var classLabels: [String] { get }
    /// Adds the model's tensors to `tensors` and returns the rest of what the card records.
    func storedParts(into tensors: inout ModelTensorWriter) throws -> StoredModelParts<Details>
    /// The model described by `card` and `details`, with its numbers read from `tensors`.
    init(card: ModelCard, details: Details, tensors: ModelTensorReader) throws
}

/// What a ``StoredModel`` records in its card besides the common fields.
struct StoredModelParts<Details: Codable> {
    /// The fitted transforms, naming their tensors.
    var preprocessing: ModelCard.Preprocessing
    /// The feature schema's missing-value handling (`reject` or `tree-branch`).
    var missing: String
    /// The kind's own fields.
    var details: Details
}

extension FeatureEncoder {
    /// The encoder of `columns`, each encoded as `encodings` says (as read from a model card).
    init(columns: [String], encodings: [Encoding]) {
        self.columns = columns
        self.encodings = encodings
    }
}

extension ModelTensorReader {
    /// The standardiser named by `names` (required: a model kind that standardises needs it),
    /// `width` means and scales.
    func standardizer(_ names: ModelCard.Standardization?, width: Int, role: String = "standardize") throws -> Standardizer {
        guard let names else { throw TrainingError(message: "the card's preprocessing has no '\(role)', which a \(card.kind) model needs") }
        return Standardizer(means: try doubles(names.mean, count: width), scales: try doubles(names.scale, count: width))
    }
}

extension ModelTensorWriter {
    /// Adds a standardiser's means and scales as `<prefix>.mean` and `<prefix>.scale`; returns their names.
    mutating func add(_ standardizer: Standardizer, prefix: String = "standardize") -> ModelCard.Standardization {
        add("\(prefix).mean", doubles: standardizer.means)
        add("\(prefix).scale", doubles: standardizer.scales)
        return ModelCard.Standardization(mean: "\(prefix).mean", scale: "\(prefix).scale")
    }
}

extension Standardizer {
    /// A standardiser with the given means and scales (as read from a model artifact).
    init(means: [Double], scales: [Double]) {
        self.means = means
        self.scales = scales
    }
}
