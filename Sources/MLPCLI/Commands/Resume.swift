import ArgumentParser
import Foundation
import MLPEngine

extension MLPCommandLine {
    struct Resume: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Continue a run that stopped: killed, failed, cancelled or waiting at a gate.",
            discussion: """
                Steps that finished are kept and never run again; steps that were running when the driver died are
                marked interrupted (their processes stopped) and run again, as are failed ones — so a failed run can be
                resumed after fixing the failing script. A run always resumes with the pipeline definition recorded
                when it started (its digest is shown), never an edited mlp.yaml: to run an edited pipeline, start a
                new run with `mlp run`. Exit status as for `mlp run`.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The run id, a unique prefix of it, or `latest`.")
        var run: String

        @Flag(name: .long, help: "Continue in the background and return at once.")
        var detach = false

        @Flag(name: .long, help: .hidden)
        var background = false

        @Option(help: ArgumentHelp("Write the run as JUnit XML there (a test case per step, data check and approval rule), however it ends.", valueName: "file"))
        var junit: String?

        func validate() throws {
            if let junit {
                if detach { throw ValidationError("--junit needs the run to end in this process; drop --detach") }
                try OutputFile.validate(junit, option: "--junit", example: "junit.xml")
            }
        }

        func run() async throws {
            let engine = try project.engine()
            let record = try engine.store.findRun(run)
            if !background {
                FileHandle.standardError.write(Data((engine.resumeNote(for: record) + "\n").utf8))
            }
            if detach {
                try Driving.startInBackground(engine: engine, runID: record.id)
                print("resuming run \(record.id) in the background")
                return
            }
            try await Driving.drive(engine: engine, runID: record.id, json: output.json, stopAtGates: background, junit: junit)
        }
    }
}
