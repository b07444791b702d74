/// The body of a successful infer call: the model that answered and its output tensors.
public struct InferenceResponse: Codable, Sendable {
    /// The model's name.
    public var modelName: String
    /// The version that answered.
    public var modelVersion: String?
    /// The request's `id`, echoed.
    public var id: String?
    /// The output tensors.
    public var outputs: [OutputTensor]

    enum CodingKeys: String, CodingKey {
        case modelName = "model_name", modelVersion = "model_version", id, outputs
    }

    /// A response from its parts.
    public init(modelName: String, modelVersion: String?, id: String?, outputs: [OutputTensor]) {
        self.modelName = modelName
        self.modelVersion = modelVersion
        self.id = id
        self.outputs = outputs
    }

    /// One output tensor.
    public struct OutputTensor: Codable, Sendable, Equatable {
        /// The output's name, as the model's metadata lists it.
        public var name: String
        /// Its shape.
        public var shape: [Int]
        /// Its element type.
        public var datatype: TensorDatatype
        /// The elements, row-major, flat.
        public var data: TensorData

        /// An output tensor from its parts.
        public init(name: String, shape: [Int], datatype: TensorDatatype, data: TensorData) {
            self.name = name
            self.shape = shape
            self.datatype = datatype
            self.data = data
        }
    }
}
