import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine.Models {
    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List registered models, or the versions of one.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "A model name: list its versions.")
        var name: String?

        func run() async throws {
            let store = try server.open(project).store
            if let name {
                let versions = try store.modelVersions(name: name)
                guard !versions.isEmpty else { throw StoreError.modelNotFound(name) }
                let aliases = try store.models().first { $0.name == name }?.aliases ?? [:]
                if output.json {
                    try Format.printJSON(JSONValue.array(versions.map { ModelViews.version($0, aliases: aliases) }))
                    return
                }
                var table = TextTable("VERSION", "ALIASES", "REGISTERED", "BY", "RUN", "MODEL")
                for version in versions {
                    let names = aliases.filter { $0.value == version.version }.keys.sorted().map { "@\($0)" }.joined(separator: " ")
                    table.add(String(version.version), names, Format.time(version.createdAt), version.createdBy, version.runID ?? "-",
                              "\(version.type.rawValue) \(version.digest.prefix(12))")
                }
                print(table.render())
                return
            }
            let models = try store.models()
            if output.json {
                try Format.printJSON(JSONValue.array(models.map { summary in
                    .object(["name": .string(summary.name), "versions": .number(Double(summary.versions)), "latest": .number(Double(summary.latest.version)),
                             "aliases": .object(summary.aliases.mapValues { .number(Double($0)) }), "updated_at": .number(summary.latest.createdAt)])
                }))
                return
            }
            guard !models.isEmpty else {
                print("no registered models; a pipeline's `uses: register` step or `mlp models register` adds one")
                return
            }
            var table = TextTable("MODEL", "VERSIONS", "LATEST", "ALIASES", "REGISTERED")
            for summary in models {
                let aliases = summary.aliases.sorted { $0.key < $1.key }.map { "@\($0.key)→\($0.value)" }.joined(separator: " ")
                table.add(summary.name, String(summary.versions), String(summary.latest.version), aliases, Format.time(summary.latest.createdAt))
            }
            print(table.render())
        }
    }
}

/// JSON views of registry records.
enum ModelViews {
    static func version(_ version: ModelVersionRecord, aliases: [String: Int]) -> JSONValue {
        .object([
            "name": .string(version.name), "version": .number(Double(version.version)), "reference": .string(version.reference),
            "digest": .string(version.digest), "type": .string(version.type.rawValue), "run": version.runID.map { .string($0) } ?? .null,
            "registered_at": .number(version.createdAt), "registered_by": .string(version.createdBy),
            "aliases": .array(aliases.filter { $0.value == version.version }.keys.sorted().map { .string($0) }),
            "card": JSONView.parse(version.card),
        ])
    }
}
