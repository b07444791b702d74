import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

@Suite struct ApprovalsViewTests {
    @Test func approvingStoresTheDecisionWithTheComment() throws {
        let fixture = try Fixture()
        try fixture.addWaitingRun(id: "r1", createdAt: 100, shown: #"{"auc":0.93}"#)
        try fixture.addWaitingRun(id: "r2", createdAt: 200, shown: #"{"auc":0.80}"#)
        var decided: [ApprovalRecord] = []
        let context = fixture.context()
        context.afterDecision = { decided.append($0); return "driver told" }
        let view = ApprovalsView()
        try view.reload(context, rows: 21)
        #expect(view.approvals.map(\.runID) == ["r1", "r2"])
        guard case .prompt(let prompt) = view.handle(.character("a"), context: context) else {
            Issue.record("a should ask for a comment")
            return
        }
        #expect(prompt.label.contains("approve gate of r1"))
        guard case .message(let message) = prompt.submit("ship it", context) else {
            Issue.record("approving should say what happened")
            return
        }
        #expect(message == "approved gate of run r1 as tester; driver told")
        let stored = try #require(try fixture.store.approval(runID: "r1", step: "gate"))
        #expect(stored.status == .approved && stored.comment == "ship it" && stored.decidedBy == "tester")
        #expect(decided.map(\.runID) == ["r1"])

        try view.reload(context, rows: 21)
        #expect(view.approvals.map(\.runID) == ["r2"])
        guard case .prompt(let reject) = view.handle(.character("r"), context: context) else {
            Issue.record("r should ask for a comment")
            return
        }
        _ = reject.submit("auc too low", context)
        let rejected = try #require(try fixture.store.approval(runID: "r2", step: "gate"))
        #expect(rejected.status == .rejected && rejected.comment == "auc too low")
    }

    @Test func theRunViewDecidesASelectedGate() throws {
        let fixture = try Fixture()
        try fixture.addWaitingRun(id: "r1", createdAt: 100, shown: #"{"auc":0.93}"#)
        let context = fixture.context()
        let view = RunView(runID: "r1")
        try view.reload(context, rows: 21)
        _ = view.handle(.down, context: context)
        try view.reload(context, rows: 21)
        var canvas = Canvas(width: 80, height: 22)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 21), context: context)
        #expect(canvas.text.contains("shows: auc=0.93"))
        guard case .prompt(let prompt) = view.handle(.character("r"), context: context) else {
            Issue.record("r on a waiting gate should ask for a comment")
            return
        }
        _ = prompt.submit("not yet", context)
        let stored = try #require(try fixture.store.approval(runID: "r1", step: "gate"))
        #expect(stored.status == .rejected && stored.comment == "not yet" && stored.decidedBy == "tester")
    }

    @Test func comparesWithTheChampion() throws {
        let fixture = try Fixture()
        try fixture.addWaitingRun(id: "old", createdAt: 100, shown: #"{"auc":0.90,"loss":0.3}"#)
        _ = try fixture.store.decide(runID: "old", step: "gate", approve: true, by: "alice", comment: nil)
        try fixture.store.commit(StateChange(run: .init(id: "old", status: .succeeded)))
        try fixture.addWaitingRun(id: "new", createdAt: 200, shown: #"{"auc":0.95,"loss":0.3}"#)
        let context = fixture.context()
        let view = ApprovalsView()
        try view.reload(context, rows: 21)
        #expect(view.champion?.run.id == "old")
        var canvas = Canvas(width: 100, height: 22)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 100, height: 21), context: context)
        let text = canvas.text
        #expect(text.contains("champion: run old, approved by alice"))
        #expect(text.contains("auc"))
        #expect(text.contains("+0.05"))
    }

    @Test func noChampionWhenNothingWasReleased() throws {
        let fixture = try Fixture()
        try fixture.addWaitingRun(id: "only", createdAt: 100, shown: #"{"auc":0.95}"#)
        let context = fixture.context()
        let view = ApprovalsView()
        try view.reload(context, rows: 21)
        #expect(view.champion == nil)
        var canvas = Canvas(width: 100, height: 22)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 100, height: 21), context: context)
        #expect(canvas.text.contains("no champion yet"))
        #expect(canvas.text.contains("⏸ pending"))
    }
}
