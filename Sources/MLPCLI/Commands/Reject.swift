import ArgumentParser
import Foundation

extension MLPCommandLine {
    struct Reject: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Reject a waiting gate; the run stops (status rejected).",
            discussion: "The decision, who made it and when are stored with the run.")

        @OptionGroup var decision: DecisionOptions

        func run() async throws { try decision.decide(approve: false) }
    }
}
