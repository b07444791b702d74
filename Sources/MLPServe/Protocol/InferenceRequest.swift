/// The body of `POST /v2/models/{name}[/versions/{v}]/infer`: named, typed input tensors and,
/// optionally, which outputs to return.
public struct InferenceRequest: Codable, Sendable {
    /// An identifier the caller chose; echoed in the response.
    public var id: String?
    /// Request-wide parameters (kept, not interpreted).
    public var parameters: [String: ParameterValue]?
    /// The input tensors.
    public var inputs: [InputTensor]
    /// The outputs wanted (all of the model's outputs when absent).
    public var outputs: [RequestedOutput]?

    /// A request from its parts.
    public init(id: String? = nil, parameters: [String: ParameterValue]? = nil, inputs: [InputTensor], outputs: [RequestedOutput]? = nil) {
        self.id = id
        self.parameters = parameters
        self.inputs = inputs
        self.outputs = outputs
    }

    /// One input tensor of a request.
    public struct InputTensor: Codable, Sendable {
        /// The input's name, as the model's metadata lists it.
        public var name: String
        /// The tensor's shape; its product is the number of elements in `data`.
        public var shape: [Int]
        /// The element type.
        public var datatype: String
        /// Per-tensor parameters (kept, not interpreted).
        public var parameters: [String: ParameterValue]?
        /// The elements, row-major, flat or nested.
        public var data: TensorData

        /// A tensor from its parts.
        public init(name: String, shape: [Int], datatype: TensorDatatype, data: TensorData) {
            self.name = name
            self.shape = shape
            self.datatype = datatype.rawValue
            self.data = data
        }

        enum CodingKeys: String, CodingKey { case name, shape, datatype, parameters, data }

        /// The `userInfo` key that, set to `true`, lets an input leave out `data` (read as empty):
        /// the JSON header of a binary-data request, whose bytes follow it (``BinaryTensorData``).
        static let allowsMissingData = CodingUserInfoKey(rawValue: "mlp.allowsMissingData")!

        /// Decodes the fields in order, as the synthesized decoder did; `data` may be absent only
        /// under ``allowsMissingData``.
        public init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            name = try container.decode(String.self, forKey: .name)
            shape = try container.decode([Int].self, forKey: .shape)
            datatype = try container.decode(String.self, forKey: .datatype)
            parameters = try container.decodeIfPresent([String: ParameterValue].self, forKey: .parameters)
            if decoder.userInfo[Self.allowsMissingData] as? Bool == true {
                data = try container.decodeIfPresent(TensorData.self, forKey: .data) ?? .numbers([])
            } else {
                data = try container.decode(TensorData.self, forKey: .data)
            }
        }
    }

    /// One output the caller asks for.
    public struct RequestedOutput: Codable, Sendable {
        /// The output's name.
        public var name: String
        /// Per-output parameters (kept, not interpreted).
        public var parameters: [String: ParameterValue]?

        /// An output request by name.
        public init(name: String) { self.name = name }
    }
}

/// A parameter value: the protocol allows a string, a number or a boolean.
public enum ParameterValue: Codable, Sendable, Equatable {
    /// A JSON string.
    case string(String)
    /// A JSON number.
    case number(Double)
    /// A JSON boolean.
    case bool(Bool)

    /// Decodes a string, number or boolean.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) { self = .bool(value) }
        else if let value = try? container.decode(Double.self) { self = .number(value) }
        else if let value = try? container.decode(String.self) { self = .string(value) }
        else { throw DecodingError.typeMismatch(String.self, .init(codingPath: decoder.codingPath, debugDescription: "a parameter must be a string, a number or a boolean")) }
    }

    /// Encodes the plain JSON value.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .string(let value): try container.encode(value)
        case .number(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        }
    }
}
