import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPEngine
import MLPStore

/// What `mlp approve` and `mlp reject` share.
struct DecisionOptions: ParsableArguments {
    @OptionGroup var project: ProjectOptions
    @OptionGroup var server: ServerOptions
    @OptionGroup var output: OutputOptions

    @Argument(help: "The run id, a unique prefix of it, or `latest`.")
    var run: String

    @Argument(help: "The gate (an approval step's name).")
    var gate: String

    @Option(name: [.customShort("m"), .long], help: "Why; kept with the decision.")
    var comment: String?

    @Option(help: "Who decides (default: $MLP_USER, else $USER).")
    var by: String?

    func decide(approve: Bool) throws {
        if let settings = try server.settings(project) {
            // On a shared server the decision is stored under the token's user; the process
            // driving the run (on whichever machine) picks it up from there.
            let store = RemoteStore(settings: settings)
            let record = try store.findRun(run)
            let decision = try store.decide(runID: record.id, step: gate, approve: approve, by: by ?? currentUser(), comment: comment)
            if output.json {
                try Format.printJSON(JSONView.approval(decision))
                return
            }
            print("\(approve ? "approved" : "rejected") gate \(gate) of run \(record.id) as \(decision.decidedBy ?? "?") on \(settings.url)")
            // A run of this project folder: continue it here as a local one would be (a --detach'ed
            // run stops at its gates). A run from elsewhere is continued where it runs.
            if let located = try? project.locate(), located.root == record.projectDirectory, store.whoami()?.role.allows(.write) == true {
                let engine = try project.engine(server: settings)
                let next = Driving.continueRun(after: decision, engine: engine)
                print(next.startedInBackground ? "\(next.message); follow it with `mlp show \(record.id) --server \(settings.url)`" : next.message)
            } else {
                print("the process driving the run picks it up; a run started with --detach continues with `mlp resume \(record.id)` "
                    + "where it ran (with a runner's token)")
            }
            return
        }
        let engine = try project.engine()
        let record = try engine.store.findRun(run)
        let decision = try engine.store.decide(runID: record.id, step: gate, approve: approve, by: by ?? currentUser(), comment: comment)
        let next = Driving.continueRun(after: decision, engine: engine)
        if output.json {
            try Format.printJSON(JSONView.approval(decision))
            return
        }
        print("\(approve ? "approved" : "rejected") gate \(gate) of run \(record.id) as \(decision.decidedBy ?? "?")")
        if next.startedInBackground {
            print("\(next.message); follow it with `mlp show \(record.id)` (its driver logs to .mlp/runs/\(record.id)/driver.log)")
        } else {
            print(next.message)
        }
    }
}
