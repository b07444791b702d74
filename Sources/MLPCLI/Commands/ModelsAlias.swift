import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine.Models {
    struct Alias: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Point an alias (champion, challenger…) at a version, or move it.",
            discussion: "Example: mlp models alias churn@champion 4 — every move is kept (mlp models show churn@champion lists them). \(ModelName.rule)")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "NAME@ALIAS.")
        var target: String

        @Argument(help: "The version to point at (a number, or another reference such as churn@challenger).")
        var version: String

        @Option(help: "Who moves it (default: $MLP_USER, else $USER).")
        var by: String?

        func run() async throws {
            guard let at = target.firstIndex(of: "@"), at != target.startIndex, target.index(after: at) != target.endIndex else {
                throw ValidationError("expected NAME@ALIAS, such as churn@champion")
            }
            let name = String(target[..<at]), alias = String(target[target.index(after: at)...])
            let store = try server.open(project).store
            let number = try Int(version) ?? store.resolveModel(version).version
            let event = try store.moveAlias(name: name, alias: alias, to: number, by: by ?? currentUser())
            if output.json {
                try Format.printJSON(JSONValue.object(["name": .string(name), "alias": .string(alias),
                                                       "from": event.fromVersion.map { .number(Double($0)) } ?? .null, "to": .number(Double(number))]))
                return
            }
            print("\(name)@\(alias): \(event.fromVersion.map { "\($0) → " } ?? "new → ")\(number)")
        }
    }
}
