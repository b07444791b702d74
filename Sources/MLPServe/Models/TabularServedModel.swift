import MLPTrain

/// A tabular model (any ``TrainedModel`` that ``ModelFile`` loads) behind the protocol.
///
/// Input `features`: FP32 or FP64, shape `[batch, F]`, the encoded feature row the model's
/// encoder produces (its ``FeatureEncoder/featureNames``, in order); the standardisation the
/// model learned is applied inside ``TrainedModel/predict(_:)``. Outputs: a classifier gives
/// `label` (BYTES `[batch]`) and `probabilities` (FP64 `[batch, classes]`); a regressor gives
/// `prediction` (FP64 `[batch]`).
public struct TabularServedModel: BatchableModel {
    /// The input's name.
    public static let inputName = "features"

    /// The loaded model.
    public let model: any TrainedModel
    /// The width of one feature row.
    public let featureCount: Int
    /// A classifier's labels, in the order of the probabilities (nil for a regressor).
    public let classes: [String]?

    /// Wraps a loaded model, learning its class labels from one prediction on a row of zeros.
    ///
    /// - Throws: ``ModelServingError`` when the model cannot predict.
    public init(model: any TrainedModel) throws {
        self.model = model
        featureCount = model.encoder.featureNames.count
        let probe: Prediction
        do { probe = try model.predict(FeatureMatrix(rows: 1, columns: featureCount, values: Array(repeating: 0, count: featureCount))) } catch {
            throw ModelServingError("the \(model.format) model cannot predict a row of \(featureCount) features: \(error)")
        }
        if case .classification(let classes, _) = probe { self.classes = classes } else { self.classes = nil }
    }

    /// Loads the model file at `path` (``ModelFile/load(path:)``).
    public init(path: String) throws {
        try self.init(model: ModelFile.load(path: path))
    }

    /// `mlp-tabular`.
    public var platform: String { "mlp-tabular" }

    /// `features`, `[-1, F]`, FP64 (FP32 is accepted too).
    public var inputs: [TensorMetadata] { [TensorMetadata(name: Self.inputName, datatype: .fp64, shape: [-1, featureCount])] }

    /// `label` and `probabilities` for a classifier, `prediction` for a regressor.
    public var outputs: [TensorMetadata] {
        guard let classes else { return [TensorMetadata(name: "prediction", datatype: .fp64, shape: [-1])] }
        return [TensorMetadata(name: "label", datatype: .bytes, shape: [-1]),
                TensorMetadata(name: "probabilities", datatype: .fp64, shape: [-1, classes.count])]
    }

    /// One feature row per row of the `[batch, F]` input.
    public func rows(from request: InferenceRequest) throws -> [[Double]] {
        let input = try request.input(named: Self.inputName, among: inputs)
        _ = try input.validated(allowed: [.fp32, .fp64])
        guard input.shape.count == 2, input.shape[1] == featureCount else {
            throw ServeError.badRequest("input '\(Self.inputName)' must have shape [batch, \(featureCount)] (one row of the model's \(featureCount) features per example), not \(input.shape)")
        }
        let values: [Double]
        switch input.data {
        case .numbers(let numbers): values = numbers
        case .floats(let floats): values = floats.map(Double.init)
        default: values = []
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw ServeError.badRequest("input '\(Self.inputName)': element \(bad) is not a finite number")
        }
        return (0..<input.shape[0]).map { row in Array(values[(row * featureCount)..<((row + 1) * featureCount)]) }
    }

    /// The model's prediction for each row: class probabilities, or a one-element regression value.
    public func forward(_ rows: [[Double]]) throws -> [[Double]] {
        var values: [Double] = []
        values.reserveCapacity(rows.count * featureCount)
        for row in rows { values.append(contentsOf: row) }
        switch try model.predict(FeatureMatrix(rows: rows.count, columns: featureCount, values: values)) {
        case .classification(_, let probabilities): return probabilities
        case .regression(let predictions): return predictions.map { [$0] }
        }
    }

    /// `label` + `probabilities`, or `prediction`.
    public func outputTensors(for results: [[Double]]) throws -> [InferenceResponse.OutputTensor] {
        let batch = results.count
        guard let classes else {
            return [.init(name: "prediction", shape: [batch], datatype: .fp64, data: .numbers(results.map { $0[0] }))]
        }
        let labels = results.map { row in classes[row.indices.max { row[$0] < row[$1] } ?? 0] }
        return [.init(name: "label", shape: [batch], datatype: .bytes, data: .strings(labels)),
                .init(name: "probabilities", shape: [batch, classes.count], datatype: .fp64, data: .numbers(results.flatMap { $0 }))]
    }
}
