import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

@Suite struct RunViewTests {
    /// A run with `prep`, a fan-out `shard` of three items (two done, one running) and a gate.
    func fanOutRun(_ fixture: Fixture) throws {
        var steps = try fixture.addRun(id: "r1", status: .pending, createdAt: 1_700_000_000,
                                       steps: [("prep", "shell"), ("shard", "shell"), ("gate", "approval")], params: ["lr": "0.1"])
        try fixture.store.commit(StateChange(run: .init(id: "r1", status: .running)))
        steps[0].status = .running
        try fixture.store.commit(StateChange(steps: [steps[0]]))
        steps[0].status = .cached
        steps[0].cacheHit = true
        steps[0].outputs = #"{"data":{"artifact":"abcdef0123456789abcdef","type":"dataset"}}"#
        steps[1].childCount = 3
        steps[1].status = .running
        let children = (0..<3).map { StepRecord(runID: "r1", name: "shard", index: $0, kind: "shell", status: $0 < 2 ? .succeeded : .running) }
        try fixture.store.commit(StateChange(steps: [steps[0], steps[1]], newSteps: children,
                                             metrics: [MetricRecord(runID: "r1", stepID: steps[0].id, key: "auc", value: 0.91, iteration: nil, createdAt: 0)]))
    }

    @Test func treeShowsFanOutProgressAndItemsWhenExpanded() throws {
        let fixture = try Fixture()
        try fanOutRun(fixture)
        let steps = try fixture.store.steps(runID: "r1")
        let collapsed = RunView.tree(steps, expanded: [])
        #expect(collapsed.map(\.step.displayName) == ["prep", "shard", "gate"])
        #expect(collapsed[1].done == 2 && collapsed[1].items == 3)
        let open = RunView.tree(steps, expanded: ["shard"])
        #expect(open.map(\.step.displayName) == ["prep", "shard", "shard[0]", "shard[1]", "shard[2]", "gate"])
        #expect(open[4].isLast && open[4].depth == 1)
    }

    @Test func drawsStepsParamsMetricsAndArtifacts() throws {
        let fixture = try Fixture()
        try fanOutRun(fixture)
        let context = fixture.context()
        let view = RunView(runID: "r1")
        try view.reload(context, rows: 21)
        var canvas = Canvas(width: 80, height: 22)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 21), context: context)
        let text = canvas.text
        #expect(canvas.line(1).hasPrefix("▶ running"))
        #expect(text.contains("params  lr=0.1"))
        #expect(text.contains("metrics auc=0.91"))
        #expect(text.contains("≡ prep"))
        #expect(text.contains("hit"))
        #expect(text.contains("▸ ▶ shard"))
        #expect(text.contains("2/3"))
        #expect(text.contains("· gate"))
        // The lower pane shows the selected step, then (tab) the run's artifacts.
        #expect(text.contains("cache hit"))
        _ = view.handle(.tab, context: context)
        var second = Canvas(width: 80, height: 22)
        view.draw(&second, in: Rect(row: 1, col: 0, width: 80, height: 21), context: context)
        #expect(second.text.contains("prep.data  dataset  sha256:abcdef0123456789"))
    }

    @Test func dagLevelsIndentStepsAndThePaneNamesTheirEdges() throws {
        let upstream = ["prep": [], "shard": ["prep"], "gate": ["shard", "prep"], "ship": ["gate"]]
        #expect(RunView.levels(upstream) == ["prep": 0, "shard": 1, "gate": 2, "ship": 3])
        // A cycle (which the checker refuses anyway) does not hang.
        #expect(RunView.levels(["a": ["b"], "b": ["a"]]).count == 2)

        let fixture = try Fixture()
        try fanOutRun(fixture)
        let context = fixture.context()
        context.dependencies = { _ in ["prep": [], "shard": ["prep"], "gate": ["shard"]] }
        let view = RunView(runID: "r1")
        try view.reload(context, rows: 21)
        _ = view.handle(.down, context: context)
        try view.reload(context, rows: 21)
        var canvas = Canvas(width: 80, height: 22)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 21), context: context)
        #expect(canvas.text.contains("\n      · gate"))
        #expect(canvas.text.contains("needs: prep  →  feeds: gate"))
    }

    @Test func spaceExpandsAndEnterOpensTheLog() throws {
        let fixture = try Fixture()
        try fanOutRun(fixture)
        let context = fixture.context()
        let view = RunView(runID: "r1")
        try view.reload(context, rows: 21)
        _ = view.handle(.down, context: context)
        try view.reload(context, rows: 21)
        #expect(view.selectedRow?.step.name == "shard")
        #expect(isReload(view.handle(.character(" "), context: context)))
        try view.reload(context, rows: 21)
        #expect(view.rows.count == 6)
        _ = view.handle(.down, context: context)
        try view.reload(context, rows: 21)
        guard case .open(let opened) = view.handle(.enter, context: context), let log = opened as? LogView else {
            Issue.record("enter on an item should open its log")
            return
        }
        #expect(log.stepName == "shard[0]")
    }
}
