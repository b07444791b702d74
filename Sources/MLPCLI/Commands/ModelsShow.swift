import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine.Models {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show one model version: its card, lineage and aliases.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "NAME, NAME:VERSION or NAME@ALIAS.")
        var model: String

        func run() async throws {
            let project = try self.project.locate()
            let store = try project.openStore()
            let version = try store.resolveModel(model)
            let aliases = try store.models().first { $0.name == version.name }?.aliases ?? [:]
            if output.json {
                guard case .object(var view) = ModelViews.version(version, aliases: aliases) else { return }
                view["path"] = .string(try project.openArtifacts().path(for: ArtifactRef(digest: version.digest, type: version.type, size: 0)))
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
            if case .object(let fields) = card {
                for key in fields.keys.sorted() where !["run", "step", "model", "data", "metrics"].contains(key) {
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
