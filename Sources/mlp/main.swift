import ArgumentParser
import Foundation
import MLPCLI

/// Runs a parsed command's async `run()`. Through an existential, Swift 6.3 resolves `run()` to
/// ParsableCommand's synchronous default (which only prints help); a closure typed `async`
/// selects the async requirement.
func runAsync<Command: AsyncParsableCommand>(_ command: Command) async throws {
    var command = command
    let body: (inout Command) async throws -> Void = { try await $0.run() }
    try await body(&command)
}

// A reader that goes away (`mlp runs | head`) must not kill a process that may be driving a run:
// writes to a closed pipe fail quietly instead.
signal(SIGPIPE, SIG_IGN)

do {
    var command = try MLPCommandLine.parseAsRoot()
    if let asyncCommand = command as? any AsyncParsableCommand {
        try await runAsync(asyncCommand)
    } else {
        try command.run()
    }
} catch {
    MLPCommandLine.exit(withError: error)
}
