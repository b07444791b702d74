import MLPTensor

/// Keeps a mapped model file alive for as long as a tensor views its bytes.
private final class TensorDataOwner {
    let data: TensorData
    init(_ data: TensorData) { self.data = data }
}

extension ModelTensor {
    /// This tensor as an mlp ``Tensor`` viewing the mapped file's bytes in place (no copy); the
    /// view keeps the mapping alive.
    public func tensorView() throws -> Tensor {
        let owner = TensorDataOwner(data)
        guard let base = data.bytes.baseAddress else {
            return try Tensor(zeros: shape, dtype: dtype)
        }
        let storage = TensorStorage(viewing: base, byteCount: data.count, owner: owner)
        return try Tensor(shape: shape, dtype: dtype, storage: storage)
    }
}

/// A safetensors file's tensors as a ``TensorSource`` of zero-copy views of its mapping.
public struct SafetensorsTensorSource: TensorSource {
    /// The file.
    public let file: SafetensorsFile
    /// A source over `file`.
    public init(_ file: SafetensorsFile) { self.file = file }

    /// The tensor named `name` viewing the mapped bytes, or nil when the file has none.
    public func tensor(named name: String) throws -> Tensor? {
        guard file.entry(named: name) != nil else { return nil }
        return try file.tensor(named: name).tensorView()
    }
}

/// A GGUF file's tensors as a ``TensorSource`` of zero-copy views of its mapping.
public struct GGUFTensorSource: TensorSource {
    /// The file.
    public let file: GGUFFile
    /// A source over `file`.
    public init(_ file: GGUFFile) { self.file = file }

    /// The tensor named `name` viewing the mapped bytes, or nil when the file has none.
    public func tensor(named name: String) throws -> Tensor? {
        guard file.entry(named: name) != nil else { return nil }
        return try file.tensor(named: name).tensorView()
    }
}
