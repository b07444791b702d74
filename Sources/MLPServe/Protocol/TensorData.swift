/// The elements of a tensor in row-major order, as they travel in JSON: numbers, booleans or
/// strings (BYTES). Nested JSON arrays are flattened when decoded.
public enum TensorData: Sendable, Equatable {
    /// Numeric elements (any of the integer and floating-point datatypes).
    case numbers([Double])
    /// FP32 elements kept as `Float`, so an embedding is written back without widening noise.
    case floats([Float])
    /// BOOL elements.
    case bools([Bool])
    /// BYTES elements as UTF-8 text.
    case strings([String])

    /// How many elements there are.
    public var count: Int {
        switch self {
        case .numbers(let values): return values.count
        case .floats(let values): return values.count
        case .bools(let values): return values.count
        case .strings(let values): return values.count
        }
    }

    /// What kind of JSON value the elements are, for error messages.
    var kind: String {
        switch self {
        case .numbers, .floats: return "numbers"
        case .bools: return "booleans"
        case .strings: return "strings"
        }
    }
}

extension TensorData: Codable {
    /// Decodes a flat or nested JSON array whose leaves are all numbers, all booleans or all strings.
    public init(from decoder: any Decoder) throws {
        var leaves = Leaves()
        try leaves.collect(from: decoder.singleValueContainer(), depth: 0, codingPath: decoder.codingPath)
        self = leaves.data
    }

    /// Encodes the elements as one flat JSON array (the protocol accepts flat data for any shape).
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .numbers(let values): try container.encode(values)
        case .floats(let values): try container.encode(values)
        case .bools(let values): try container.encode(values)
        case .strings(let values): try container.encode(values)
        }
    }
}

/// Accumulates the leaves of nested JSON arrays, checking they are all of one kind.
private struct Leaves {
    /// Nesting deeper than this is refused (a tensor of more dimensions is not a real request).
    static let maximumDepth = 32

    var numbers: [Double] = []
    var bools: [Bool] = []
    var strings: [String] = []
    var kind: Kind?

    enum Kind: String { case number, boolean, string }

    var data: TensorData {
        switch kind {
        case .boolean: return .bools(bools)
        case .string: return .strings(strings)
        case .number, nil: return .numbers(numbers)
        }
    }

    mutating func collect(from container: any SingleValueDecodingContainer, depth: Int, codingPath: [any CodingKey]) throws {
        if let nested = try? container.decode(NestedArray.self) {
            guard depth < Self.maximumDepth else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "data is nested more than \(Self.maximumDepth) arrays deep"))
            }
            for node in nested.nodes { try add(node, depth: depth + 1, codingPath: codingPath) }
            return
        }
        throw DecodingError.typeMismatch([Double].self, .init(codingPath: codingPath, debugDescription: "data must be a JSON array (flat or nested) of numbers, booleans or strings"))
    }

    private mutating func add(_ node: Node, depth: Int, codingPath: [any CodingKey]) throws {
        switch node {
        case .number(let value):
            try expect(.number, codingPath)
            numbers.append(value)
        case .bool(let value):
            try expect(.boolean, codingPath)
            bools.append(value)
        case .string(let value):
            try expect(.string, codingPath)
            strings.append(value)
        case .array(let nodes):
            guard depth < Self.maximumDepth else {
                throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "data is nested more than \(Self.maximumDepth) arrays deep"))
            }
            for child in nodes { try add(child, depth: depth + 1, codingPath: codingPath) }
        }
    }

    private mutating func expect(_ found: Kind, _ codingPath: [any CodingKey]) throws {
        if let kind, kind != found {
            throw DecodingError.dataCorrupted(.init(codingPath: codingPath, debugDescription: "data mixes \(kind.rawValue)s and \(found.rawValue)s; every element of a tensor has one type"))
        }
        kind = found
    }
}

/// One JSON array of tensor data, decoded element by element.
private struct NestedArray: Decodable {
    var nodes: [Node]

    init(from decoder: any Decoder) throws {
        var container = try decoder.unkeyedContainer()
        nodes = []
        if let count = container.count { nodes.reserveCapacity(count) }
        while !container.isAtEnd { nodes.append(try container.decode(Node.self)) }
    }
}

/// One element of tensor data: a leaf value or a nested array.
private enum Node: Decodable {
    case number(Double)
    case bool(Bool)
    case string(String)
    case array([Node])

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Double.self) {
            self = .number(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let nested = try? container.decode(NestedArray.self) {
            self = .array(nested.nodes)
        } else {
            throw DecodingError.typeMismatch(Double.self, .init(codingPath: decoder.codingPath, debugDescription: "a tensor element must be a number, a boolean, a string or an array of them (null and objects are not allowed)"))
        }
    }
}
