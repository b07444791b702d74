import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine.Models {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one model version: its card, lineage and aliases.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "NAME, NAME:VERSION or NAME@ALIAS.")
        var model: String

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let version = try store.resolveModel(model)
            let aliases = try store.models().first { $0.name == version.name }?.aliases ?? [:]
            if output.json {
                guard case .object(var view) = ModelViews.version(version, aliases: aliases) else { return }
                view["path"] = .string(try location.path(of: ArtifactRef(digest: version.digest, type: version.type, size: 0), in: try location.artifacts(project)))
                try Format.printJSON(JSONValue.object(view))
                return
            }
            let card = JSONView.parse(version.card)
            print("model     \(version.reference)" + aliases.filter { $0.value == version.version }.keys.sorted().map { "  @\($0)" }.joined())
            print("artifact  \(version.type.rawValue) \(version.digest)")
            print("from      run \(version.runID ?? "-") step \(card["step"]?.stringValue ?? "-"), registered \(Format.time(version.createdAt)) by \(version.createdBy)")
            if let data = card["data"]?.arrayValue, !data.isEmpty {
                print("data      " + data.compactMap(\.stringValue).map { String($0.prefix(12)) }.joined(separator: " "))
            }
            if case .object(let metrics)? = card["metrics"] {
                print("metrics   " + metrics.keys.sorted().map { "\($0)=\(Format.value(metrics[$0]!, limit: 20))" }.joined(separator: "  "))
            }
            if let modelCard = card["model_card"] { ModelCardLines.print(modelCard) }
            if case .object(let fields) = card {
                for key in fields.keys.sorted() where !["run", "step", "model", "data", "metrics", "model_card"].contains(key) {
                    print("\(key):".padding(toLength: max(10, key.count + 2), withPad: " ", startingAt: 0) + Format.value(fields[key]!, limit: 100))
                }
            }
            let events = try store.aliasEvents(name: version.name)
            if !events.isEmpty {
                print("aliases   " + events.suffix(5).map { "@\($0.alias) \($0.fromVersion.map(String.init) ?? "new")→\($0.toVersion) (\($0.by))" }.joined(separator: ", "))
            }
        }
    }
}

/// The text lines `mlp models show` prints for a model's own card (`model.json`).
enum ModelCardLines {
    static func print(_ card: JSONValue) {
        for line in lines(card) { Swift.print(line) }
    }

    static func lines(_ card: JSONValue) -> [String] {
        var lines: [String] = []
        let kind = card["kind"]?.stringValue ?? "?", task = card["task"]?.stringValue ?? "?", target = card["target"]?.stringValue ?? "?"
        let classes = card["classes"]?.arrayValue?.compactMap(\.stringValue) ?? []
        lines.append("kind      \(kind) (\(card["format"]?.stringValue ?? "?")): \(task) of '\(target)'"
                     + (classes.isEmpty ? "" : ", classes " + classes.prefix(20).joined(separator: ", ") + (classes.count > 20 ? " … (\(classes.count))" : "")))
        if let trainer = card["trainer"], let name = trainer["name"]?.stringValue {
            var params: [String] = []
            if case .object(let fields)? = trainer["params"] {
                params = fields.keys.sorted().compactMap { key in
                    guard let value = fields[key], value["artifact"] == nil else { return nil }
                    return "\(key)=\(Format.value(value, limit: 30))"
                }
            }
            lines.append("trainer   \(name), seed \(Format.value(trainer["seed"] ?? .null, limit: 20))" + (params.isEmpty ? "" : "  " + params.joined(separator: " ")))
        }
        if let features = card["features"], let columns = features["columns"]?.arrayValue {
            let names = columns.map { column -> String in
                let name = column["name"]?.stringValue ?? "?"
                guard let categories = column["categories"]?.arrayValue else { return name }
                return "\(name)[\(categories.count)]"
            }
            let encoded = features["encoded"]?.arrayValue?.count ?? 0
            lines.append("features  \(columns.count) columns → \(encoded) features, missing: \(features["missing"]?.stringValue ?? "?"): "
                         + names.prefix(12).joined(separator: ", ") + (names.count > 12 ? ", …" : ""))
        }
        if case .object(let steps)? = card["preprocessing"], !steps.isEmpty {
            lines.append("prep      " + steps.keys.sorted().map { key in
                "\(key) (\(steps[key]?["mean"]?.stringValue ?? "?"), \(steps[key]?["scale"]?.stringValue ?? "?"))"
            }.joined(separator: ", "))
        }
        if case .object(let tensors)? = card["tensors"] {
            lines.append("tensors   " + tensors.keys.sorted().map { name in
                let shape = tensors[name]?["shape"]?.arrayValue?.compactMap { $0.doubleValue.map { String(Int($0)) } } ?? []
                return "\(name) \(tensors[name]?["dtype"]?.stringValue ?? "?")[\(shape.joined(separator: "×"))]"
            }.joined(separator: ", "))
        }
        return lines
    }
}
