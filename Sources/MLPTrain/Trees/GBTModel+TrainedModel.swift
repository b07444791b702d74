import Foundation
import MLPData

/// A gradient-boosted-trees model as the model-file layer (``ModelFile``) sees it.
///
/// A wrapper rather than a conformance of ``GBTModel`` itself: the model's `task` is a
/// ``GBTTask``, and a legacy JSON file's thresholds may be the strings `"Infinity"`, so it is
/// read by ``GBTModel/decode(_:)``, not by a plain `JSONDecoder`.
struct GBTModelFile: TrainedModel {
    let model: GBTModel

    var format: String { model.format }
    var target: String { model.target }
    var encoder: FeatureEncoder { model.encoder }
    var task: PredictionTask { model.task == .regression ? .regression : .classification }

    func predict(_ features: FeatureMatrix) throws -> Prediction {
        try checkWidth(features)
        if model.task == .regression { return .regression(values: model.predictValues(features)) }
        return .classification(classes: model.classes, probabilities: model.predictProbabilities(features))
    }

    /// Trees take empty cells (they follow each split's learned missing-value branch), so rows
    /// are encoded with `NaN` for them instead of being refused.
    func predict(_ data: Dataset) throws -> Prediction {
        let columns = try model.encoder.encodeColumns(data)
        var rowMajor = [Double](repeating: 0, count: columns.values.count)
        for feature in 0..<columns.columns {
            for row in 0..<columns.rows { rowMajor[row * columns.columns + feature] = columns.values[feature * columns.rows + row] }
        }
        return try predict(FeatureMatrix(rows: columns.rows, columns: columns.columns, values: rowMajor))
    }

    func validate() throws { try model.check() }
}
