/// What a model predicts: a class (with probabilities) or a number.
public enum PredictionTask: String, Codable, Sendable {
    case classification, regression
}
