/// Strict decoding of schema files: a misspelt rule (`nulable: false`) would otherwise be ignored and
/// never checked, so an unknown key is an error naming the keys that exist; so is a lower bound
/// above its upper bound.
struct SchemaKey: CodingKey {
    var stringValue: String
    var intValue: Int? { nil }
    init(_ name: String) { stringValue = name }
    init?(stringValue: String) { self.stringValue = stringValue }
    init?(intValue: Int) { nil }
}

extension KeyedDecodingContainer where K == SchemaKey {
    /// Throws when the object holds a key outside `known`.
    func refuseUnknownKeys(_ known: [String], in what: String) throws {
        for key in allKeys where !known.contains(key.stringValue) {
            throw DecodingError.dataCorruptedError(
                forKey: key, in: self,
                debugDescription: "'\(key.stringValue)' is not a \(what) key; the keys are \(known.joined(separator: ", "))")
        }
    }

    func value<T: Decodable>(_ name: String) throws -> T? { try decodeIfPresent(T.self, forKey: SchemaKey(name)) }

    /// Throws when both bounds are set and `low` is above `high`.
    func checkBounds<T: Comparable>(_ low: T?, _ high: T?, _ lowName: String, _ highName: String) throws {
        if let low, let high, low > high {
            throw DecodingError.dataCorruptedError(forKey: SchemaKey(lowName), in: self,
                                                   debugDescription: "\(lowName) (\(low)) is above \(highName) (\(high)), so no value could pass")
        }
    }
}

extension DataSchema {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: SchemaKey.self)
        try container.refuseUnknownKeys(["rows", "columns"], in: "schema")
        self.init(rows: try container.value("rows"), columns: try container.value("columns") ?? [:])
    }
}

extension DataSchema.RowBounds {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: SchemaKey.self)
        try container.refuseUnknownKeys(["min", "max"], in: "rows")
        let low: Int? = try container.value("min"), high: Int? = try container.value("max")
        try container.checkBounds(low, high, "min", "max")
        self.init(min: low, max: high)
    }
}

extension DataSchema.ColumnRules {
    public init(from decoder: Decoder) throws {
        let container = try decoder.container(keyedBy: SchemaKey.self)
        try container.refuseUnknownKeys(["type", "nullable", "min", "max", "allowed", "unique", "required"], in: "column rule")
        let low: Double? = try container.value("min"), high: Double? = try container.value("max")
        try container.checkBounds(low, high, "min", "max")
        self.init(type: try container.value("type"), nullable: try container.value("nullable"), min: low, max: high,
                  allowed: try container.value("allowed"), unique: try container.value("unique"), required: try container.value("required"))
    }
}
