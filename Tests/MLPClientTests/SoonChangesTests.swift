import Foundation
import MLPCore
import MLPStore
import Testing
@testable import MLPClient

/// Changes committed "soon" (an attempt's handle, an item's end) travel with the next commit.
@Suite struct SoonChangesTests {
    func attempt(_ id: Int64, handle: String? = nil, outcome: AttemptRecord.Outcome = .running) -> AttemptRecord {
        var record = AttemptRecord(stepID: 100 + id, number: 1, startedAt: 1, stdoutPath: nil, stderrPath: nil)
        record.id = id
        record.handle = handle
        record.outcome = outcome
        return record
    }

    func commits(_ transport: ScriptedTransport) throws -> [[StateChange]] {
        try transport.requests.filter { $0.url.hasSuffix("/commits") }.map { try StoreAPI.decoder.decode(CommitRequest.self, from: $0.body!).changes }
    }

    /// Answers each commit with one empty result per change it carries.
    static func answeringCommits(_ request: HTTPRequest) -> HTTPResponse {
        guard request.url.hasSuffix("/commits"), let body = request.body,
              let group = try? StoreAPI.decoder.decode(CommitRequest.self, from: body) else { return HTTPResponse(status: 200, body: Data("{}".utf8)) }
        let answers = Array(repeating: #"{"newSteps":[]}"#, count: group.changes.count).joined(separator: ",")
        return HTTPResponse(status: 200, body: Data("[\(answers)]".utf8))
    }

    @Test func aHeldChangeGoesAheadOfTheNextCommitInItsTransaction() throws {
        let transport = ScriptedTransport([], fallback: Self.answeringCommits)
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        try store.commitSoon(StateChange(attempt: attempt(1, handle: "{\"pid\":1}")))
        #expect(try commits(transport).isEmpty, "held, not sent")
        let answer = try store.commit([StateChange(run: .init(id: "r", status: .running))], idempotencyKey: nil)
        #expect(answer.count == 1, "the caller gets the answers of its own changes only")
        let sent = try commits(transport)
        #expect(sent.count == 1 && sent[0].count == 2)
        #expect(sent[0][0].attempt?.handle == "{\"pid\":1}" && sent[0][1].run?.status == .running)
    }

    @Test func aHandleIsDroppedWhenTheAttemptsEndComesFirst() throws {
        let transport = ScriptedTransport([], fallback: Self.answeringCommits)
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        try store.commitSoon(StateChange(attempt: attempt(1, handle: "h")))
        try store.commitSoon(StateChange(attempt: attempt(2, handle: "h2")))
        try store.commit([StateChange(attempt: attempt(1, handle: "h", outcome: .succeeded))], idempotencyKey: nil)
        let sent = try commits(transport)
        #expect(sent.count == 1)
        #expect(sent[0].map { $0.attempt?.id } == [2, 1], "attempt 1's handle is superseded by its end; attempt 2's goes along")
    }

    /// An attempt's start on its way (a send retrying while the server restarts) and its end held
    /// meanwhile: the end waits for the start, so the server never sees them the other way round
    /// (succeeded, then running: refused).
    @Test func anAttemptsNextChangeWaitsWhileItsLastIsOnItsWay() throws {
        let soon = SoonChanges()
        var start = attempt(4)
        start.id = nil
        var end = start
        end.outcome = .succeeded
        #expect(soon.hold(StateChange(attempt: start)))
        let first = soon.take(supersededBy: [])
        #expect(first.count == 1)
        _ = soon.hold(StateChange(attempt: end))
        _ = soon.hold(StateChange(attempt: attempt(5)))
        let second = soon.take(supersededBy: [])
        #expect(second.map { $0.attempt?.id } == [5], "attempt 4's end stays held while its start is on its way")
        #expect(soon.isHolding)
        soon.markSent(first)
        soon.markSent(second)
        let third = soon.take(supersededBy: [])
        #expect(third.map { $0.attempt?.outcome } == [.succeeded])
        #expect(!soon.isHolding)
    }

    @Test func heldChangesAreSentBeforeARead() throws {
        let transport = ScriptedTransport([], fallback: { request in
            request.url.contains("/runs/") ? HTTPResponse(status: 200, body: try! StoreAPI.encoder.encode(run("r"))) : Self.answeringCommits(request)
        })
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        try store.commitSoon(StateChange(attempt: attempt(3, outcome: .succeeded)))
        _ = try store.run(id: "r")
        let urls = transport.requests.map(\.url)
        let commit = try #require(urls.firstIndex { $0.hasSuffix("/commits") })
        let read = try #require(urls.firstIndex { $0.hasSuffix("/runs/r") })
        #expect(commit < read)
    }

    @Test func heldChangesGoOnTheirOwnAfterAMoment() throws {
        let transport = ScriptedTransport([], fallback: Self.answeringCommits)
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        try store.commitSoon(StateChange(attempt: attempt(4, handle: "h")))
        let deadline = Date().addingTimeInterval(5)
        while try commits(transport).isEmpty, Date() < deadline { Thread.sleep(forTimeInterval: 0.02) }
        #expect(try commits(transport).count == 1)
    }

    @Test func aRefusedGroupIsSplitAndOnlyTheHeldChangeAtFaultIsKeptAsRefused() throws {
        let refusal = StoreError.invalidTransition(step: "fan[3]", from: .cancelled, to: .succeeded)
        let transport = ScriptedTransport([], fallback: { request in
            guard let body = request.body, let group = try? StoreAPI.decoder.decode(CommitRequest.self, from: body) else {
                return HTTPResponse(status: 200, body: Data("{}".utf8))
            }
            if group.changes.contains(where: { $0.attempt?.id == 5 }) {
                return HTTPResponse(status: 409, body: try! StoreAPI.encoder.encode(ErrorEnvelope(.init(message: "\(refusal)", code: "invalid_transition", store: refusal))))
            }
            return Self.answeringCommits(request)
        })
        let store = RemoteStore(settings: settings, transport: transport, policy: Clock().policy)
        var step = StepRecord(runID: "r", name: "fan", index: 3, kind: "shell", status: .succeeded)
        step.id = 9
        try store.commitSoon(StateChange(steps: [step], attempt: attempt(5, outcome: .succeeded)))
        try store.commitSoon(StateChange(attempt: attempt(6, outcome: .succeeded)))
        let answer = try store.commit([StateChange(run: .init(id: "r", status: .succeeded))], idempotencyKey: nil)
        #expect(answer.count == 1, "the caller's own change is stored")
        #expect(store.refusedChanges.count == 1)
        #expect(store.refusedChanges.first?.contains("fan[3]") == true)
        let sent = try commits(transport)
        #expect(sent.last?.count == 1 && sent.last?.first?.run?.status == .succeeded)
        #expect(sent.contains { $0.count == 1 && $0.first?.attempt?.id == 6 }, "the held change not at fault is stored")
    }
}
