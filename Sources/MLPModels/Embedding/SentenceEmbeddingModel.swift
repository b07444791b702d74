import Foundation
import MLPTensor

/// A BERT sentence-embedding model ready to embed text: tokenizer plus encoder (mean pooling,
/// L2 normalisation), loaded from a Hugging Face folder or from a GGUF file `mlp quantize` wrote.
public final class SentenceEmbeddingModel: @unchecked Sendable {
    /// Splits text into token ids.
    public let tokenizer: WordPieceTokenizer
    /// Turns token ids into embeddings.
    public let encoder: BertEncoder
    /// The element type the matmul weights run in (`f32`, `q8_0`, `q4_0`).
    public let weightType: DType
    /// Where the model came from.
    public let path: String

    /// The width of one embedding (the hidden size, 384 for MiniLM-L6).
    public var dimension: Int { encoder.config.hiddenSize }

    /// A model from its parts.
    public init(tokenizer: WordPieceTokenizer, encoder: BertEncoder, weightType: DType, path: String) {
        self.tokenizer = tokenizer
        self.encoder = encoder
        self.weightType = weightType
        self.path = path
    }

    /// Loads the model at `path`: a folder (config.json, model.safetensors, vocab.txt and
    /// optionally tokenizer.json, sentence_bert_config.json) or a `.gguf` file.
    ///
    /// - Parameters:
    ///   - dtype: for a folder, the matmul weights are quantized in memory to `q8_0` / `q4_0`
    ///     (nil or `f32`: as stored, widened to f32); for a GGUF file it must be nil or what the
    ///     file holds.
    ///   - threads: the threads the kernels run on.
    /// - Throws: ``ModelLoadError``, or the format's / tokenizer's / ``BertModelError`` error.
    public static func load(path: String, dtype: DType? = nil, threads: Int) throws -> SentenceEmbeddingModel {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else { throw ModelLoadError.notFound(path: path) }
        if isFolder.boolValue { return try loadFolder(path, dtype: dtype, threads: threads) }
        return try loadGGUF(path, dtype: dtype, threads: threads)
    }

    /// One L2-normalised embedding per text, in order.
    public func embed(_ texts: [String]) throws -> [[Float]] {
        try encoder.encode(tokenIDs(texts))
    }

    /// Each text's token ids, [CLS] … [SEP], unpadded (the encoder packs them back to back, never padding).
    public func tokenIDs(_ texts: [String]) -> [[Int32]] {
        texts.map { tokenizer.encode($0).ids.map { Int32($0) } }
    }

    // MARK: Folder

    private static func loadFolder(_ folder: String, dtype: DType?, threads: Int) throws -> SentenceEmbeddingModel {
        let url = URL(fileURLWithPath: folder)
        for file in ["config.json", "model.safetensors", "vocab.txt"] where !FileManager.default.fileExists(atPath: url.appendingPathComponent(file).path) {
            throw ModelLoadError.missingFile(folder: folder, file: file)
        }
        let configPath = url.appendingPathComponent("config.json").path
        guard let configData = FileManager.default.contents(atPath: configPath) else {
            throw ModelLoadError.unreadable(path: configPath, detail: "cannot be read")
        }
        let config = try BertConfig.parse(configData, source: configPath)
        let tokenizer = try folderTokenizer(folder, config: config)
        let file = try SafetensorsFile(path: url.appendingPathComponent("model.safetensors").path)
        let weightType = dtype ?? .f32
        let weights: BertWeights
        switch weightType {
        case .f32:
            weights = try BertWeights(config: config, source: SafetensorsTensorSource(file))
        case .q8_0, .q4_0:
            var all: [String: Tensor] = [:]
            // Buffers such as `embeddings.position_ids` (I64) are not weights; the encoder needs none of them.
            for entry in file.entries where entry.storedType.dtype != nil {
                let found: ModelTensor = try file.tensor(named: entry.name)
                all[entry.name] = try found.tensorView()
            }
            weights = try BertWeights(config: config, source: try BertWeights.quantizingMatmulWeights(all, to: weightType))
        default:
            throw ModelLoadError.unsupportedDType("--dtype \(weightType.rawValue): a folder model runs in f32, q8_0 or q4_0")
        }
        return SentenceEmbeddingModel(tokenizer: tokenizer, encoder: try BertEncoder(config: config, weights: weights, threads: threads),
                                      weightType: weightType, path: folder)
    }

    /// The folder's tokenizer, truncating at sentence-transformers' `max_seq_length` when
    /// sentence_bert_config.json gives one, and never past the position table.
    static func folderTokenizer(_ folder: String, config: BertConfig) throws -> WordPieceTokenizer {
        var tokenizer = try WordPieceTokenizer.load(directory: folder)
        let settingsPath = URL(fileURLWithPath: folder).appendingPathComponent("sentence_bert_config.json").path
        if let data = FileManager.default.contents(atPath: settingsPath) {
            guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ModelLoadError.unreadable(path: settingsPath, detail: "not a JSON object")
            }
            if let length = object["max_seq_length"] as? Int {
                tokenizer = try tokenizer.truncating(to: length)
            }
        }
        if tokenizer.maxLength > config.maxPositionEmbeddings {
            tokenizer = try tokenizer.truncating(to: config.maxPositionEmbeddings)
        }
        return tokenizer
    }

    // MARK: GGUF

    private static func loadGGUF(_ path: String, dtype: DType?, threads: Int) throws -> SentenceEmbeddingModel {
        let file: GGUFFile
        do { file = try GGUFFile(path: path) } catch let error as GGUFError {
            if case .badMagic = error {
                throw ModelLoadError.unsupportedPath(path: path, detail: "not a GGUF file (and not a folder)")
            }
            throw error
        }
        let metadata = BertGGUFMetadata(file: file)
        let config = try metadata.config()
        let tokenizer = try metadata.tokenizer()
        let stored = try metadata.weightType()
        if let dtype, dtype != stored {
            throw ModelLoadError.unsupportedDType("\(path) holds \(stored.rawValue) weights, not \(dtype.rawValue); leave out --dtype for a GGUF file, or quantize the source folder with `mlp quantize --to \(dtype.rawValue)`")
        }
        let weights = try BertWeights(config: config, source: GGUFTensorSource(file))
        return SentenceEmbeddingModel(tokenizer: tokenizer, encoder: try BertEncoder(config: config, weights: weights, threads: threads),
                                      weightType: stored, path: path)
    }
}
