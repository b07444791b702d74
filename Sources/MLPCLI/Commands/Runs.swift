import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPStore

extension MLPCommandLine {
    struct Runs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List runs, newest first.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(help: ArgumentHelp("Only runs with this status (\(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))).", valueName: "status"))
        var status: String?

        @Option(help: "Only runs of this pipeline.")
        var pipeline: String?

        @Option(help: "How many runs at most.")
        var limit = 20

        func validate() throws {
            if let status, RunStatus(rawValue: status) == nil {
                throw ValidationError("--status \(status): expected one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }

        func run() async throws {
            let wanted = status.flatMap(RunStatus.init(rawValue:))
            let location = try server.open(project)
            let store = location.store
            let summaries = try store.runSummaries(RunQuery(status: wanted, pipeline: pipeline, limit: limit))
            if output.json {
                try Format.printJSON(JSONValue.array(summaries.map {
                    location.state($0.run).adding(to: JSONView.run($0.run, counts: $0.counts))
                }))
                return
            }
            guard !summaries.isEmpty else {
                print("no runs yet; start one with `mlp run`")
                return
            }
            var table = TextTable("RUN", "PIPELINE", "STATUS", "STEPS", "STARTED", "DURATION")
            var interrupted: [String] = []
            for summary in summaries {
                let run = summary.run
                let state = location.state(run)
                if state.interrupted { interrupted.append(run.id) }
                table.add(run.id, run.pipeline, state.label, "\(summary.counts.filter { $0.key.isDone }.values.reduce(0, +))/\(summary.total)",
                          Format.time(run.startedAt ?? run.createdAt), Format.duration(from: run.startedAt, to: state.end))
            }
            print(table.render())
            if let first = interrupted.first {
                print("\ninterrupted: no process drives \(interrupted.count == 1 ? "this run" : "these runs") any more; `mlp resume \(first)` continues it")
            }
        }
    }
}
