import MLPCore

extension Dataset {
    /// The columns as JSON, for a step's recorded schema:
    /// `{"rows": n, "columns": [{"name": …, "type": …, "nulls": …, "categorical": …}]}`.
    public var schemaJSON: JSONValue {
        .object([
            "rows": .number(Double(rowCount)),
            "columns": .array(columns.map { column in
                .object([
                    "name": .string(column.name), "type": .string(column.type.rawValue),
                    "nulls": .number(Double(column.nullCount)), "categorical": .bool(column.isCategorical),
                ])
            }),
        ])
    }

    /// Writes the dataset as the `mlpds` artifact a connector hands the engine, with its ``Profile`` in the header.
    public func writeArtifact(to path: String) throws {
        try DatasetFile.write(self, to: path, profile: Profile(self))
    }
}

/// Column types given to a connector's `schema` input: either `{"name": "int", …}` or a schema-file shape
/// `{"columns": {"name": {"type": "int"}, …}}`.
public enum ColumnTypesInput {
    /// The types named by `value`.
    ///
    /// - Throws: ``DataSchemaError`` naming the entry that is not a column type.
    public static func parse(_ value: JSONValue, source: String = "schema") throws -> [String: ColumnType] {
        guard case .object(var fields) = value else {
            throw DataSchemaError(source: source, message: "expected an object of column name → type, like {\"age\": \"int\"}")
        }
        if case .object(let nested)? = fields["columns"] { fields = nested }
        var types: [String: ColumnType] = [:]
        let names = ColumnType.allCases.map(\.rawValue).joined(separator: ", ")
        for (name, entry) in fields {
            let text = entry.stringValue ?? entry["type"]?.stringValue
            guard let text else {
                if entry["type"] == nil, case .object = entry { continue }  // rules without a type
                throw DataSchemaError(source: source, message: "column '\(name)': expected a type name (\(names))")
            }
            guard let type = ColumnType(rawValue: text) else {
                throw DataSchemaError(source: source, message: "column '\(name)': '\(text)' is not a column type (\(names))")
            }
            types[name] = type
        }
        return types
    }
}
