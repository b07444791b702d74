/// Why a sentence-embedding model could not be loaded or converted.
public enum ModelLoadError: Error, CustomStringConvertible, Equatable {
    /// Nothing at the path.
    case notFound(path: String)
    /// A folder without the files a model folder needs.
    case missingFile(folder: String, file: String)
    /// A file that is not a model mlp reads (neither a model folder nor a GGUF file).
    case unsupportedPath(path: String, detail: String)
    /// A GGUF file whose metadata lacks a key or holds a wrong value.
    case badMetadata(path: String, key: String, detail: String)
    /// A requested element type this model cannot run in.
    case unsupportedDType(String)
    /// A file that could not be read.
    case unreadable(path: String, detail: String)

    /// What was wrong, where, and what to do.
    public var description: String {
        switch self {
        case .notFound(let path):
            return "\(path): no such file or folder; pass a model folder (config.json, model.safetensors, vocab.txt) or a .gguf file"
        case .missingFile(let folder, let file):
            return "\(folder): no \(file); a model folder needs config.json, model.safetensors and vocab.txt (scripts/fetch-model.sh fetches all-MiniLM-L6-v2)"
        case .unsupportedPath(let path, let detail):
            return "\(path): \(detail); pass a model folder or a .gguf file written by `mlp quantize`"
        case .badMetadata(let path, let key, let detail):
            return "\(path): metadata \(key) \(detail); re-create the file with `mlp quantize`"
        case .unsupportedDType(let detail):
            return detail
        case .unreadable(let path, let detail):
            return "\(path): \(detail)"
        }
    }
}
