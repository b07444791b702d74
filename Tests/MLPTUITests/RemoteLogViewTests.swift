import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPTUI

/// A store whose logs are not files here (a shared server's): the view reads them through the context.
@Suite struct RemoteLogViewTests {
    @Test func logsComeFromTheContextWhenTheStoreKeepsThemElsewhere() throws {
        let fixture = try Fixture()
        var steps = try fixture.addRun(id: "r1", status: .pending, createdAt: 0, steps: [("train", "shell")])
        try fixture.store.commit(StateChange(run: .init(id: "r1", status: .running)))
        steps[0].status = .running
        // Paths of another machine: nothing is read from them.
        let attempt = AttemptRecord(stepID: steps[0].id!, number: 1, startedAt: 0, stdoutPath: "/nonexistent/stdout", stderrPath: "/nonexistent/stderr")
        let id = try #require(try fixture.store.commit(StateChange(steps: [steps[0]], attempt: attempt)).attempt?.id)
        var logs: [String: Data] = ["stdout": Data("epoch 1\nepoch".utf8), "stderr": Data("warning: slow\n".utf8)]
        var asked: [String] = []
        let context = fixture.context()
        context.readLog = { attemptID, stream, offset in
            #expect(attemptID == id)
            asked.append("\(stream)@\(offset)")
            let data = logs[stream] ?? Data()
            return offset < data.count ? data.subdata(in: Int(offset)..<data.count) : Data()
        }
        let view = LogView(runID: "r1", stepID: steps[0].id!, stepName: "train")
        try view.reload(context, rows: 10)
        #expect(view.visible.map(\.text) == ["epoch 1", "warning: slow"])
        #expect(view.visible.map(\.isError) == [false, true])
        logs["stdout"]!.append(Data(" 2\n".utf8))
        try view.reload(context, rows: 10)
        #expect(view.visible.map(\.text) == ["epoch 1", "warning: slow", "epoch 2"])
        // Only what was not read yet is asked for.
        #expect(asked.suffix(2) == ["stdout@13", "stderr@14"])
    }
}
