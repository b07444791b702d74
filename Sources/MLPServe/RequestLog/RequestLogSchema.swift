import MLPTrain

/// The columns a model's request log has, and how one answered request becomes rows of them.
///
/// Every row starts with `time` (unix seconds) and `version` (the version that answered). A
/// tabular model then logs its source columns as its card names them: a numeric feature as its
/// value, a one-hot encoded column as the category whose indicator is set (empty when none is), so
/// logged rows line up with the training data's columns. A sentence-embedding model logs `text`.
/// The answer follows: `label` and one `probability_<class>` per class for a classifier,
/// `prediction` for a regressor; embeddings are not logged.
public struct RequestLogSchema: Sendable, Equatable {
    /// One logged input column of a tabular model.
    public struct FeatureColumn: Sendable, Equatable {
        /// The column name, as in the training data.
        public var name: String
        /// Where its value sits in a `features` row: one index for a numeric column, one per
        /// category for a one-hot encoded one.
        public var indices: [Int]
        /// A one-hot column's categories, in the order of `indices` (nil for a numeric column).
        public var categories: [String]?
    }

    /// What the request side of a row holds.
    public enum Inputs: Sendable, Equatable {
        /// The feature columns of a `features` tensor of width `width`.
        case features([FeatureColumn], width: Int)
        /// The `text` input's sentence.
        case text
    }

    /// What the answer side of a row holds.
    public enum Outputs: Sendable, Equatable {
        /// `label` and `probability_<class>` for each class.
        case classes([String])
        /// `prediction`.
        case prediction
        /// Nothing (an embedding model).
        case none
    }

    /// The request side.
    public var inputs: Inputs
    /// The answer side.
    public var outputs: Outputs

    /// A schema from its parts.
    public init(inputs: Inputs, outputs: Outputs) {
        self.inputs = inputs
        self.outputs = outputs
    }

    /// The schema of a tabular model: its card's source columns and its classes (or a prediction).
    public init(tabular model: TabularServedModel) {
        var columns: [FeatureColumn] = []
        var index = 0
        for (name, encoding) in zip(model.model.encoder.columns, model.model.encoder.encodings) {
            switch encoding {
            case .numeric:
                columns.append(FeatureColumn(name: name, indices: [index], categories: nil))
                index += 1
            case .oneHot(let categories):
                columns.append(FeatureColumn(name: name, indices: Array(index..<(index + categories.count)), categories: categories))
                index += categories.count
            }
        }
        self.init(inputs: .features(columns, width: model.featureCount), outputs: model.classes.map { .classes($0) } ?? .prediction)
    }

    /// The schema of the model an endpoint serves; nil for an endpoint whose requests cannot be
    /// logged (one that is not a served tabular or sentence-embedding model).
    public init?(endpoint: any ModelEndpoint) {
        let endpoint = (endpoint as? ReloadableModelEndpoint)?.initial ?? endpoint
        if let tabular = endpoint as? BatchedModelEndpoint<TabularServedModel> {
            self.init(tabular: tabular.batcher.model)
        } else if endpoint is BatchedModelEndpoint<SentenceEmbeddingServedModel> {
            self.init(inputs: .text, outputs: .none)
        } else {
            return nil
        }
    }

    /// The CSV header.
    public var header: [String] {
        var names = ["time", "version"]
        switch inputs {
        case .features(let columns, _): names += columns.map(\.name)
        case .text: names.append("text")
        }
        switch outputs {
        case .classes(let classes): names += ["label"] + classes.map { "probability_\($0)" }
        case .prediction: names.append("prediction")
        case .none: break
        }
        return names
    }

