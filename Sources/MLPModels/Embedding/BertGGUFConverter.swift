import Foundation
import MLPTensor

/// Converts a Hugging Face BERT folder into one GGUF file: the layers' matmul weights (query,
/// key, value, attention output, intermediate and output dense) in `q8_0` or `q4_0` (a `q4_0`
/// file keeps ``BertWeights/q4_0KeptAtQ8_0Suffixes`` in `q8_0`) or kept `f32`, every other tensor (embeddings, LayerNorms, biases) in f32, plus the config and the
/// tokenizer as metadata (``BertGGUFKeys``). The file is written atomically.
public enum BertGGUFConverter {
    /// What a conversion wrote.
    public struct Result: Sendable {
        /// The output file.
        public let path: String
        /// Bytes of the source model.safetensors.
        public let sourceBytes: Int
        /// Bytes of the GGUF file.
        public let outputBytes: Int
        /// Tensors written, and how many of them were quantized.
        public let tensorCount: Int, quantizedCount: Int
        /// How many of the quantized tensors of a `q4_0` file are `q8_0`
        /// (``BertWeights/q4_0KeptAtQ8_0Suffixes``); 0 for the other types.
        public let keptAtQ8_0Count: Int
    }

    /// Converts `folder` to `output` with the matmul weights in `weightType`.
    /// - Throws: ``ModelLoadError``, the formats' errors, ``BertModelError`` for weights that do
    ///   not match the config.
    public static func convert(folder: String, to weightType: DType, output: String) throws -> Result {
        guard [.f32, .q8_0, .q4_0].contains(weightType) else {
            throw ModelLoadError.unsupportedDType("cannot quantize to \(weightType.rawValue); use q8_0 or q4_0 (or f32)")
        }
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) else { throw ModelLoadError.notFound(path: folder) }
        guard isFolder.boolValue else {
            throw ModelLoadError.unsupportedPath(path: folder, detail: "is a file; `mlp quantize` converts a model folder (config.json, model.safetensors, vocab.txt)")
        }
        let url = URL(fileURLWithPath: folder)
        for file in ["config.json", "model.safetensors", "vocab.txt"] where !FileManager.default.fileExists(atPath: url.appendingPathComponent(file).path) {
            throw ModelLoadError.missingFile(folder: folder, file: file)
        }
        let configPath = url.appendingPathComponent("config.json").path
        guard let configData = FileManager.default.contents(atPath: configPath) else { throw ModelLoadError.unreadable(path: configPath, detail: "cannot be read") }
        let config = try BertConfig.parse(configData, source: configPath)
        let tokenizer = try SentenceEmbeddingModel.folderTokenizer(folder, config: config)
        let file = try SafetensorsFile(path: url.appendingPathComponent("model.safetensors").path)
        // Check the weights against the config before writing anything.
        _ = try BertWeights(config: config, source: SafetensorsTensorSource(file))

        var tensors: [TensorToWrite] = []
        var quantized = 0, keptAtQ8_0 = 0
        // Buffers such as `embeddings.position_ids` (I64) are not weights and are left out.
        for entry in file.entries where entry.storedType.dtype != nil {
            let found: ModelTensor = try file.tensor(named: entry.name)
            let view = try found.tensorView()
            let isMatmul = entry.name.contains("encoder.layer.") && BertWeights.matmulWeightSuffixes.contains { entry.name.hasSuffix($0) }
            let target: DType = isMatmul ? BertWeights.quantizedType(ofMatmulWeight: entry.name, requested: weightType) : .f32
            if isMatmul && target != .f32 {
                guard view.shape.count == 2, view.shape[1] % target.blockSize == 0 else {
                    throw BertModelError.badTensor(name: entry.name, problem: "shape \(view.shape) cannot be quantized to \(target.rawValue): the input width must be a multiple of \(target.blockSize)")
                }
                quantized += 1
                if target != weightType { keptAtQ8_0 += 1 }
            }
            let converted = try (view.dtype == target ? view : view.converted(to: target)).contiguous()
            let bytes = Array(UnsafeRawBufferPointer(start: converted.baseAddress, count: converted.byteCount))
            tensors.append(TensorToWrite(name: entry.name, dtype: target, shape: converted.shape, bytes: bytes))
        }
        let metadata = BertGGUFMetadata.entries(name: url.lastPathComponent, config: config, tokenizer: tokenizer,
                                                specialTokens: try specialTokens(folder: folder, tokenizer: tokenizer), weightType: weightType)
        try GGUFWriter.write(metadata: metadata, tensors: tensors, to: output)
        let outputBytes = (try FileManager.default.attributesOfItem(atPath: output)[.size] as? Int) ?? 0
        return Result(path: output, sourceBytes: file.fileSize, outputBytes: outputBytes, tensorCount: tensors.count, quantizedCount: quantized, keptAtQ8_0Count: keptAtQ8_0)
    }

    /// The tokens to match whole in raw text: tokenizer.json's added tokens when the folder has
    /// one, else the usual BERT specials the vocabulary holds.
    static func specialTokens(folder: String, tokenizer: WordPieceTokenizer) throws -> [String] {
        let path = URL(fileURLWithPath: folder).appendingPathComponent("tokenizer.json").path
        if let data = FileManager.default.contents(atPath: path),
           let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
           let added = object["added_tokens"] as? [[String: Any]] {
            return added.compactMap { $0["content"] as? String }.filter { !$0.isEmpty }
        }
        return ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].filter { tokenizer.vocabulary.id(of: $0) != nil }
    }
}
