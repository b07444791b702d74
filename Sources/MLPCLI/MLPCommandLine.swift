import ArgumentParser
import Foundation
import MLPTUI

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
            Metrics.self, Compare.self, Plot.self, Report.self, Models.self, Tui.self,
            Embed.self, Quantize.self,
            Serve.self, Deploy.self, Promote.self, Rollback.self, Deployments.self,
            Drift.self, Verify.self, Gc.self, Server.self,
            DatasetCommand.self,
        ]
    )

    public init() {}

    /// Parses the process's arguments, runs the command, and exits; the one place errors are printed.
    ///
    /// The rule: a usage error (a bad flag or argument: anything parsing or a command's `validate()`
    /// rejects, or a ``ValidationError`` a command throws later) prints the message and the command's
    /// usage and exits 64. Any other error (a run that is not found, a check that failed) prints
    /// `Error: ` and its message only and exits 1. ``ExitCode`` exits with its code, silently.
    public static func execute() async -> Never {
        let command: ParsableCommand
        do {
            command = try parseAsRoot()
        } catch {
            exit(withError: error)
        }
        do {
            var command = command
            if let asyncCommand = command as? any AsyncParsableCommand {
                try await runAsync(asyncCommand)
            } else {
                try command.run()
            }
            Foundation.exit(0)
        } catch let code as ExitCode {
            Foundation.exit(code.rawValue)
        } catch let error as ValidationError {
            let name = path(to: type(of: command)).joined(separator: " ")
            printToStandardError("""
                Error: \(TerminalText.shown(error.message))
                Usage: \(usageString(for: type(of: command)))
                  See 'mlp \(name)\(name.isEmpty ? "" : " ")--help' for more information.
                """)
            Foundation.exit(ExitCode.validationFailure.rawValue)
        } catch let error where String(reflecting: type(of: error)).hasPrefix("ArgumentParser.") {
            // `--help` and `help` reach here as the run of ArgumentParser's own help command, whose
            // error says "print help": it prints and exits ArgumentParser's way (help on stdout, 0).
            exit(withError: error)
        } catch {
            printToStandardError("Error: " + TerminalText.shown(message(for: error)))
            Foundation.exit(ExitCode.failure.rawValue)
        }
    }

    /// Runs a command's async `run()`. Through an existential, Swift 6.3 resolves `run()` to
    /// ParsableCommand's synchronous default (which only prints help); a closure typed `async`
    /// selects the async requirement.
    private static func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
        var command = command
        let body: (inout Command) async throws -> Void = { try await $0.run() }
        try await body(&command)
    }

    /// The subcommand names from the root to `command` (`["models", "list"]`), empty for the root.
    static func path(to command: ParsableCommand.Type, from root: ParsableCommand.Type = MLPCommandLine.self) -> [String] {
        for child in root.configuration.subcommands {
            let name = child._commandName
            if ObjectIdentifier(child) == ObjectIdentifier(command) { return [name] }
            let below = path(to: command, from: child)
            if !below.isEmpty { return [name] + below }
        }
        return []
    }

    private static func printToStandardError(_ text: String) {
        FileHandle.standardError.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }
}

/// A command failed at run time (not found, a check failed): exit 1 with the message only, no usage.
struct RuntimeError: Error, CustomStringConvertible {
    /// What went wrong, where, and what to do.
    let description: String

    init(_ description: String) { self.description = description }
}
