import ArgumentParser

/// `mlp`: the root command. Each subcommand lives in its own file under Commands/.
public struct MLPCommandLine: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "mlp",
        abstract: "An end-to-end machine-learning platform: pipelines, runs, approvals.",
        discussion: """
            Start with `mlp init NAME --template tabular-classification`, then `mlp run` in that folder.
            Every command that lists or shows something takes --json.
            """,
        version: "0.1.0",
        subcommands: [
            Init.self, Templates.self, Validate.self, Run.self, Runs.self, Show.self, Logs.self,
            Approvals.self, Approve.self, Reject.self, Resume.self, Cancel.self, Artifacts.self, Lineage.self,
            Metrics.self, Compare.self, Plot.self, Models.self, Tui.self,
            Embed.self, Quantize.self,
            Serve.self, Deploy.self, Promote.self, Rollback.self, Deployments.self,
            Drift.self,
        ]
    )

    public init() {}
}
