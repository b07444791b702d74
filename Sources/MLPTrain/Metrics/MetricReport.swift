/// The metrics an `evaluate` step writes, by task.
public enum MetricReport {
    /// accuracy, macro precision/recall/F1, ROC-AUC (macro one-vs-rest), log loss, and the
    /// confusion matrix flattened as `confusion_T_P`.
    public static func classification(truth: [Int], probabilities: [[Double]]) throws -> [String: Double] {
        let classes = probabilities.first?.count ?? 0
        guard classes >= 2 else { throw MetricError(message: "classification metrics need probabilities for at least two classes") }
        let predicted = probabilities.map { row in row.indices.max { row[$0] < row[$1] }! }
        let (precision, recall, f1) = try ClassificationMetrics.macroPrecisionRecallF1(truth: truth, predicted: predicted, classes: classes)
        var report: [String: Double] = [
            "accuracy": try ClassificationMetrics.accuracy(truth: truth, predicted: predicted),
            "precision": precision, "recall": recall, "f1": f1,
            "log_loss": try ClassificationMetrics.logLoss(truth: truth, probabilities: probabilities),
        ]
        if Set(truth).count == classes { report["auc"] = try ClassificationMetrics.rocAUC(truth: truth, probabilities: probabilities) }
        let matrix = try ClassificationMetrics.confusionMatrix(truth: truth, predicted: predicted, classes: classes)
        for t in 0..<classes { for p in 0..<classes { report["confusion_\(t)_\(p)"] = Double(matrix[t][p]) } }
        return report
    }

    /// RMSE, MAE and R².
    public static func regression(truth: [Double], predicted: [Double]) throws -> [String: Double] {
        var report = ["rmse": try RegressionMetrics.rmse(truth: truth, predicted: predicted),
                      "mae": try RegressionMetrics.mae(truth: truth, predicted: predicted)]
        if let r2 = try? RegressionMetrics.r2(truth: truth, predicted: predicted) { report["r2"] = r2 }
        return report
    }
}
