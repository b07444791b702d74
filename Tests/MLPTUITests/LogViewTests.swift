import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

@Suite struct LogViewTests {
    func append(_ text: String, to path: String) throws {
        if !FileManager.default.fileExists(atPath: path) { FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.seekToEnd()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    @Test func bufferReadsOnlyWhatWasAddedAndWaitsForLineEnds() throws {
        let fixture = try Fixture()
        let path = fixture.folder + "/out.log"
        try append("one\ntw", to: path)
        var buffer = LogBuffer()
        let first = buffer.poll(path, isError: false)
        #expect(first)
        #expect(buffer.lines.map(\.text) == ["one"])
        try append("o\nthree\n", to: path)
        buffer.poll(path, isError: false)
        #expect(buffer.lines.map(\.text) == ["one", "two", "three"])
        let again = buffer.poll(path, isError: false)
        #expect(!again)
        try append("tail", to: path)
        buffer.poll(path, isError: false)
        buffer.flushPartials(errorPaths: [])
        #expect(buffer.lines.last?.text == "tail")
    }

    @Test func cleanDropsEscapesAndExpandsTabs() {
        #expect(LogBuffer.clean("\u{1B}[31mred\u{1B}[0m") == "red")
        #expect(LogBuffer.clean("a\tb") == "a       b")
        #expect(LogBuffer.clean("progress\r") == "progress")
    }

    @Test func viewFollowsTheTailScrollsAndSearches() throws {
        let fixture = try Fixture()
        var steps = try fixture.addRun(id: "r1", status: .pending, createdAt: 0, steps: [("train", "shell")])
        try fixture.store.commit(StateChange(run: .init(id: "r1", status: .running)))
        steps[0].status = .running
        let out = fixture.folder + "/stdout", err = fixture.folder + "/stderr"
        try append((1...50).map { "line \($0)" }.joined(separator: "\n") + "\n", to: out)
        try append("warning: slow\n", to: err)
        try fixture.store.commit(StateChange(steps: [steps[0]], attempt: AttemptRecord(stepID: steps[0].id!, number: 1, startedAt: 0, stdoutPath: out, stderrPath: err)))
        let context = fixture.context()
        let view = LogView(runID: "r1", stepID: steps[0].id!, stepName: "train")
        try view.reload(context, rows: 11)
        #expect(view.following)
        #expect(view.visible.count == 51)
        #expect(view.top == 41)
        var canvas = Canvas(width: 80, height: 12)
        view.draw(&canvas, in: Rect(row: 1, col: 0, width: 80, height: 11), context: context)
        #expect(canvas.line(1).contains("train · attempt 1/1 running"))
        #expect(canvas.line(11) == "warning: slow")
        #expect(canvas.cell(row: 11, col: 0).style.tone == .bad)

        // More output arrives: the view stays on the tail.
        try append("line 51\n", to: out)
        try view.reload(context, rows: 11)
        #expect(view.top == 42)

        // Scrolling up pauses; new lines do not move the view; G follows again.
        _ = view.handle(.up, context: context)
        #expect(!view.following)
        try append("line 52\n", to: out)
        try view.reload(context, rows: 11)
        #expect(view.top == 41)
        _ = view.handle(.character("G"), context: context)
        #expect(view.following && view.top == 43)

        // Search.
        guard case .prompt(let prompt) = view.handle(.character("/"), context: context) else {
            Issue.record("/ should ask for a search")
            return
        }
        _ = view.handle(.home, context: context)
        _ = prompt.submit("LINE 7", context)
        #expect(view.top == 6)
        #expect(!view.following)
        _ = view.handle(.character("n"), context: context)
        #expect(view.visible[view.top].text.hasPrefix("line 7"))
        var found = Canvas(width: 80, height: 12)
        view.draw(&found, in: Rect(row: 1, col: 0, width: 80, height: 11), context: context)
        #expect(found.cell(row: 2, col: 0).style == .match)

        // Long lines scroll sideways.
        _ = view.handle(.character(">"), context: context)
        var shifted = Canvas(width: 80, height: 12)
        view.draw(&shifted, in: Rect(row: 1, col: 0, width: 80, height: 11), context: context)
        #expect(shifted.line(1).contains("from column 17"))
        _ = view.handle(.character("<"), context: context)

        // Streams.
        _ = view.handle(.character("t"), context: context)
        _ = view.handle(.character("t"), context: context)
        #expect(view.visible.map(\.text) == ["warning: slow"])
    }
}
