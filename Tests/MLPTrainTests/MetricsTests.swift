import Testing
@testable import MLPTrain

/// Known values: worked by hand, and matching scikit-learn's documented examples.
@Suite struct MetricsTests {
    func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool { abs(a - b) <= tolerance }

    @Test func accuracyAndTheConfusionMatrix() throws {
        let truth = [0, 1, 2, 0, 1, 2], predicted = [0, 2, 1, 0, 0, 1]
        #expect(try ClassificationMetrics.accuracy(truth: truth, predicted: predicted) == 2.0 / 6)
        #expect(try ClassificationMetrics.confusionMatrix(truth: truth, predicted: predicted, classes: 3) == [[2, 0, 0], [1, 0, 1], [0, 2, 0]])
        #expect(throws: MetricError.self) { try ClassificationMetrics.accuracy(truth: [0], predicted: [0, 1]) }
        #expect(throws: MetricError.self) { try ClassificationMetrics.confusionMatrix(truth: [3], predicted: [0], classes: 3) }
    }

    @Test func macroPrecisionRecallF1MatchScikitLearnsExample() throws {
        // sklearn.metrics.precision_recall_fscore_support(y_true, y_pred, average='macro') on
        // y_true = [0,1,2,0,1,2], y_pred = [0,2,1,0,0,1] gives (0.2222…, 0.3333…, 0.2666…).
        let (precision, recall, f1) = try ClassificationMetrics.macroPrecisionRecallF1(truth: [0, 1, 2, 0, 1, 2], predicted: [0, 2, 1, 0, 0, 1], classes: 3)
        #expect(close(precision, 2.0 / 9))
        #expect(close(recall, 1.0 / 3))
        #expect(close(f1, 0.8 / 3))
    }

    @Test func rocAUCCountsTiesAsOneHalf() throws {
        // sklearn's roc_auc_score example: y = [0, 0, 1, 1], scores = [0.1, 0.4, 0.35, 0.8] → 0.75.
        #expect(try ClassificationMetrics.rocAUC(truth: [0, 0, 1, 1], scores: [0.1, 0.4, 0.35, 0.8]) == 0.75)
        #expect(try ClassificationMetrics.rocAUC(truth: [0, 1], scores: [0.5, 0.5]) == 0.5)
        #expect(try ClassificationMetrics.rocAUC(truth: [0, 0, 1], scores: [0.1, 0.2, 0.9]) == 1)
        #expect(throws: MetricError.self) { try ClassificationMetrics.rocAUC(truth: [1, 1], scores: [0.2, 0.3]) }
        let multi = try ClassificationMetrics.rocAUC(truth: [0, 1, 2], probabilities: [[0.8, 0.1, 0.1], [0.1, 0.8, 0.1], [0.1, 0.1, 0.8]])
        #expect(multi == 1)
    }

    @Test func logLossClipsAndNormalises() throws {
        // sklearn's log_loss example: ["spam", "ham", "ham", "spam"] with P(ham) = .9,.1,.2,.35 → 0.21616…
        let loss = try ClassificationMetrics.logLoss(truth: [1, 0, 0, 1], probabilities: [[0.1, 0.9], [0.9, 0.1], [0.8, 0.2], [0.35, 0.65]])
        #expect(close(loss, 0.21616187468057912, 1e-12))
        #expect(try ClassificationMetrics.logLoss(truth: [0], probabilities: [[0, 1]]).isFinite)
    }

    @Test func regressionMetrics() throws {
        // sklearn's examples: y_true = [3, -0.5, 2, 7], y_pred = [2.5, 0.0, 2, 8].
        let truth = [3, -0.5, 2, 7], predicted = [2.5, 0.0, 2, 8]
        #expect(close(try RegressionMetrics.mae(truth: truth, predicted: predicted), 0.5))
        #expect(close(try RegressionMetrics.rmse(truth: truth, predicted: predicted), 0.6123724356957945))
        #expect(close(try RegressionMetrics.r2(truth: truth, predicted: predicted), 0.9486081370449679))
        #expect(throws: MetricError.self) { try RegressionMetrics.r2(truth: [1, 1], predicted: [1, 2]) }
    }

    @Test func reportsNameEveryMetric() throws {
        let report = try MetricReport.classification(truth: [0, 1, 1, 0], probabilities: [[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.7, 0.3]])
        #expect(report["accuracy"] == 0.75 && report["auc"] == 1 && report["confusion_1_0"] == 1)
        #expect(Set(report.keys).isSuperset(of: ["precision", "recall", "f1", "log_loss"]))
        #expect(try MetricReport.regression(truth: [1, 2, 3], predicted: [1, 2, 4])["mae"] == 1.0 / 3)
    }
}
