import Foundation
import MLPCore

/// The JSON half of a model artifact (`model.json` beside `model.safetensors`): what the model
/// is, what it reads, how its inputs are prepared, how it was trained and how well it did, and
/// which tensors of `model.safetensors` hold its numbers.
///
/// Every number the model computes with (weights, biases, standardisation means and scales, tree
/// thresholds and leaf values) lives in the safetensors file, bit for bit; the card names those
/// tensors, so a reader in any language finds them without knowing mlp's code. Keys are written
/// sorted, so the same model is the same bytes.
public struct ModelCard: Codable, Sendable, Equatable {
    /// The layout tag of a model artifact: a folder holding `model.json` and `model.safetensors`.
    public static let formatTag = "mlp-model/1"
    /// The card's file name inside the artifact folder.
    public static let cardFile = "model.json"
    /// The tensor file's name inside the artifact folder.
    public static let tensorFile = "model.safetensors"

    /// Always ``formatTag``.
    public var format: String
    /// Which model it is, and so which tensors it has: `softmax-regression`, `linear-regression`,
    /// `mlp` or `gbt` (see ``ModelFile/kinds``).
    public var kind: String
    /// Classification or regression.
    public var task: PredictionTask
    /// The column the model predicts.
    public var target: String
    /// A classifier's labels, as text, in the order of its probabilities; empty for a regressor.
    public var classes: [String]
    /// The input columns and how each becomes features.
    public var features: FeatureSchema
    /// The transforms fitted on the training data and applied before the model.
    public var preprocessing: Preprocessing
    /// The trainer, its parameters and seed (absent for a model written outside a trainer).
    public var trainer: TrainerRecord?
    /// The quality the trainer measured (training and holdout), when it did; times are left out
    /// so the same model is the same bytes.
    public var metrics: [String: Double]
    /// Every tensor of `model.safetensors`, by name: its element type and shape.
    public var tensors: [String: TensorDescription]

    /// One input column of the model.
    public struct FeatureColumn: Codable, Sendable, Equatable {
        /// The dataset column's name.
        public var name: String
        /// `numeric` (a number or bool, used as it is) or `categorical` (text, one-hot encoded).
        public var type: String
        /// A categorical column's categories, in feature order (`name=category`); absent for numeric.
        public var categories: [String]?
    }

    /// The model's input: its columns, the features they become, and what happens to odd values.
    public struct FeatureSchema: Codable, Sendable, Equatable {
        /// The columns the model reads, in order.
        public var columns: [FeatureColumn]
        /// The encoded feature names in matrix order (`colour=red` for one-hot features).
        public var encoded: [String]
        /// What an empty cell does: `reject` (prediction fails naming the row) or `tree-branch`
        /// (a number is `NaN` and follows each split's learned missing-value branch; empty text
        /// sets no one-hot feature).
        public var missing: String
        /// What a category not seen in training does: `all-zeros` (no one-hot feature is set).
        public var unknownCategory: String

        enum CodingKeys: String, CodingKey {
            case columns, encoded, missing
            case unknownCategory = "unknown_category"
        }
    }

    /// A per-feature (or per-target) standardisation `(x - mean) / scale`, by tensor name.
    public struct Standardization: Codable, Sendable, Equatable {
        /// The tensor of means.
        public var mean: String
        /// The tensor of scales (standard deviations; 1 for a constant column).
        public var scale: String
    }

    /// The fitted transforms between the encoded features and the model.
    public struct Preprocessing: Codable, Sendable, Equatable {
        /// Standardisation of each encoded feature, applied inside the model; absent when the
        /// model reads the features as they are.
        public var standardize: Standardization?
        /// A regressor's target standardisation: the model predicts `(y - mean) / scale`.
        public var targetStandardize: Standardization?

        enum CodingKeys: String, CodingKey {
            case standardize
            case targetStandardize = "target_standardize"
        }
    }

    /// Which trainer made the model, with what parameters.
    public struct TrainerRecord: Codable, Sendable, Equatable {
        /// The step kind (`trainer/logistic`).
        public var name: String
        /// The step's resolved `with:` block (artifacts as `{"artifact": digest, …}`).
        public var params: [String: JSONValue]
        /// The step's seed.
        public var seed: UInt64
    }

    /// A tensor's element type (safetensors' name, `F64`) and shape.
    public struct TensorDescription: Codable, Sendable, Equatable {
        /// The element type.
        public var dtype: String
        /// The shape, outermost dimension first.
        public var shape: [Int]
    }

    /// Reads the card of the model artifact folder at `path` (the card alone, without the tensors).
    /// - Throws: ``ModelFileError`` saying what is missing or malformed.
    public static func load(path: String) throws -> ModelCard {
        try ModelFile.readCard(folder: path).card
    }
}

extension ModelCard.FeatureSchema {
    /// The schema of `encoder`'s input, with the given missing-value handling.
    init(_ encoder: FeatureEncoder, missing: String) {
        columns = zip(encoder.columns, encoder.encodings).map { name, encoding in
            switch encoding {
            case .numeric: return ModelCard.FeatureColumn(name: name, type: "numeric", categories: nil)
            case .oneHot(let categories): return ModelCard.FeatureColumn(name: name, type: "categorical", categories: categories)
            }
        }
        encoded = encoder.featureNames
        self.missing = missing
        unknownCategory = "all-zeros"
    }

    /// The encoder this schema describes.
    /// - Throws: ``TrainingError`` for an unknown column type, a repeated category, or encoded
    ///   names that disagree with the columns.
    func encoder() throws -> FeatureEncoder {
        let encodings = try columns.map { column -> FeatureEncoder.Encoding in
            switch (column.type, column.categories) {
            case ("numeric", nil): return .numeric
            case ("categorical", let categories?):
                guard Set(categories).count == categories.count else {
                    throw TrainingError(message: "features: column '\(column.name)' lists a category twice")
                }
                return .oneHot(categories: categories)
            default:
                throw TrainingError(message: "features: column '\(column.name)' has type '\(column.type)'\(column.categories == nil ? "" : " with categories"); expected numeric (no categories) or categorical (with categories)")
            }
        }
        let encoder = FeatureEncoder(columns: columns.map(\.name), encodings: encodings)
        guard encoder.featureNames == encoded else {
            throw TrainingError(message: "features: 'encoded' lists \(encoded.count) names that do not match the \(encoder.featureCount) the columns make")
        }
        guard ["reject", "tree-branch"].contains(missing) else { throw TrainingError(message: "features: missing is '\(missing)'; expected reject or tree-branch") }
        guard unknownCategory == "all-zeros" else { throw TrainingError(message: "features: unknown_category is '\(unknownCategory)'; expected all-zeros") }
        return encoder
    }
}

extension ModelCard.TrainerRecord {
    /// The trainer record of a training request: the step kind, its config and seed.
    public init(_ name: String, _ request: TrainingRequest) {
        self.name = name
        params = request.config.mapValues(\.json)
        seed = request.seed
    }
}
