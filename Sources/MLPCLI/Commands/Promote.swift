import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    /// `mlp promote`: makes a deployment's candidate its stable version.
    struct Promote: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Make a deployment's candidate (canary or shadow) its stable version.",
            discussion: "Servers following the deployment switch atomically: requests already running finish on the version they started on. mlp rollback NAME undoes it.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The deployment's name.")
        var name: String

        @Option(help: "Who promotes (default: $MLP_USER, else $USER).")
        var by: String?

        func run() async throws {
            let deployment = try project.locate().openStore().promote(deployment: name, by: by ?? currentUser())
            try DeploymentViews.show(deployment, json: output.json)
        }
    }

    /// `mlp rollback`: drops a deployment's candidate, or restores its previous stable version.
    struct Rollback: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Drop a deployment's candidate, or (with none) restore the stable version before the last promotion.",
            discussion: "Servers following the deployment switch atomically, with no failed request.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The deployment's name.")
        var name: String

        @Option(help: "Why, kept with the change.")
        var reason: String?

        @Option(help: "Who rolls back (default: $MLP_USER, else $USER).")
        var by: String?

        func run() async throws {
            let deployment = try project.locate().openStore().rollback(deployment: name, by: by ?? currentUser(), reason: reason)
            try DeploymentViews.show(deployment, json: output.json)
        }
    }
}
