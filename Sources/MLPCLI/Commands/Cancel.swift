import ArgumentParser
import Foundation
import MLPEngine

extension MLPCommandLine {
    struct Cancel: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Cancel a run: its running steps are stopped and nothing more starts.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The run id, a unique prefix of it, or `latest`.")
        var run: String

        @Option(help: "Seconds to wait for a driving process to stop the run.")
        var wait: Double = 30

        func run() async throws {
            let engine = try project.engine()
            let record = try engine.store.findRun(run)
            guard !record.status.isFinished else {
                print("run \(record.id) is already \(record.status.rawValue)")
                return
            }
            var result = try engine.cancel(runID: record.id)
            if !result.status.isFinished {
                let deadline = Date().addingTimeInterval(wait)
                while Date() < deadline {
                    try await Task.sleep(nanoseconds: 100_000_000)
                    if let current = try engine.store.run(id: record.id), current.status.isFinished {
                        result = current
                        break
                    }
                }
            }
            if output.json { try Format.printJSON(JSONView.run(result)); return }
            if result.status.isFinished {
                print("run \(result.id) \(result.status.rawValue)")
            } else {
                print("asked the process driving run \(result.id) to cancel it; it has not stopped yet")
                throw ExitCode(1)
            }
        }
    }
}