    /// The rows a request holds (its batch), or 0 when its input is not there in the expected form.
    public func rowCount(of request: InferenceRequest) -> Int {
        switch inputs {
        case .features(let columns, let width):
            guard let input = request.inputs.first(where: { $0.name == TabularServedModel.inputName }) else {
                // One input per column: the model checked them; the batch is any column's length.
                guard let first = columns.first, let input = request.inputs.first(where: { $0.name == first.name }),
                      columns.allSatisfy({ column in request.inputs.first { $0.name == column.name }?.data.count == input.data.count }) else { return 0 }
                return input.data.count
            }
            guard input.shape.count == 2, input.shape[1] == width, input.shape[0] >= 0 else { return 0 }
            let (elements, overflow) = input.shape[0].multipliedReportingOverflow(by: width)
            return !overflow && input.data.count == elements ? input.shape[0] : 0
        case .text:
            guard let input = request.inputs.first(where: { $0.name == SentenceEmbeddingServedModel.inputName }),
                  case .strings(let texts) = input.data else { return 0 }
            return texts.count
        }
    }

    /// The rows (unquoted fields, in ``header`` order) of one answered request. An output the
    /// request did not ask for is left empty.
    public func rows(time: Double, version: String, request: InferenceRequest, response: InferenceResponse) -> [[String]] {
        let count = rowCount(of: request)
        guard count > 0 else { return [] }
        var rows = [[String]](repeating: [Self.number(time), version], count: count)
        switch inputs {
        case .features(let columns, _) where !request.inputs.contains(where: { $0.name == TabularServedModel.inputName }):
            // One input per column: log each as sent (a category as its text).
            for column in columns {
                let input = request.inputs.first { $0.name == column.name }!
                for row in 0..<count {
                    switch input.data {
                    case .strings(let values): rows[row].append(values[row])
                    case .numbers(let values): rows[row].append(Self.number(values[row]))
                    case .floats(let values): rows[row].append(Self.number(Double(values[row])))
                    case .bools(let values): rows[row].append(values[row] ? "1" : "0")
                    }
                }
            }
        case .features(let columns, let width):
            let input = request.inputs.first { $0.name == TabularServedModel.inputName }!
            let values: [Double]
            switch input.data {
            case .numbers(let numbers): values = numbers
            case .floats(let floats): values = floats.map(Double.init)
            default: return []
            }
            for row in 0..<count {
                let base = row * width
                for column in columns {
                    if let categories = column.categories {
                        let set = zip(categories, column.indices).first { values[base + $0.1] > 0.5 }
                        rows[row].append(set?.0 ?? "")
                    } else {
                        rows[row].append(Self.number(values[base + column.indices[0]]))
                    }
                }
            }
        case .text:
            guard let input = request.inputs.first(where: { $0.name == SentenceEmbeddingServedModel.inputName }),
                  case .strings(let texts) = input.data else { return [] }
            for row in 0..<count { rows[row].append(texts[row]) }
        }
        switch outputs {
        case .classes(let classes):
            let labels = Self.strings(response, "label", count: count)
            let probabilities = Self.numbers(response, "probabilities", count: count * classes.count)
            for row in 0..<count {
                rows[row].append(labels?[row] ?? "")
                for column in classes.indices {
                    rows[row].append(probabilities.map { Self.number($0[row * classes.count + column]) } ?? "")
                }
            }
        case .prediction:
            let predictions = Self.numbers(response, "prediction", count: count)
            for row in 0..<count { rows[row].append(predictions.map { Self.number($0[row]) } ?? "") }
        case .none: break
        }
        return rows
    }

    /// A number as CSV text: the shortest form that reads back to the same `Double`.
    static func number(_ value: Double) -> String { "\(value)" }

    private static func strings(_ response: InferenceResponse, _ name: String, count: Int) -> [String]? {
        guard let output = response.outputs.first(where: { $0.name == name }), case .strings(let values) = output.data, values.count == count else { return nil }
        return values
    }

    private static func numbers(_ response: InferenceResponse, _ name: String, count: Int) -> [Double]? {
        guard let output = response.outputs.first(where: { $0.name == name }) else { return nil }
        switch output.data {
        case .numbers(let values) where values.count == count: return values
        case .floats(let values) where values.count == count: return values.map(Double.init)
        default: return nil
        }
    }
}
