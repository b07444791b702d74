import MLPData

/// Scores a trained model on a labelled dataset: the numbers an `evaluate` step writes and a
/// trainer reports for its `holdout`, computed by the same code so they agree.
public enum ModelScoring {
    /// ``MetricReport/classification(truth:probabilities:)`` or
    /// ``MetricReport/regression(truth:predicted:)`` of `model` on `data`, whose `target` column
    /// holds the truth (default: the model's own target).
    public static func metrics(of model: any TrainedModel, on data: Dataset, target: String? = nil) throws -> [String: Double] {
        let target = target ?? model.target
        guard data.rowCount > 0 else { throw TrainingError(message: "the data to score has no rows") }
        let prediction = try model.predict(data)
        switch prediction {
        case .classification(let classes, let probabilities):
            let truth = try TrainingTarget.classIndices(data, target: target, classes: classes)
            return try MetricReport.classification(truth: truth, probabilities: probabilities)
        case .regression(let values):
            return try MetricReport.regression(truth: try TrainingTarget.values(data, target: target), predicted: values)
        }
    }
}
