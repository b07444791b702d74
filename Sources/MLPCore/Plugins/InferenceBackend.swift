/// Something a backend may or may not support; asked before loading rather than failing deep inside.
public enum BackendCapability: Hashable, Sendable {
    /// A tensor element type such as `f32`, `f16`, `q8_0`, `q4_0`.
    case dtype(String)
    /// A model architecture such as `bert` or `mlp`.
    case architecture(String)
}

/// A named tensor as the Open Inference Protocol describes one.
public struct NamedTensor: Sendable {
    /// The element storage of a tensor.
    public enum Storage: Sendable {
        case float32([Float])
        case int64([Int64])
        case bytes([[UInt8]])
    }

    public var name: String
    public var shape: [Int]
    public var storage: Storage

    public init(name: String, shape: [Int], storage: Storage) {
        self.name = name
        self.shape = shape
        self.storage = storage
    }

    /// The protocol's datatype name (`FP32`, `INT64`, `BYTES`).
    public var datatype: String {
        switch storage {
        case .float32: return "FP32"
        case .int64: return "INT64"
        case .bytes: return "BYTES"
        }
    }
}

/// What a loaded model takes and returns.
public struct ModelSignature: Sendable {
    public var architecture: String
    public var inputs: [(name: String, datatype: String, shape: [Int])]
    public var outputs: [(name: String, datatype: String, shape: [Int])]

    public init(architecture: String, inputs: [(name: String, datatype: String, shape: [Int])],
                outputs: [(name: String, datatype: String, shape: [Int])]) {
        self.architecture = architecture
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A model in memory, ready to answer requests.
public protocol LoadedModel: Sendable {
    var signature: ModelSignature { get }
    func infer(_ inputs: [NamedTensor]) async throws -> [NamedTensor]
}

/// Runs models on some hardware. A CPU backend comes first; a GPU one plugs in beside it.
public protocol InferenceBackend: Sendable {
    /// The registry name (`cpu`).
    var name: String { get }
    func supports(_ capability: BackendCapability) -> Bool
    /// Loads a model from a directory (config.json + safetensors) or a single file (GGUF).
    func load(path: String) async throws -> any LoadedModel
}
