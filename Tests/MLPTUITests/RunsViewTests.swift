import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

@Suite struct RunsViewTests {
    func filled(_ count: Int) throws -> Fixture {
        let fixture = try Fixture()
        for number in 0..<count {
            try fixture.addRun(id: String(format: "run-%04d", number), pipeline: number % 2 == 0 ? "even" : "odd",
                               status: number % 3 == 0 ? .failed : .succeeded, createdAt: 1_700_000_000 + Double(number))
        }
        return fixture
    }

    @Test func fetchesAWindowOfThreeScreensNewestFirst() throws {
        let fixture = try filled(120)
        let view = RunsView()
        try view.reload(fixture.context(), rows: 20)
        #expect(view.total == 120)
        // 19 rows on screen (one is the header): this screen and the next two.
        #expect(view.page.count == 57)
        #expect(view.pageOffset == 0)
        #expect(view.page.first?.run.id == "run-0119")
        #expect(view.title == "Runs (120)")
    }

    @Test func scrollingPastTheWindowFetchesAgain() throws {
        let fixture = try filled(120)
        let context = fixture.context()
        let view = RunsView()
        try view.reload(context, rows: 20)
        // Screens inside the window are drawn from what was fetched.
        for _ in 0..<56 { #expect(isRedraw(view.handle(.down, context: context))) }
        #expect(view.selectedRun?.run.id == "run-0063")
        // Row 57 is outside the window.
        #expect(isReload(view.handle(.down, context: context)))
        try view.reload(context, rows: 20)
        #expect(view.pageOffset == 39 - 19)
        #expect(view.selectedRun?.run.id == "run-0062")
        _ = view.handle(.end, context: context)
        try view.reload(context, rows: 20)
        #expect(view.selectedRun?.run.id == "run-0000")
        #expect(view.pageOffset == 120 - 19 - 19)
        #expect(view.page.count == 38)
        var canvas = Canvas(width: 80, height: 21)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 20), context: context)
        #expect(canvas.line(20).contains("run-0000"))
        #expect(canvas.line(2).contains("run-0018"))
    }

    @Test func filtersByStatusAndPipeline() throws {
        let fixture = try filled(30)
        let context = fixture.context()
        let view = RunsView()
        try view.reload(context, rows: 20)
        _ = view.handle(.character("s"), context: context)  // running
        _ = view.handle(.character("s"), context: context)  // waiting
        _ = view.handle(.character("s"), context: context)  // succeeded
        try view.reload(context, rows: 20)
        #expect(view.status == .succeeded)
        #expect(view.total == 20)
        guard case .prompt(let prompt) = view.handle(.character("p"), context: context) else {
            Issue.record("p should ask for a pipeline")
            return
        }
        _ = prompt.submit("odd", context)
        try view.reload(context, rows: 20)
        #expect(view.total == 10)
        #expect(view.page.allSatisfy { $0.run.pipeline == "odd" && $0.run.status == .succeeded })
        _ = view.handle(.character("c"), context: context)
        try view.reload(context, rows: 20)
        #expect(view.total == 30)
    }

    @Test func newRunsKeepTheSelectionOnTheSameRun() throws {
        let fixture = try filled(10)
        let context = fixture.context()
        let view = RunsView()
        try view.reload(context, rows: 20)
        _ = view.handle(.down, context: context)
        _ = view.handle(.down, context: context)
        #expect(view.selectedRun?.run.id == "run-0007")
        try fixture.addRun(id: "run-new", createdAt: 1_800_000_000)
        try view.reload(context, rows: 20)
        #expect(view.selectedRun?.run.id == "run-0007")
    }

    @Test func drawsStatusWithSymbolAndProgress() throws {
        let fixture = try filled(3)
        let context = fixture.context()
        let view = RunsView()
        try view.reload(context, rows: 10)
        var canvas = Canvas(width: 80, height: 11)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 10), context: context)
        #expect(canvas.line(1).contains("STATUS"))
        #expect(canvas.line(1).contains("PIPELINE"))
        #expect(canvas.line(2).hasPrefix("✓ succeeded"))
        #expect(canvas.line(2).contains("run-0002"))
        #expect(canvas.line(2).contains("1m05s"))
        #expect(canvas.line(2).hasSuffix("2/2"))
        #expect(canvas.line(4).hasPrefix("✗ failed"))
        #expect(canvas.cell(row: 2, col: 0).style == .selected)
    }

    @Test func enterOpensTheSelectedRun() throws {
        let fixture = try filled(3)
        let context = fixture.context()
        let view = RunsView()
        try view.reload(context, rows: 10)
        guard case .open(let opened) = view.handle(.enter, context: context), let run = opened as? RunView else {
            Issue.record("enter should open the run")
            return
        }
        #expect(run.runID == "run-0002")
    }
}

func isRedraw(_ action: ViewAction) -> Bool { if case .redraw = action { return true } else { return false } }
func isReload(_ action: ViewAction) -> Bool { if case .reload = action { return true } else { return false } }
