import ArgumentParser
import Foundation
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Approvals: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List approval gates waiting for a decision.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Flag(help: "Also list decided gates.")
        var all = false

        func run() async throws {
            let store = try server.open(project).store
            let approvals = try store.approvals(status: all ? nil : .pending)
            if output.json {
                try Format.printJSON(JSONValue.array(approvals.map(JSONView.approval)))
                return
            }
            guard !approvals.isEmpty else {
                print(all ? "no approval gates yet" : "nothing waits for approval")
                return
            }
            var table = TextTable("RUN", "GATE", "STATUS", "SINCE", "SHOWS", all ? "DECISION" : "RULE")
            for approval in approvals {
                let shows = approval.shown.map { Format.value(JSONView.parse($0), limit: 60) } ?? ""
                let last = all ? [approval.decidedBy, approval.comment].compactMap { $0 }.joined(separator: ": ") : (approval.rule ?? "")
                table.add(approval.runID, approval.step, approval.status.rawValue, Format.time(approval.requestedAt), shows, last)
            }
            print(table.render())
            if !all { print("\ndecide with: mlp approve RUN GATE --comment \"…\"   or   mlp reject RUN GATE --comment \"…\"") }
        }
    }
}
