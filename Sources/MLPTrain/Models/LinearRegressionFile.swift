/// `trainer/linear`'s model: the encoder and the model (artifact kind `linear-regression`; legacy format `mlp-linear-regression/1`).
public struct LinearRegressionFile: Codable, Sendable, TrainedModel {
    public var format = "mlp-linear-regression/1"
    public var target: String
    public var encoder: FeatureEncoder
    public var model: LinearRegression

    /// Always regression.
    public var task: PredictionTask { .regression }

    /// The predicted value of each row.
    public func predict(_ features: FeatureMatrix) throws -> Prediction {
        try checkWidth(features)
        return .regression(values: model.predict(features))
    }

    /// Checks that there is one coefficient per encoded feature.
    public func validate() throws {
        let width = encoder.featureCount
        guard encoder.columns.count == encoder.encodings.count else { throw TrainingError(message: "the encoder has \(encoder.columns.count) columns but \(encoder.encodings.count) encodings") }
        guard model.coefficients.count == width else { throw TrainingError(message: "\(model.coefficients.count) coefficients for \(width) features") }
        guard model.aliased.allSatisfy({ (0..<width).contains($0) }) else { throw TrainingError(message: "an aliased feature index is outside 0..<\(width)") }
    }
}
