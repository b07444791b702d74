import Foundation
import MLPModels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads and writes model artifacts: a folder holding `model.safetensors` (every number the
/// model computes with) and `model.json` (its ``ModelCard``: kind, feature schema,
/// preprocessing, trainer, metrics and the tensors it uses).
///
/// ``load(path:)`` is the one way in, whichever trainer made the model. It also reads the single
/// JSON files mlp wrote before the artifact folder (`mlp-softmax-regression/1`,
/// `mlp-linear-regression/1`, `mlp-mlp/1`, `mlp-gbt/1`), so registered models keep loading;
/// those are never written any more.
///
/// To add a model kind, conform its type to ``StoredModel`` and add one line to ``readers``.
public enum ModelFile {
    /// Every model kind mlp can load from an artifact folder, by the card's `kind`.
    static let readers: [String: ArtifactReader] = [
        ClassifierFile.kind: ArtifactReader(ClassifierFile.self),
        LinearRegressionFile.kind: ArtifactReader(LinearRegressionFile.self),
        NeuralNetworkFile.kind: ArtifactReader(NeuralNetworkFile.self),
        GBTModelFile.kind: ArtifactReader(GBTModelFile.self),
    ]

    /// The single-file JSON formats of earlier mlp versions, by their `format` field: read, never written.
    static let legacyReaders: [String: LegacyReader] = [
        "mlp-softmax-regression/1": LegacyReader(ClassifierFile.self),
        "mlp-linear-regression/1": LegacyReader(LinearRegressionFile.self),
        "mlp-mlp/1": LegacyReader(NeuralNetworkFile.self),
        GBTModel.formatTag: LegacyReader { GBTModelFile(model: try GBTModel.decode($0)) },
    ]

    /// The model kinds an artifact's card may name, sorted.
    public static var kinds: [String] { readers.keys.sorted() }

    /// The legacy single-file formats ``load(path:)`` still reads, sorted.
    public static var formats: [String] { legacyReaders.keys.sorted() }

    /// Largest card or legacy model file read (a guard against being handed some other huge file).
    static let maximumSize = 1 << 30

    /// Loads the model at `path`, whichever trainer wrote it: an artifact folder, the
    /// `model.json` inside one, or a legacy single-file JSON model.
    ///
    /// - Throws: ``ModelFileError`` when the model cannot be read, is not a model, has a kind or
    ///   format mlp does not know, is truncated or damaged, or has inconsistent shapes.
    public static func load(path: String) throws -> any TrainedModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ModelFileError(path: path, "no such file") }
        if isFolder.boolValue { return try loadArtifact(folder: path) }
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        if url.lastPathComponent == ModelCard.cardFile, FileManager.default.fileExists(atPath: "\(folder)/\(ModelCard.tensorFile)") {
            return try loadArtifact(folder: folder)
        }
        return try load(readBounded(path), source: path)
    }

    /// Loads a legacy single-file JSON model from its bytes; `source` names it in errors.
    public static func load(_ data: Data, source: String = "model") throws -> any TrainedModel {
        struct FormatField: Decodable { let format: String }
        guard let format = try? JSONDecoder().decode(FormatField.self, from: data).format else {
            throw ModelFileError(path: source, "is not an mlp model (expected a folder with \(ModelCard.cardFile) and \(ModelCard.tensorFile), or a legacy JSON model file with a \"format\" field)")
        }
        guard let reader = legacyReaders[format] else {
            throw ModelFileError(path: source, "has format '\(format)', which this mlp cannot read (known: \(formats.joined(separator: ", ")))")
        }
        let model: any TrainedModel
        do { model = try reader.decode(data) } catch let error as DecodingError {
            throw ModelFileError(path: source, "is not a valid '\(format)' file: \(describe(error))")
        } catch {
            throw ModelFileError(path: source, "is not a valid '\(format)' file: \(error)")
        }
        do { try model.validate() } catch { throw ModelFileError(path: source, "is inconsistent: \(error)") }
        return model
    }

    /// Loads the model artifact folder at `folder`: its card, then the tensors the card lists.
    static func loadArtifact(folder: String) throws -> any TrainedModel {
        let (card, data) = try readCard(folder: folder)
        guard let reader = readers[card.kind] else {
            throw ModelFileError(path: folder, "has model kind '\(card.kind)', which this mlp cannot read (known: \(kinds.joined(separator: ", ")))")
        }
        let tensorPath = "\(folder)/\(ModelCard.tensorFile)"
        guard FileManager.default.fileExists(atPath: tensorPath) else {
            throw ModelFileError(path: folder, "has \(ModelCard.cardFile) but no \(ModelCard.tensorFile); the artifact is incomplete, retrain the model or restore it")
        }
        let tensors = try ModelTensorReader(path: tensorPath, card: card, source: folder)
        let model: any TrainedModel
        do { model = try reader.read(data, card, tensors) } catch let error as DecodingError {
            throw ModelFileError(path: folder, "has a \(ModelCard.cardFile) that is not a valid '\(card.kind)' card: \(describe(error))")
        } catch let error as ModelFileError {
            throw error
        } catch {
            throw ModelFileError(path: folder, "is not a valid '\(card.kind)' model: \(error)")
        }
        do { try model.validate() } catch { throw ModelFileError(path: folder, "is inconsistent: \(error)") }
        guard model.task == card.task else {
            throw ModelFileError(path: folder, "is inconsistent: the card says \(card.task.rawValue) but a \(card.kind) model of these tensors does \(model.task.rawValue)")
        }
        return model
    }

    /// The card of the artifact folder at `folder`, and its bytes.
    static func readCard(folder: String) throws -> (card: ModelCard, data: Data) {
        let path = "\(folder)/\(ModelCard.cardFile)"
        guard FileManager.default.fileExists(atPath: path) else {
            throw ModelFileError(path: folder, "is a folder without \(ModelCard.cardFile), so not an mlp model artifact")
        }
        let data = try readBounded(path)
        let card: ModelCard
        do { card = try JSONDecoder().decode(ModelCard.self, from: data) } catch let error as DecodingError {
            throw ModelFileError(path: path, "is not a model card: \(describe(error))")
        } catch {
            throw ModelFileError(path: path, "is not a model card: \(error)")
        }
        guard card.format == ModelCard.formatTag else {
            throw ModelFileError(path: path, "has format '\(card.format)'; this mlp reads \(ModelCard.formatTag) (a newer mlp wrote it, or it is not an mlp card)")
        }
        return (card, data)
    }

    /// The bytes of the file at `path`, refusing one over ``maximumSize``.
    static func readBounded(_ path: String) throws -> Data {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else { throw ModelFileError(path: path, "no such file") }
        guard size <= maximumSize else { throw ModelFileError(path: path, "is \(size) bytes, more than a model file may be (\(maximumSize))") }
        do { return try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw ModelFileError(path: path, "cannot be read: \(error.localizedDescription)")
        }
    }

    /// Writes `model` as an artifact folder at `path`: `model.safetensors` and `model.json` are
    /// written into a temporary folder beside `path`, fsynced, and the folder is renamed to `path`
    /// (replacing what was there), so a reader never sees half a model.
    ///
    /// - Parameters:
    ///   - trainer: the trainer and its parameters, for the card.
    ///   - metrics: what the trainer measured; entries whose key ends in `seconds` (times) and
    ///     non-finite values are left out, so the same model is the same bytes.
    /// - Throws: ``ModelFileError`` when the model is inconsistent or cannot be written.
    static func write<Model: StoredModel>(_ model: Model, trainer: ModelCard.TrainerRecord? = nil,
                                                 metrics: [String: Double] = [:], to path: String) throws {
        do { try model.validate() } catch { throw ModelFileError(path: path, "cannot be written: the model is inconsistent: \(error)") }
        var tensors = ModelTensorWriter()
        let parts: StoredModelParts<Model.Details>
        do { parts = try model.storedParts(into: &tensors) } catch { throw ModelFileError(path: path, "cannot be written: \(error)") }
        let card = ModelCard(format: ModelCard.formatTag, kind: Model.kind, task: model.task, target: model.target, classes: model.classLabels,
                             features: ModelCard.FeatureSchema(model.encoder, missing: parts.missing), preprocessing: parts.preprocessing,
                             trainer: trainer, metrics: metrics.filter { $0.value.isFinite && !$0.key.hasSuffix("seconds") },
                             tensors: tensors.descriptions)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .prettyPrinted, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let json: Data
        do { json = try encoder.encode(CardDocument(card: card, details: parts.details)) } catch {
            throw ModelFileError(path: path, "cannot be written: the card cannot be encoded (\(error))")
        }
        try AtomicFolder.write(to: path) { folder in
            do { try SafetensorsWriter.write(stored: tensors.tensors, to: "\(folder)/\(ModelCard.tensorFile)") } catch {
                throw ModelFileError(path: path, "cannot be written: \(error)")
            }
            try AtomicFile.write(json, to: "\(folder)/\(ModelCard.cardFile)")
        }
    }

    static func describe(_ error: DecodingError) -> String {
        func at(_ context: DecodingError.Context) -> String {
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return path.isEmpty ? context.debugDescription : "at \(path): \(context.debugDescription)"
        }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' \(at(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context): return at(context)
        @unknown default: return "\(error)"
        }
    }
}

