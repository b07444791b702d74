import Foundation

/// Reads and writes model files: JSON documents with a `format` field that says which
/// ``TrainedModel`` type reads them.
///
/// To add a format, give its file type ``TrainedModel`` and `Codable` conformance and add one
/// line to ``readers``.
public enum ModelFile {
    /// Every format mlp can load, by the `format` string written in the file.
    static let readers: [String: ModelReader] = [
        "mlp-softmax-regression/1": ModelReader(ClassifierFile.self),
        "mlp-linear-regression/1": ModelReader(LinearRegressionFile.self),
        "mlp-mlp/1": ModelReader(NeuralNetworkFile.self),
        GBTModel.formatTag: ModelReader { GBTModelFile(model: try GBTModel.decode($0)) },
    ]

    /// The format names ``load(path:)`` understands, sorted.
    public static var formats: [String] { readers.keys.sorted() }

    /// Largest model file read (a guard against being handed some other huge file).
    static let maximumSize = 1 << 30

    /// Loads the model at `path`, whichever trainer wrote it.
    ///
    /// - Throws: ``ModelFileError`` when the file cannot be read, is not a model file, has a
    ///   format mlp does not know, or has inconsistent shapes.
    public static func load(path: String) throws -> any TrainedModel {
        let attributes = try? FileManager.default.attributesOfItem(atPath: path)
        guard let size = (attributes?[.size] as? NSNumber)?.intValue else { throw ModelFileError(path: path, "no such file") }
        guard size <= maximumSize else { throw ModelFileError(path: path, "is \(size) bytes, more than a model file may be (\(maximumSize))") }
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch { throw ModelFileError(path: path, "cannot be read: \(error.localizedDescription)") }
        return try load(data, source: path)
    }

    /// Loads a model from the bytes of a model file; `source` names it in errors.
    public static func load(_ data: Data, source: String = "model") throws -> any TrainedModel {
        struct FormatField: Decodable { let format: String }
        guard let format = try? JSONDecoder().decode(FormatField.self, from: data).format else {
            throw ModelFileError(path: source, "is not an mlp model file (expected a JSON object with a \"format\" field)")
        }
        guard let reader = readers[format] else {
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

    /// The bytes of a model file: JSON with sorted keys, so the same model is the same bytes
    /// (and so the same artifact digest).
    public static func encode(_ file: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        do { return try encoder.encode(file) } catch {
            throw TrainingError(message: "the model cannot be written (\(error)); a weight that is not a finite number means training diverged")
        }
    }

    /// Writes a model file atomically: a temporary file beside `path`, fsynced, then renamed over it.
    public static func write(_ file: some Encodable, to path: String) throws {
        try AtomicFile.write(try encode(file), to: path)
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

/// Decodes one model format into its ``TrainedModel`` type.
struct ModelReader: Sendable {
    let decode: @Sendable (Data) throws -> any TrainedModel

    init<File: TrainedModel & Decodable>(_ type: File.Type) {
        decode = { try JSONDecoder().decode(File.self, from: $0) }
    }

    /// A format with a reader of its own (one that decodes more than plain JSON can hold).
    init(_ decode: @escaping @Sendable (Data) throws -> any TrainedModel) {
        self.decode = decode
    }
}

/// A model file that cannot be loaded or written, naming the file and what is wrong with it.
public struct ModelFileError: Error, CustomStringConvertible, Sendable {
    /// The file.
    public let path: String
    /// What is wrong.
    public let problem: String

    init(path: String, _ problem: String) {
        self.path = path
        self.problem = problem
    }

    public var description: String { "model file \(path) \(problem)" }
}
