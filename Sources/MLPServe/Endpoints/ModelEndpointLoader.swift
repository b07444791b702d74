import Foundation

/// Loads a model file or folder into a batched endpoint, picking the model kind from the path: a
/// folder or a `.gguf` file is a sentence-embedding model (MiniLM), anything else a tabular model
/// file (``ModelFile``).
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
        let onBatch: @Sendable (Int, Double) -> Void = { rows, seconds in
            metrics.recordBatch(model: name, version: version, rows: rows, seconds: seconds)
        }
        do {
            if isFolder.boolValue || path.hasSuffix(".gguf") {
                let model = try SentenceEmbeddingServedModel(path: path, threads: threads)
                return BatchedModelEndpoint(name: name, version: version, model: model, batching: batching, onBatch: onBatch)
            }
            let model = try TabularServedModel(path: path)
            return BatchedModelEndpoint(name: name, version: version, model: model, batching: batching, onBatch: onBatch)
        } catch let error as ModelServingError {
            throw ModelServingError("model '\(name)': \(error.message)")
        } catch {
            throw ModelServingError("model '\(name)' cannot be loaded from \(path): \(error)")
        }
    }
}
