import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

@Suite struct TUIAppTests {
    @Test func drawsTitleBodyAndHelpBarIn80x24() throws {
        let fixture = try Fixture()
        try fixture.addRun(id: "r1", createdAt: 100)
        let app = TUIApp(context: fixture.context())
        app.resize(width: 80, height: 24)
        let canvas = app.render(width: 80, height: 24)
        #expect(canvas.line(0).hasPrefix(" mlp · Runs (1)"))
        #expect(canvas.line(2).contains("r1"))
        #expect(canvas.line(23).contains("? help"))
        #expect(canvas.line(23).contains("q quit"))
    }

    @Test func questionMarkShowsEveryKey() throws {
        let fixture = try Fixture()
        let app = TUIApp(context: fixture.context())
        app.handle(.character("?"))
        let canvas = app.render(width: 100, height: 40)
        #expect(canvas.text.contains("filter by status"))
        #expect(canvas.text.contains("the approvals queue"))
        app.handle(.character("x"))
        #expect(!app.render(width: 100, height: 40).text.contains("filter by status"))
    }

    @Test func navigatesBetweenViewsAndQuits() throws {
        let fixture = try Fixture()
        try fixture.addRun(id: "r1", createdAt: 100)
        let app = TUIApp(context: fixture.context())
        app.resize(width: 80, height: 24)
        app.handle(.enter)
        #expect(app.top is RunView)
        app.handle(.character("A"))
        #expect(app.top is ApprovalsView)
        app.handle(.escape)
        #expect(app.top is RunView)
        app.handle(.character("R"))
        #expect(app.stack.count == 1)
        app.handle(.character("q"))
        #expect(app.finished)
    }

    @Test func promptTakesTypedTextAndEscCancels() throws {
        let fixture = try Fixture()
        try fixture.addWaitingRun(id: "r1", createdAt: 100, shown: nil)
        let app = TUIApp(context: fixture.context(), opening: ApprovalsView())
        app.resize(width: 100, height: 30)
        app.handle(.character("a"))
        for character in "fine" { app.handle(.character(character)) }
        app.handle(.backspace)
        #expect(app.prompt?.text == "fin")
        #expect(app.render(width: 100, height: 30).line(28).contains("comment"))
        app.handle(.escape)
        #expect(app.prompt == nil)
        #expect(try fixture.store.approval(runID: "r1", step: "gate")?.status == .pending)
        app.handle(.character("a"))
        for character in "ok" { app.handle(.character(character)) }
        app.handle(.enter)
        #expect(try fixture.store.approval(runID: "r1", step: "gate")?.comment == "ok")
        #expect(app.message?.text.hasPrefix("approved gate of run r1") == true)
    }

    @Test func aClickSelectsAndASecondOpens() throws {
        let fixture = try Fixture()
        for number in 0..<5 { try fixture.addRun(id: "r\(number)", createdAt: Double(100 + number)) }
        let app = TUIApp(context: fixture.context())
        app.resize(width: 80, height: 24)
        // Screen row 0 is the title bar, row 1 the column headings, row 2 the newest run.
        app.handle(.click(row: 4, col: 10))
        #expect((app.top as? RunsView)?.selectedRun?.run.id == "r2")
        app.handle(.click(row: 4, col: 10))
        #expect((app.top as? RunView)?.runID == "r2")
        app.handle(.wheelDown)
        app.handle(.escape)
        app.handle(.wheelDown)
        #expect((app.top as? RunsView)?.selectedRun?.run.id == "r1")
    }

    @Test func resizingRefetchesForTheNewHeight() throws {
        let fixture = try Fixture()
        for number in 0..<100 { try fixture.addRun(id: String(format: "r%03d", number), createdAt: Double(number)) }
        let app = TUIApp(context: fixture.context())
        app.resize(width: 80, height: 24)
        #expect(app.render(width: 80, height: 24).line(21).contains("r080"))
        let large = app.render(width: 180, height: 50)
        #expect(large.line(47).contains("r054"))
        #expect(large.line(49).contains("? help"))
        #expect(large.line(0).hasSuffix(TimeText.time(1_800_000_000).suffix(8)))
    }

    @Test func tooSmallWindowSaysSo() throws {
        let fixture = try Fixture()
        let app = TUIApp(context: fixture.context())
        #expect(app.render(width: 30, height: 5).line(0).hasPrefix("window too small"))
    }
}
