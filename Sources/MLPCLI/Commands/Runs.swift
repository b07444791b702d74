import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Only runs with this status (\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))).", valueName: "status"))
        var status: String?

        @Option(help: "Only runs of this pipeline.")
        var pipeline: String?

        @Option(help: "How many runs at most.")
        var limit = 20

        func run() async throws {
            var wanted: RunStatus?
            if let status {
                guard let parsed = RunStatus(rawValue: status) else {
                    throw ValidationError("--status \(status): expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                wanted = parsed
            }
            let store = try project.locate().openStore()
            let summaries = try store.runSummaries(RunQuery(status: wanted, pipeline: pipeline, limit: limit))
            if output.json {
                try Format.printJSON(JSONValue.array(summaries.map { JSONView.run($0.run, counts: $0.counts) }))
                return
            }
            guard !summaries.isEmpty else {
                print("no runs yet; start one with `mlp run`")
                return
            }
            var table = TextTable("RUN", "PIPELINE", "STATUS", "STEPS", "STARTED", "DURATION")
            for summary in summaries {
                let run = summary.run
                table.add(run.id, run.pipeline, run.status.rawValue, "\(summary.counts.filter { $0.key.isDone }.values.reduce(0, +))/\(summary.total)",
                          Format.time(run.startedAt ?? run.createdAt), Format.duration(from: run.startedAt, to: run.finishedAt))
            }
            print(table.render())
        }
    }
}
