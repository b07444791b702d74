import Foundation
import Yams

/// A schema file: the rules a dataset must meet ("unit tests for data"). YAML or JSON:
///
/// ```yaml
/// rows: {min: 100, max: 1000000}
/// columns:
///   id:    {type: int, nullable: false, unique: true}
///   age:   {type: int, min: 0, max: 130}
///   plan:  {type: string, allowed: [free, pro, team]}
///   score: {type: float, nullable: true}
/// ```
public struct DataSchema: Codable, Sendable, Equatable {
    /// Dataset-level bounds on the row count, both inclusive.
    public struct RowBounds: Codable, Sendable, Equatable {
        public var min: Int?
        public var max: Int?

        public init(min: Int? = nil, max: Int? = nil) {
            self.min = min
            self.max = max
        }
    }

    /// The rules for one column. Every field is optional; an absent rule is not checked.
    public struct ColumnRules: Codable, Sendable, Equatable {
        /// The column's type; an `int` column meets `float`.
        public var type: ColumnType?
        /// Whether nulls are allowed (default true).
        public var nullable: Bool?
        /// Inclusive lower bound for numbers.
        public var min: Double?
        /// Inclusive upper bound for numbers.
        public var max: Double?
        /// The only values allowed (compared as text: `1`, `true`, `pro`).
        public var allowed: [String]?
        /// Whether every non-null value must be distinct.
        public var unique: Bool?
        /// Whether the column must exist (default true).
        public var required: Bool?

        public init(type: ColumnType? = nil, nullable: Bool? = nil, min: Double? = nil, max: Double? = nil,
                    allowed: [String]? = nil, unique: Bool? = nil, required: Bool? = nil) {
            self.type = type
            self.nullable = nullable
            self.min = min
            self.max = max
            self.allowed = allowed
            self.unique = unique
            self.required = required
        }
    }

    /// Row-count bounds.
    public var rows: RowBounds?
    /// Rules per column name.
    public var columns: [String: ColumnRules]

    /// A schema from its parts.
    public init(rows: RowBounds? = nil, columns: [String: ColumnRules] = [:]) {
        self.rows = rows
        self.columns = columns
    }

    /// Parses a schema from YAML or JSON text.
    ///
    /// - Throws: ``DataSchemaError`` saying which field is wrong.
    public init(parsing text: String, source: String = "<schema>") throws {
        do {
            self = try YAMLDecoder().decode(DataSchema.self, from: text)
        } catch let error as DecodingError {
            throw DataSchemaError(source: source, message: DataSchemaError.describe(error))
        } catch {
            throw DataSchemaError(source: source, message: "not valid YAML or JSON: \(error)")
        }
    }

    /// Reads a schema file (YAML or JSON).
    public init(contentsOf path: String) throws {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw DataSchemaError(source: path, message: "cannot read the schema file: \(error.localizedDescription)")
        }
        try self.init(parsing: text, source: path)
    }
}

/// A schema file that cannot be used.
public struct DataSchemaError: Error, CustomStringConvertible, Sendable {
    /// The schema file.
    public let source: String
    /// What is wrong.
    public let message: String
    public var description: String { "\(source): \(message)" }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
            return text.isEmpty ? "the document" : "'\(text)'"
        }
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(path(context)): \(context.debugDescription)"
        case .keyNotFound(let key, let context):
            return "\(path(context)) needs the key '\(key.stringValue)'"
        case .dataCorrupted(let context):
            guard context.codingPath.last?.stringValue == "type" else { return "\(path(context)): \(context.debugDescription)" }
            let types = ColumnType.allCases.map(\.rawValue).joined(separator: ", ")
            return "\(path(context)): \(context.debugDescription) (column types are \(types))"
        @unknown default:
            return "\(error)"
        }
    }
}
