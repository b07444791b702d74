import ArgumentParser
import Foundation

extension MLPCommandLine {
    struct Approve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Approve a waiting gate; the run continues.",
            discussion: """
                The decision, who made it and when are stored with the run. A waiting `mlp run` continues within a moment;
                a run no process drives (started with --detach) is continued in the background, as the TUI does.
                """)

        @OptionGroup var decision: DecisionOptions

        func run() async throws { try decision.decide(approve: true) }
    }
}
