import Foundation

/// Loads a model file or folder into a batched endpoint, picking the model kind from the path: a
/// `.gguf` file, or a folder holding a Hugging Face BERT (`config.json` and `vocab.txt`), is a
/// sentence-embedding model (MiniLM); anything else (a model file, or a model artifact folder) is a
/// tabular model read by ``ModelFile/load(path:)``.
public enum ModelEndpointLoader {
    /// The endpoint serving the model at `path` as `name` version `version`, its forward passes
    /// recorded in `metrics`.
    ///
    /// - Parameter threads: the threads a sentence-embedding model's kernels run on.
    /// - Throws: ``ModelServingError`` naming the model and the file when it cannot be loaded.
    public static func load(name: String, version: String, path: String, batching: BatchingOptions, metrics: ServeMetrics,
                            threads: Int = ProcessInfo.processInfo.activeProcessorCount) throws -> any ModelEndpoint {
        var isFolder: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isFolder) else {
            throw ModelServingError("model '\(name)': \(path) does not exist")
        }
        let source = ModelSource(path: path) {
            try load(name: name, version: version, path: path, batching: batching, metrics: metrics, threads: threads)
        }
        let recorder = metrics.recorder(model: name, version: version)
        let onBatch: @Sendable (Int, Double) -> Void = { rows, seconds in recorder.recordBatch(rows: rows, seconds: seconds) }
        do {
            if path.hasSuffix(".gguf") || (isFolder.boolValue && isSentenceEmbeddingFolder(path)) {
                let model = try SentenceEmbeddingServedModel(path: path, threads: threads)
                var endpoint = BatchedModelEndpoint(name: name, version: version, model: model, batching: batching, onBatch: onBatch)
                endpoint.source = source
                return endpoint
            }
            let model = try TabularServedModel(path: path)
            var endpoint = BatchedModelEndpoint(name: name, version: version, model: model, batching: batching, onBatch: onBatch)
            endpoint.source = source
            return endpoint
        } catch let error as ModelServingError {
            throw ModelServingError("model '\(name)': \(error.message)")
        } catch {
            throw ModelServingError("model '\(name)' cannot be loaded from \(path): \(error)")
        }
    }

    /// Whether a folder holds a Hugging Face BERT model rather than a tabular model artifact.
    static func isSentenceEmbeddingFolder(_ folder: String) -> Bool {
        ["config.json", "vocab.txt"].allSatisfy { FileManager.default.fileExists(atPath: "\(folder)/\($0)") }
    }
}