/// Reads one model kind from its card's bytes, the card and its tensors.
struct ArtifactReader: Sendable {
    let read: @Sendable (Data, ModelCard, ModelTensorReader) throws -> any TrainedModel

    init<Model: StoredModel>(_ type: Model.Type) {
        read = { data, card, tensors in
            let details = try JSONDecoder().decode(CardDocument<Model.Details>.self, from: data).details
            return try Model(card: card, details: details, tensors: tensors)
        }
    }
}

/// Decodes one legacy single-file format into its ``TrainedModel`` type.
struct LegacyReader: Sendable {
    let decode: @Sendable (Data) throws -> any TrainedModel

    init<File: TrainedModel & Decodable>(_ type: File.Type) {
        decode = { try JSONDecoder().decode(File.self, from: $0) }
    }

    /// A format with a reader of its own (one that decodes more than plain JSON can hold).
    init(_ decode: @escaping @Sendable (Data) throws -> any TrainedModel) {
        self.decode = decode
    }
}

/// The whole `model.json`: the card's common fields plus the kind's own under `model`.
struct CardDocument<Details: Codable>: Codable {
    var card: ModelCard
    var details: Details

    private enum Keys: String, CodingKey { case model }

    init(card: ModelCard, details: Details) {
        self.card = card
        self.details = details
    }

    init(from decoder: Decoder) throws {
        card = try ModelCard(from: decoder)
        details = try decoder.container(keyedBy: Keys.self).decode(Details.self, forKey: .model)
    }

    func encode(to encoder: Encoder) throws {
        try card.encode(to: encoder)
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(details, forKey: .model)
    }
}

/// A model that cannot be loaded or written, naming the file or folder and what is wrong with it.
public struct ModelFileError: Error, CustomStringConvertible, Sendable {
    /// The file or artifact folder.
    public let path: String
    /// What is wrong.
    public let problem: String

    init(path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    /// `model file PATH PROBLEM`.
    public var description: String { "model file \(path) \(problem)" }
}
