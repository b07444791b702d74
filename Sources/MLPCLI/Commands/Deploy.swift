import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    /// `mlp deploy`: puts a registered model version behind a named deployment.
    struct Deploy: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Put a registered model version behind a deployment: directly, as a canary, or as a shadow.",
            discussion: """
                The first version of a deployment goes live directly. Later versions replace the stable one directly \
                (mlp rollback NAME restores it), or are tried first: --canary PCT sends that share of requests to the new \
                version (--sticky-header keeps each value of a header on one side); --shadow sends every request to both, \
                answers with the stable version, and records how often the two agree (mlp_shadow_requests_total on /metrics).

                The version is loaded first, as `mlp serve` loads it, and nothing is recorded when it cannot be: a \
                deployment only ever names versions a server can start with.

                A server started with `mlp serve --deployment NAME` follows every change within its --watch-ms, with no \
                failed request. Set --max-error-rate and/or --max-p99-ms and the server rolls the candidate back by \
                itself when it breaches them (judged over its last requests, once it has --min-requests of them); the \
                rollback is recorded like any other change (mlp deployments NAME).

                Examples:
                  mlp deploy churn@champion --name churn-api
                  mlp deploy churn:4 --name churn-api --canary 10 --sticky-header x-user-id --max-error-rate 0.02 --max-p99-ms 50
                  mlp deploy churn:4 --name churn-api --shadow
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: ArgumentHelp("The registered model version: NAME:VERSION, NAME@ALIAS or NAME (its newest version).", valueName: "model"))
        var model: String

        @Option(help: "The deployment's name (what clients address: /v2/models/NAME/infer). Default: the model's name.")
        var name: String?

        @Option(help: ArgumentHelp("Try the version on this share of requests, in percent (more than 0, at most 100).", valueName: "pct"))
        var canary: Double?

        @Flag(help: "Try the version on a copy of every request; callers only get the stable version's answers.")
        var shadow = false

        @Option(name: .customLong("sticky-header"), help: "With --canary: a request header whose value keeps a caller on one side.")
        var stickyHeader: String?

        @Option(name: .customLong("max-error-rate"), help: "Roll the candidate back when its error fraction (0-1) exceeds this. Default: the deployment's current setting, else none.")
        var maxErrorRate: Double?

        @Option(name: .customLong("max-p99-ms"), help: "Roll the candidate back when its p99 latency exceeds this many milliseconds. Default: the deployment's current setting, else none.")
        var maxP99Ms: Double?

        @Option(name: .customLong("min-requests"), help: "Candidate requests before the thresholds are judged. Default: the deployment's current setting, else 50.")
        var minRequests: Int?

        @Option(help: "Who deploys (default: $MLP_USER, else $USER).")
        var by: String?

        func validate() throws {
            if canary != nil, shadow { throw ValidationError("give --canary PCT or --shadow, not both") }
            if stickyHeader != nil, canary == nil { throw ValidationError("--sticky-header only applies with --canary") }
        }

        func run() async throws {
            let project = try self.project.locate()
            let store = try project.openStore()
            let version = try store.resolveModel(model)
            try ServableModelCheck.check(ArtifactRef(digest: version.digest, type: version.type, size: 0), subject: version.reference,
                                         action: "deployed", artifacts: try project.openArtifacts())
            let name = self.name ?? version.name
            let current = try store.deployment(name: name)
            let mode: DeploymentMode = canary != nil ? .canary : (shadow ? .shadow : .direct)
            let spec = DeploymentSpec(name: name, model: version.name, version: version.version, mode: mode, canaryPercent: canary ?? 0,
                                      stickyHeader: stickyHeader, maxErrorRate: maxErrorRate ?? current?.maxErrorRate,
                                      maxP99Ms: maxP99Ms ?? current?.maxP99Ms, minRequests: minRequests ?? current?.minRequests ?? 50)
            let deployment = try store.deploy(spec, by: by ?? currentUser())
            try DeploymentViews.show(deployment, json: output.json)
        }
    }
}
