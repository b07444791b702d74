import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPEngine
import MLPStore
import MLPTUI

extension MLPCommandLine {
    struct Tui: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Watch runs and decide approval gates in a terminal UI.",
            discussion: """
                Runs newest first; a run's steps, a step's log as it grows, and the queue of gates waiting for a decision.
                Press ? for every key. NO_COLOR turns colours off; MLP_TUI_TIMINGS=FILE appends drawing times to FILE.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions

        @Option(help: ArgumentHelp("Seconds between refreshes of what is on screen.", valueName: "seconds"))
        var refresh: Double = 0.5

        @Option(help: "Who decides approvals (default: $MLP_USER, else $USER).")
        var by: String?

        @Option(help: ArgumentHelp("Open on: runs, approvals, or a run id.", valueName: "view"))
        var open: String = "runs"

        @Flag(inversion: .prefixedNo, help: "Read the mouse: the wheel scrolls, a click selects (--no-mouse leaves text selection to the terminal).")
        var mouse = true

        func validate() throws {
            guard refresh >= 0.05, refresh <= 3600 else { throw ValidationError("--refresh must be between 0.05 and 3600 seconds") }
            guard isatty(STDIN_FILENO) != 0, isatty(STDOUT_FILENO) != 0 else {
                throw ValidationError("mlp tui needs a terminal; use `mlp runs`, `mlp show` and `mlp approvals` in scripts")
            }
        }

        func run() async throws {
            let started = DispatchTime.now().uptimeNanoseconds
            // On a shared server the TUI reads and decides there; a decision is picked up by the
            // process driving the run, wherever it runs.
            let remote = try server.settings(project).map { RemoteStore(settings: $0) }
            let engine = remote == nil ? try project.engine() : nil
            let store: any MetadataStore = remote ?? engine!.store
            let opening: TUIView?
            switch open {
            case "runs": opening = nil
            case "approvals": opening = ApprovalsView()
            default: opening = RunView(runID: try store.findRun(open).id)
            }
            let context = TUIContext(store: store, user: by ?? currentUser(), afterDecision: { decision in
                guard let engine else { return "stored on \(remote!.settings.url); the process driving the run picks it up" }
                return Driving.continueRun(after: decision, engine: engine).message
            }, dependencies: Self.dependencies(of:))
            if let remote {
                context.readLog = { id, stream, offset in (try? remote.readLog(attemptID: id, stream: stream, offset: Int64(offset))) ?? Data() }
            }
            // Esc from a view opened directly lands on the runs list.
            let app = TUIApp(context: context, root: RunsView(), opening: opening)
            if let signal = TerminalUI.run(app, refreshInterval: refresh, mouse: mouse, started: started) {
                throw ExitCode(128 + signal)
            }
        }

        /// Each step's upstream steps, from the pipeline text the run recorded.
        static func dependencies(of run: RunRecord) -> [String: [String]] {
            guard let spec = try? PipelineParser.parse(run.pipelineText, file: run.pipelineFile) else { return [:] }
            return Dictionary(spec.steps.map { ($0.name, $0.dependencies) }, uniquingKeysWith: { first, _ in first })
        }
    }
}
