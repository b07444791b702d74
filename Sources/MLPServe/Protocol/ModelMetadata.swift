/// `GET /v2/models/{name}[/versions/{v}]`: what a model is and which tensors it takes and gives.
public struct ModelMetadata: Codable, Sendable, Equatable {
    /// The model's name.
    public var name: String
    /// The versions being served under this name.
    public var versions: [String]
    /// What runs the model (`mlp-tabular`, `mlp-sentence-embedding`).
    public var platform: String
    /// The inputs an infer request must give.
    public var inputs: [TensorMetadata]
    /// The outputs an infer response holds.
    public var outputs: [TensorMetadata]

    /// Metadata from its parts.
    public init(name: String, versions: [String], platform: String, inputs: [TensorMetadata], outputs: [TensorMetadata]) {
        self.name = name
        self.versions = versions
        self.platform = platform
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// One input or output of a model: its name, element type and shape (`-1` for a dimension of
/// any size, such as the batch).
public struct TensorMetadata: Codable, Sendable, Equatable {
    /// The tensor's name.
    public var name: String
    /// The element type.
    public var datatype: TensorDatatype
    /// The shape; `-1` marks a dimension of any size.
    public var shape: [Int]

    /// Tensor metadata from its parts.
    public init(name: String, datatype: TensorDatatype, shape: [Int]) {
        self.name = name
        self.datatype = datatype
        self.shape = shape
    }
}

/// `GET /v2`: the server's name, version and protocol extensions.
public struct ServerMetadata: Codable, Sendable, Equatable {
    /// The server's name.
    public var name: String
    /// The server's version.
    public var version: String
    /// The protocol extensions supported (`binary_tensor_data`).
    public var extensions: [String]

    /// Server metadata from its parts.
    public init(name: String, version: String, extensions: [String]) {
        self.name = name
        self.version = version
        self.extensions = extensions
    }
}
