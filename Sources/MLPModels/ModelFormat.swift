/// The model file formats mlp reads and writes.
public enum ModelFormat: String, CaseIterable, Sendable {
    /// Hugging Face safetensors: an 8-byte header length, a JSON header, then the tensor bytes.
    case safetensors
    /// GGML's GGUF (version 3): metadata key/values, tensor infos, aligned tensor data.
    case gguf
}
