import MLPCore

/// Short one-line renderings of stored JSON values.
enum ValueText {
    static func parse(_ text: String?) -> JSONValue {
        guard let text, let value = try? JSONValue(parsing: text) else { return .null }
        return value
    }

    /// A value for one cell: artifacts as `type digest12`, strings bare, the rest as JSON.
    static func short(_ value: JSONValue) -> String {
        if let digest = value["artifact"]?.stringValue {
            return "\(value["type"]?.stringValue ?? "artifact") \(digest.prefix(12))"
        }
        switch value {
        case .string(let string): return string.replacingOccurrences(of: "\n", with: " ")
        case .number(let number): return TimeText.number(number)
        default: return value.canonicalText
        }
    }

    /// Every artifact reference inside a value (a fan-out's outputs are lists of them).
    static func artifacts(in value: JSONValue) -> [(type: String, digest: String)] {
        if let digest = value["artifact"]?.stringValue { return [(value["type"]?.stringValue ?? "artifact", digest)] }
        switch value {
        case .array(let items): return items.flatMap(artifacts(in:))
        case .object(let fields): return fields.keys.sorted().flatMap { artifacts(in: fields[$0]!) }
        default: return []
        }
    }

    /// The fields of a JSON object in key order; a non-object as one field named `value`.
    static func fields(_ value: JSONValue) -> [(key: String, value: JSONValue)] {
        if case .object(let fields) = value { return fields.keys.sorted().map { ($0, fields[$0]!) } }
        if case .null = value { return [] }
        return [("value", value)]
    }
}
