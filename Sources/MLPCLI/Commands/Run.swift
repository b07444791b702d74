import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPStore

extension MLPCommandLine {
    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Run the project's pipeline.",
            discussion: """
                Checks mlp.yaml, records a new run and drives it to the end, showing each step as it finishes.
                Ctrl-C cancels the run cleanly (every step's process group is stopped); a second Ctrl-C quits at once.
                Exit status: 0 succeeded (or detached), 1 failed, 3 rejected at an approval gate, 130 cancelled.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Option(name: .customLong("param"), help: ArgumentHelp("Set a pipeline param (repeatable).", valueName: "name=value"))
        var params: [String] = []

        @Option(name: [.customShort("j"), .long], help: "Steps to run at once at most (default: the number of cores).")
        var parallelism: Int?

        @Flag(name: .long, help: "Run every step, even those with a cached identical execution.")
        var noCache = false

        @Flag(name: .long, help: "Start the run in the background and return at once; it stops at approval gates, and `mlp approve` continues it.")
        var detach = false

        @Option(help: ArgumentHelp("Write the run as JUnit XML there (a test case per step, data check and approval rule), however it ends.", valueName: "file"))
        var junit: String?

        func validate() throws {
            if let parallelism, parallelism < 1 { throw ValidationError("--parallelism must be at least 1") }
            if let junit {
                if detach { throw ValidationError("--junit needs the run to end in this process; drop --detach (or use `mlp resume RUN --junit FILE` later)") }
                try OutputFile.validate(junit, option: "--junit", example: "junit.xml")
            }
            _ = try parseParams(params)
        }

        func run() async throws {
            let engine = try server.engine(project)
            let run: RunRecord
            do {
                run = try engine.createRun(RunOptions(params: try parseParams(params), parallelism: parallelism, noCache: noCache))
            } catch let error as PipelineError {
                FileHandle.standardError.write(Data("\(error)\n".utf8))
                if let junit {
                    do {
                        try RunJUnit.write(RunJUnit.report(pipelineError: error, pipeline: ServerOptions.pipelineName(project) ?? "mlp"), to: junit)
                    } catch {
                        FileHandle.standardError.write(Data("mlp: could not write the JUnit report to \(junit): \(error)\n".utf8))
                    }
                }
                throw ExitCode(1)
            }
            if detach {
                try Driving.startInBackground(engine: engine, runID: run.id)
                if output.json { try Format.printJSON(JSONView.run(run)) } else {
                    print("started run \(run.id) in the background; follow it with `mlp show \(run.id)`, after a gate, `mlp approve \(run.id) GATE` continues it")
                }
                return
            }
            try await Driving.drive(engine: engine, runID: run.id, json: output.json, junit: junit)
        }
    }
}
