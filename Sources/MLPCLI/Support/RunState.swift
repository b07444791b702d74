import Foundation
import MLPCore
import MLPEngine
import MLPStore

/// What `mlp runs` and `mlp show` say about a run's state: its recorded status, except that a run
/// recorded as running that no process drives (its driver's lock is free) is `interrupted`.
struct RunState {
    /// The status word to show: the recorded status, or `interrupted`.
    let label: String
    /// Whether the driver died with the run recorded as running.
    let interrupted: Bool
    /// When the run stopped making progress, for its duration: its finish, or for an interrupted
    /// run the last time a step started or finished; nil while it runs.
    let end: Double?

    /// `project`: the local project, whose run locks say whether a process drives the run; nil
    /// for a shared server's run (its driver is on another machine): the recorded status is shown.
    init(_ run: RunRecord, project: Project?, store: any MetadataStore) {
        interrupted = run.status == .running && project.map { !$0.isDriven(runID: run.id) } == true
        label = interrupted ? "interrupted" : run.status.rawValue
        if interrupted {
            let steps = (try? store.steps(runID: run.id)) ?? []
            end = steps.flatMap { [$0.startedAt, $0.finishedAt].compactMap { $0 } }.max() ?? run.startedAt
        } else {
            end = run.finishedAt
        }
    }

    /// `view` (a run's JSON) with `"interrupted"` added; `"status"` stays the recorded one.
    func adding(to view: JSONValue) -> JSONValue {
        guard case .object(var fields) = view else { return view }
        fields["interrupted"] = .bool(interrupted)
        return .object(fields)
    }

    /// What to do about an interrupted run.
    static func hint(_ runID: String) -> String {
        "no process drives it any more (its driver was killed or crashed); `mlp resume \(runID)` continues it"
    }
}
