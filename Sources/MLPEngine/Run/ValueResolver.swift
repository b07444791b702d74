import Foundation
import MLPCore

/// A reference that cannot be resolved while running (a value that is missing or of the wrong shape).
public struct ResolutionError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// Turns the values written in a step into concrete values, given params, upstream outputs and
/// the fan-out item.
struct ValueResolver {
    var params: [String: PortValue]
    var outputs: [String: [String: PortValue]]
    var item: JSONValue?
    var index: Int?
    /// Maps an artifact to the path a script reads it from (for text interpolation).
    var artifactPath: (ArtifactRef) -> String

    func resolve(_ value: ValueExpr) throws -> PortValue {
        switch value {
        case .literal(let json, let type):
            return PortValue(json: json, as: type) ?? .json(json)
        case .reference(let reference):
            return try resolve(reference)
        case .template(let parts):
            var text = ""
            for part in parts {
                switch part {
                case .text(let literal): text += literal
                case .reference(let reference): text += try resolve(reference).scriptText(artifactPath: artifactPath)
                }
            }
            return .string(text)
        case .list(let items):
            return .json(.array(try items.map { try resolve($0).json }))
        case .map(let fields):
            return .json(.object(try fields.mapValues { try resolve($0).json }))
        }
    }

    func resolve(_ reference: Reference) throws -> PortValue {
        switch reference.target {
        case .param(let name):
            guard let value = params[name] else { throw ResolutionError(message: "param '\(name)' has no value") }
            return value
        case .stepOutput(let step, let output):
            guard let value = outputs[step]?[output] else {
                throw ResolutionError(message: "step '\(step)' produced no output '\(output)'")
            }
            return value
        case .index:
            guard let index else { throw ResolutionError(message: "'index' is only defined in a fan-out") }
            return .int(index)
        case .item(let field):
            guard let item else { throw ResolutionError(message: "'item' is only defined in a fan-out") }
            if let field {
                guard let value = item[field] else { throw ResolutionError(message: "the item has no field '\(field)'") }
                return Self.value(of: value)
            }
            return Self.value(of: item)
        }
    }

    /// A JSON item as the most specific port value.
    static func value(of json: JSONValue) -> PortValue {
        switch json {
        case .number(let number): return number == number.rounded() && abs(number) < 1e15 ? .int(Int(number)) : .float(number)
        case .string(let text): return .string(text)
        case .bool(let flag): return .bool(flag)
        default:
            if let digest = json["artifact"]?.stringValue, let type = json["type"]?.stringValue.flatMap(PortType.init(rawValue:)),
               let size = json["size"]?.doubleValue {
                return .artifact(ArtifactRef(digest: digest, type: type, size: Int64(size)))
            }
            return .json(json)
        }
    }
}
