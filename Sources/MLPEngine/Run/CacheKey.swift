import Foundation
import MLPCore
import MLPStore

/// A step's cache key and the parts it was made of.
///
/// The key covers the step kind and its version, every resolved input (artifacts by digest),
/// the digest of each code file the step runs, its environment, its fan-out item and the outputs
/// it declares. Two executions with the same key are interchangeable.
public struct CacheKey: Sendable {
    /// Part name (`kind`, `input.lr`, `code.steps/train.py`, `env.SEED`, `item`, `outputs`) → digest or value.
    public var parts: [String: String]
    public var key: String

    init(parts: [String: String]) {
        self.parts = parts
        let text = JSONValue.object(parts.mapValues { .string($0) }).canonicalText
        key = ArtifactStore.digest(of: Data(text.utf8))
    }

    static func compute(kind: String, version: String, config: [String: PortValue], codeFiles: [String], projectDirectory: String,
                        env: [String: String], item: JSONValue?, outputs: [String: PortType],
                        formats: [String: DatasetExchangeFormat] = [:]) throws -> CacheKey {
        var parts: [String: String] = ["kind": "\(kind)@\(version)"]
        for (name, value) in config {
            switch value {
            case .artifact(let ref): parts["input.\(name)"] = "artifact:\(ref.digest)"
            case .string(let text) where text.utf8.count <= 64: parts["input.\(name)"] = JSONValue.string(text).canonicalText
            default:
                let text = value.json.canonicalText
                parts["input.\(name)"] = text.utf8.count <= 64 ? text : "sha256:" + ArtifactStore.digest(of: Data(text.utf8))
            }
        }
        // Only regular files are hashed (``ArtifactStore/digest(ofFile:sync:followSymlinks:)``): a
        // device or FIFO named as a code file (`script: /dev/zero`) is refused, not read forever.
        for file in codeFiles {
            let path = file.hasPrefix("/") ? file : "\(projectDirectory)/\(file)"
            do {
                parts["code.\(file)"] = "sha256:" + (try ArtifactStore.digest(ofFile: path).0)
            } catch {
                throw ResolutionError(message: "cannot read the step's code file '\(file)' (its content joins the cache key): \(error); "
                                      + "a code file (script:, files:, a connector's path) must be a regular file")
            }
        }
        // The file format a script receives a dataset input in: other bytes, another execution.
        for (name, format) in formats { parts["format.\(name)"] = format.rawValue }
        for (name, value) in env { parts["env.\(name)"] = value }
        if let item { parts["item"] = item.canonicalText }
        if !outputs.isEmpty {
            parts["outputs"] = outputs.keys.sorted().map { "\($0):\(outputs[$0]!.rawValue)" }.joined(separator: ",")
        }
        return CacheKey(parts: parts)
    }

    /// Why `current` differs from an earlier execution's parts, one line per changed part.
    public static func explain(current: [String: String], previous: [String: String]) -> [String] {
        var reasons: [String] = []
        for name in Set(current.keys).union(previous.keys).sorted() {
            let now = current[name], before = previous[name]
            if now == before { continue }
            func short(_ value: String?) -> String {
                guard let value else { return "absent" }
                if value.hasPrefix("sha256:") || value.hasPrefix("artifact:") {
                    let digest = value.split(separator: ":", maxSplits: 1)[1]
                    return String(digest.prefix(12))
                }
                return value.count > 40 ? String(value.prefix(40)) + "…" : value
            }
            let what: String
            if name.hasPrefix("code.") { what = "file \(name.dropFirst(5)) changed" }
            else if name.hasPrefix("input.") { what = now?.hasPrefix("artifact:") == true ? "input artifact '\(name.dropFirst(6))' changed" : "input '\(name.dropFirst(6))' changed" }
            else if name.hasPrefix("env.") { what = "environment variable \(name.dropFirst(4)) changed" }
            else if name.hasPrefix("source.") { what = "the source's \(name.dropFirst(7)) changed" }
            else if name.hasPrefix("format.") { what = "format of dataset input '\(name.dropFirst(7))' changed" }
            else if name == "kind" { what = "step kind or its version changed" }
            else { what = "\(name) changed" }
            reasons.append("\(what): \(short(before)) → \(short(now))")
        }
        return reasons
    }
}
