import MLPTrain

/// A tabular model (any ``TrainedModel`` that ``ModelFile`` loads) behind the protocol.
///
/// Input, either form:
/// - `features`: FP32 or FP64, shape `[batch, F]`, the encoded feature row the model's encoder
///   produces (its ``FeatureEncoder/featureNames``, in order: one-hot columns already expanded);
/// - one input per source column, named as the column, shape `[batch]` or `[batch, 1]`: numbers
///   (any numeric datatype, or BOOL) for a numeric column, BYTES for a categorical one, which the
///   server one-hot encodes with the categories in the model card (a category the model never saw
///   encodes as all zeros, as in training).
///
/// The standardisation the model learned is applied inside ``TrainedModel/predict(_:)``. Outputs: a classifier gives
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
    private let oneRow: OneRowOutputs

    /// Wraps a loaded model, learning its class labels from one prediction on a row of zeros.
    ///
    /// - Throws: ``ModelServingError`` when the model cannot predict.
    public init(model: any TrainedModel) throws {
        self.model = model
        featureCount = model.encoder.featureCount
        let probe: Prediction
        do { probe = try model.predict(FeatureMatrix(rows: 1, columns: featureCount, values: Array(repeating: 0, count: featureCount))) } catch {
            throw ModelServingError("the \(model.format) model cannot predict a row of \(featureCount) features: \(error)")
        }
        if case .classification(let classes, _) = probe { self.classes = classes } else { self.classes = nil }
        oneRow = OneRowOutputs(labelShape: [1], probabilityShape: [1, classes?.count ?? 1], labels: (classes ?? []).map { [$0] })
        inputs = [TensorMetadata(name: Self.inputName, datatype: .fp64, shape: [-1, featureCount])]
        if let classes {
            outputs = [TensorMetadata(name: "label", datatype: .bytes, shape: [-1]),
                       TensorMetadata(name: "probabilities", datatype: .fp64, shape: [-1, classes.count])]
        } else {
            outputs = [TensorMetadata(name: "prediction", datatype: .fp64, shape: [-1])]
        }
    }

    /// Loads the model file at `path` (``ModelFile/load(path:)``).
    public init(path: String) throws {
        try self.init(model: ModelFile.load(path: path))
    }

    /// `mlp-tabular`.
    public var platform: String { "mlp-tabular" }

    /// `features`, `[-1, F]`, FP64 (FP32 is accepted too).
    public let inputs: [TensorMetadata]

    /// `label` and `probabilities` for a classifier, `prediction` for a regressor.
    public let outputs: [TensorMetadata]

    /// One feature row per example: from the `[batch, F]` `features` input, or encoded from one
    /// input per source column.
    public func rows(from request: InferenceRequest) throws -> [[Double]] {
        if !request.inputs.contains(where: { $0.name == Self.inputName }),
           request.inputs.contains(where: { model.encoder.columns.contains($0.name) }) {
            return try columnRows(from: request)
        }
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
        if input.shape[0] == 1 { return [values] }   // the row as sent: no copy
        return (0..<input.shape[0]).map { row in Array(values[(row * featureCount)..<((row + 1) * featureCount)]) }
    }

    /// A tabular model's pass over one request takes microseconds and reads only immutable
    /// weights, so the server runs it inline (with no batching delay).
    public var runsInline: Bool { true }

    /// The model's prediction for each row: class probabilities, or a one-element regression value.
    public func forward(_ rows: [[Double]]) throws -> [[Double]] {
        var values: [Double]
        if rows.count == 1 {
            values = rows[0]
        } else {
            values = []
            values.reserveCapacity(rows.count * featureCount)
            for row in rows { values.append(contentsOf: row) }
        }
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
        let mostProbable = { (row: [Double]) in row.indices.max { row[$0] < row[$1] } ?? 0 }
        if batch == 1 {   // a single row's answer made of arrays built once (the common request: no allocation but the outputs)
            return [.init(name: "label", shape: oneRow.labelShape, datatype: .bytes, data: .strings(oneRow.labels[mostProbable(results[0])])),
                    .init(name: "probabilities", shape: oneRow.probabilityShape, datatype: .fp64, data: .numbers(results[0]))]
        }
        return [.init(name: "label", shape: [batch], datatype: .bytes, data: .strings(results.map { classes[mostProbable($0)] })),
                .init(name: "probabilities", shape: [batch, classes.count], datatype: .fp64, data: .numbers(results.flatMap { $0 }))]
    }

    /// A one-row answer's shapes, and each class label as a one-element array.
    private struct OneRowOutputs: Sendable {
        let labelShape: [Int]
        let probabilityShape: [Int]
        let labels: [[String]]
    }

    /// The numeric datatypes a numeric column's input may have.
    static let numericColumnTypes: [TensorDatatype] = TensorDatatype.allCases.filter { $0.isNumeric } + [.bool]

    /// Feature rows encoded from one input per source column (see the type's documentation).
    func columnRows(from request: InferenceRequest) throws -> [[Double]] {
        let encoder = model.encoder
        let columnList = encoder.columns.map { "'\($0)'" }.joined(separator: ", ")
        if let unknown = request.inputs.first(where: { !encoder.columns.contains($0.name) }) {
            throw ServeError.badRequest("the model has no input '\(unknown.name)'; send '\(Self.inputName)' [batch, \(featureCount)] or one input per column: \(columnList)")
        }
        let missing = encoder.columns.filter { name in !request.inputs.contains { $0.name == name } }
        guard missing.isEmpty else {
            throw ServeError.badRequest("inputs for the model's columns \(missing.map { "'\($0)'" }.joined(separator: ", ")) are missing; give one input per column (\(columnList)), or '\(Self.inputName)' [batch, \(featureCount)]")
        }
        var batch: Int?
        var rows: [[Double]] = []
        var offset = 0
        for (name, encoding) in zip(encoder.columns, encoder.encodings) {
            let matching = request.inputs.filter { $0.name == name }
            guard matching.count == 1 else { throw ServeError.badRequest("input '\(name)' is given \(matching.count) times") }
            let input = matching[0]
            guard input.shape.count == 1 || (input.shape.count == 2 && input.shape[1] == 1) else {
                throw ServeError.badRequest("input '\(name)' must have shape [batch] or [batch, 1] (one value of the column per example), not \(input.shape)")
            }
            // The shape is checked against the data (and so bounded by the body) before the rows
            // it sizes are allocated.
            switch encoding {
            case .numeric: _ = try input.validated(allowed: Self.numericColumnTypes)
            case .oneHot: _ = try input.validated(allowed: [.bytes])
            }
            let count = input.shape[0]
            if let batch, batch != count {
                throw ServeError.badRequest("input '\(name)' has \(count) examples but '\(encoder.columns[0])' has \(batch); every column input needs the same batch")
            }
            if batch == nil {
                batch = count
                rows = Array(repeating: Array(repeating: 0, count: featureCount), count: count)
            }
            switch encoding {
            case .numeric:
                let values: [Double]
                switch input.data {
                case .numbers(let numbers): values = numbers
                case .floats(let floats): values = floats.map(Double.init)
                case .bools(let flags): values = flags.map { $0 ? 1 : 0 }
                case .strings: values = []
                }
                if let bad = values.firstIndex(where: { !$0.isFinite }) {
                    throw ServeError.badRequest("input '\(name)': element \(bad) is not a finite number")
                }
                for row in 0..<count { rows[row][offset] = values[row] }
                offset += 1
            case .oneHot(let categories):
                guard case .strings(let values) = input.data else { break }
                let position = Dictionary(uniqueKeysWithValues: categories.enumerated().map { ($0.element, $0.offset) })
                for row in 0..<count {
                    if let index = position[values[row]] { rows[row][offset + index] = 1 }
                }
                offset += categories.count
            }
        }
        return rows
    }
}
