/// A value that flows between steps: a scalar, a JSON document or an artifact.
public enum PortValue: Hashable, Sendable {
    case int(Int)
    case float(Double)
    case string(String)
    case bool(Bool)
    /// A `json` or `metrics` value, kept inline.
    case json(JSONValue)
    /// A `file`, `directory`, `dataset` or `model`, kept in the artifact store.
    case artifact(ArtifactRef)

    /// The value as JSON: artifacts become `{"artifact": digest, "type": t, "size": n}`.
    public var json: JSONValue {
        switch self {
        case .int(let value): return .number(Double(value))
        case .float(let value): return .number(value)
        case .string(let value): return .string(value)
        case .bool(let value): return .bool(value)
        case .json(let value): return value
        case .artifact(let ref):
            return .object(["artifact": .string(ref.digest), "type": .string(ref.type.rawValue), "size": .number(Double(ref.size))])
        }
    }

    /// Reads a value back from the JSON written by ``json``, given the type it was declared as.
    public init?(json: JSONValue, as type: PortType) {
        switch type {
        case .int:
            guard let number = json.doubleValue, number == number.rounded(), abs(number) < 9.2e18 else { return nil }
            self = .int(Int(number))
        case .float:
            guard let number = json.doubleValue else { return nil }
            self = .float(number)
        case .string:
            guard let text = json.stringValue else { return nil }
            self = .string(text)
        case .bool:
            guard case .bool(let flag) = json else { return nil }
            self = .bool(flag)
        case .json, .metrics:
            self = .json(json)
        case .file, .directory, .dataset, .model:
            guard let digest = json["artifact"]?.stringValue, let size = json["size"]?.doubleValue else { return nil }
            let stored = json["type"]?.stringValue.flatMap(PortType.init(rawValue:)) ?? type
            self = .artifact(ArtifactRef(digest: digest, type: stored, size: Int64(size)))
        }
    }

    /// Parses the text a script wrote for an output (or a user typed for a parameter).
    ///
    /// - Throws: ``PortValueError`` naming the expected type when the text does not parse.
    public static func parse(_ raw: String, as type: PortType) throws -> PortValue {
        let text = raw.trimmingCharacters(in: .whitespacesAndNewlines)
        switch type {
        case .int:
            guard let value = Int(text) else { throw PortValueError(text: text, expected: type) }
            return .int(value)
        case .float:
            guard let value = Double(text), value.isFinite else { throw PortValueError(text: text, expected: type) }
            return .float(value)
        case .bool:
            switch text.lowercased() {
            case "true", "yes", "1": return .bool(true)
            case "false", "no", "0": return .bool(false)
            default: throw PortValueError(text: text, expected: type)
            }
        case .string:
            return .string(raw.hasSuffix("\n") ? String(raw.dropLast()) : raw)
        case .json, .metrics:
            guard let value = try? JSONValue(parsing: text) else { throw PortValueError(text: text, expected: type) }
            if type == .metrics, case .object = value {} else if type == .metrics {
                throw PortValueError(text: text, expected: type)
            }
            return .json(value)
        case .file, .directory, .dataset, .model:
            throw PortValueError(text: text, expected: type)
        }
    }

    /// The text handed to a script for this value (an artifact's text is its path, given by the caller).
    public func scriptText(artifactPath: (ArtifactRef) -> String) -> String {
        switch self {
        case .int(let value): return String(value)
        case .float(let value): return JSONValue.format(value)
        case .string(let value): return value
        case .bool(let value): return value ? "true" : "false"
        case .json(let value): return value.canonicalText
        case .artifact(let ref): return artifactPath(ref)
        }
    }
}

/// A text that does not parse as the type it should have.
public struct PortValueError: Error, CustomStringConvertible, Sendable {
    public let text: String
    public let expected: PortType
    public var description: String {
        let shown = text.count > 60 ? String(text.prefix(60)) + "…" : text
        return "'\(shown)' is not a valid \(expected)"
    }
}

import Foundation
