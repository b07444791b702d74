/// `trainer/linear`'s model as an artifact (kind `linear-regression`): tensors `coefficient`
/// (one per feature, in the feature's own units, F64) and `intercept` (one F64); no preprocessing.
extension LinearRegressionFile: StoredModel {
    /// The card's fields beyond the common ones.
    struct Details: Codable {
        /// The ridge penalty the model was fitted with (0: ordinary least squares).
        var l2: Double
        /// Indices of features left out of the fit (constant or collinear with earlier ones).
        var aliased: [Int]
    }

    static var kind: String { "linear-regression" }

    var classLabels: [String] { [] }

    func storedParts(into tensors: inout ModelTensorWriter) throws -> StoredModelParts<Details> {
        tensors.add("coefficient", doubles: model.coefficients)
        tensors.add("intercept", doubles: [model.intercept])
        return StoredModelParts(preprocessing: .init(), missing: "reject", details: Details(l2: model.l2, aliased: model.aliased))
    }

    init(card: ModelCard, details: Details, tensors: ModelTensorReader) throws {
        let encoder = try card.features.encoder()
        let model = LinearRegression(coefficients: try tensors.doubles("coefficient", count: encoder.featureCount),
                                     intercept: try tensors.doubles("intercept", count: 1)[0], l2: details.l2, aliased: details.aliased)
        self.init(target: card.target, encoder: encoder, model: model)
    }
}
