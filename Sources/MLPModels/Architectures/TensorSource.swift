import MLPTensor

/// Named tensors a model's weights come from: a safetensors or GGUF reader, or a dictionary.
public protocol TensorSource {
    /// The tensor stored under `name` (e.g. `encoder.layer.0.attention.self.query.weight`), or
    /// nil when there is none.
    func tensor(named name: String) throws -> Tensor?
}

extension Dictionary: TensorSource where Key == String, Value == Tensor {
    /// The dictionary's entry for `name`.
    public func tensor(named name: String) throws -> Tensor? { self[name] }
}
