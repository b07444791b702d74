/// `trainer/logistic`'s model as an artifact (kind `softmax-regression`): tensors `weight`
/// (classes × features, F64), `bias` (classes, F64) and the feature standardiser.
extension ClassifierFile: StoredModel {
    /// The card's fields beyond the common ones.
    struct Details: Codable {
        /// L-BFGS iterations run.
        var iterations: Int
    }

    static var kind: String { "softmax-regression" }

    var classLabels: [String] { classes }

    func storedParts(into tensors: inout ModelTensorWriter) throws -> StoredModelParts<Details> {
        tensors.add("weight", doubles: model.weights, shape: [model.classes, model.features])
        tensors.add("bias", doubles: model.bias)
        let standardize = tensors.add(model.standardizer)
        return StoredModelParts(preprocessing: .init(standardize: standardize), missing: "reject", details: Details(iterations: model.iterations))
    }

    init(card: ModelCard, details: Details, tensors: ModelTensorReader) throws {
        let encoder = try card.features.encoder()
        let width = encoder.featureCount, classes = card.classes.count
        let (weightCount, overflow) = width.multipliedReportingOverflow(by: classes)
        guard !overflow else { throw TrainingError(message: "\(classes) classes × \(width) features is too many weights") }
        let model = SoftmaxRegression(classes: classes, features: width, weights: try tensors.doubles("weight", count: weightCount),
                                      bias: try tensors.doubles("bias", count: classes),
                                      standardizer: try tensors.standardizer(card.preprocessing.standardize, width: width), iterations: details.iterations)
        self.init(target: card.target, classes: card.classes, encoder: encoder, model: model)
    }
}
