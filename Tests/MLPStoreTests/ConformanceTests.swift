import Foundation
import Testing
import MLPCore
@testable import MLPStore

/// What the issue names for every store: a group commit is all or nothing, illegal transitions are
/// refused, idempotency keys store nothing twice, refused writes are conflicts; run on every backend.
@Suite struct ConformanceTests {
    func pendingRun(_ store: any MetadataStore, _ id: String, steps: Int) throws -> [StepRecord] {
        try store.createRun(makeRun(id), params: [ParamRecord(runID: id, name: "lr", type: .float, value: "0.1")],
                            steps: (0..<steps).map { StepRecord(runID: id, name: "s\($0)", kind: "noop") })
    }

    @Test(arguments: StoreBackendUnderTest.all) func aBadChangeInTheMiddleOfAGroupLeavesNothing(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var steps = try pendingRun(store, "r1", steps: 3)
        let digest = String(repeating: "e", count: 64)
        steps[0].status = .running
        var bad = steps[1]
        bad.status = .cached // pending → cached is allowed; the run update below is not
        let changes = [
            StateChange(run: .init(id: "r1", status: .running), steps: [steps[0]],
                        attempt: AttemptRecord(stepID: steps[0].id!, number: 1, startedAt: 1, stdoutPath: nil, stderrPath: nil),
                        artifacts: [ArtifactRecord(digest: digest, type: .file, size: 3, createdAt: 1)],
                        metrics: [MetricRecord(runID: "r1", stepID: steps[0].id, key: "loss", value: 0.5, iteration: 1, createdAt: 1)]),
            StateChange(run: .init(id: "r1", status: .pending), steps: [bad]), // running → pending: refused
            StateChange(newSteps: [StepRecord(runID: "r1", name: "late", kind: "noop")]),
        ]
        let error = try #require(throws: StoreError.self) { try store.commit(changes) }
        guard case .invalidRunTransition(let run, let from, let to) = error else {
            Issue.record("expected invalidRunTransition, got \(error)")
            return
        }
        #expect(run == "r1" && from == .running && to == .pending)
        #expect(try store.run(id: "r1")?.status == .pending)
        #expect(try store.steps(runID: "r1").map(\.status) == [.pending, .pending, .pending])
        #expect(try store.attempts(stepID: steps[0].id!).isEmpty)
        #expect(try store.metrics(runID: "r1").isEmpty)
        #expect(throws: StoreError.self) { try store.findArtifact(digest) }
        #expect(try store.integrityCheck() == ["ok"])
    }

    @Test(arguments: StoreBackendUnderTest.all) func illegalTransitionsAreRefusedWithTheSameError(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var steps = try pendingRun(store, "r1", steps: 1)
        steps[0].status = .retrying
        let stepError = try #require(throws: StoreError.self) { try store.commit(StateChange(steps: steps)) }
        #expect(stepError.description == "step s0 cannot go from pending to retrying")
        try store.commit(StateChange(run: .init(id: "r1", status: .running)))
        try store.commit(StateChange(run: .init(id: "r1", status: .succeeded)))
        let runError = try #require(throws: StoreError.self) { try store.commit(StateChange(run: .init(id: "r1", status: .running))) }
        #expect(runError.description == "run r1 cannot go from succeeded to running")
        let missing = try #require(throws: StoreError.self) { try store.commit(StateChange(run: .init(id: "nope", status: .running))) }
        #expect(missing.description.contains("no run matches 'nope'"))
        var ghost = steps[0]
        ghost.id = 999_999
        ghost.status = .running
        let ghostError = try #require(throws: StoreError.self) { try store.commit(StateChange(steps: [ghost])) }
        #expect(ghostError.description == "run r1 has no step 's0'")
        let run = try #require(try store.run(id: "r1"))
        #expect(run.status == .succeeded && run.startedAt != nil && run.finishedAt != nil)
    }

    @Test(arguments: StoreBackendUnderTest.all) func anIdempotencyKeyStoresNothingTwice(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        let first = try store.createRun(makeRun("r1"), params: [], steps: [StepRecord(runID: "r1", name: "a", kind: "noop")], idempotencyKey: "k-create")
        // A retry of the same call (its answer was lost): the same answer, nothing new.
        let again = try store.createRun(makeRun("r1"), params: [], steps: [StepRecord(runID: "r1", name: "a", kind: "noop")], idempotencyKey: "k-create")
        #expect(again == first)
        #expect(try store.steps(runID: "r1").count == 1)

        var step = first[0]
        step.status = .running
        let change = StateChange(run: .init(id: "r1", status: .running), steps: [step],
                                 newSteps: [StepRecord(runID: "r1", name: "b", kind: "noop")],
                                 metrics: [MetricRecord(runID: "r1", stepID: step.id, key: "loss", value: 1, iteration: nil, createdAt: 1)])
        let committed = try store.commit([change], idempotencyKey: "k-commit")
        let retried = try store.commit([change], idempotencyKey: "k-commit")
        #expect(retried.map { $0.newSteps.map(\.id) } == committed.map { $0.newSteps.map(\.id) })
        #expect(try store.steps(runID: "r1").map(\.name) == ["a", "b"])
        #expect(try store.metrics(runID: "r1").count == 1)

        // The same key for another operation is refused, and names the first one.
        let reused = try #require(throws: StoreError.self) {
            try store.createRun(makeRun("r2"), params: [], steps: [], idempotencyKey: "k-commit")
        }
        guard case .idempotencyKeyReused(let key, let operation) = reused else {
            Issue.record("expected idempotencyKeyReused, got \(reused)")
            return
        }
        #expect(key == "k-commit" && operation == "commit")
        #expect(try store.run(id: "r2") == nil)
        // A keyed write that fails stores no key: the same key then works for a good write.
        #expect(throws: StoreError.self) { try store.commit([StateChange(run: .init(id: "r1", status: .pending))], idempotencyKey: "k-bad") }
        try store.commit([StateChange(run: .init(id: "r1", status: .succeeded))], idempotencyKey: "k-bad")
        #expect(try store.run(id: "r1")?.status == .succeeded)
    }

    @Test(arguments: StoreBackendUnderTest.all) func aWriteThatContradictsTheStoreIsAConflict(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        _ = try pendingRun(store, "r1", steps: 1)
        let duplicate = try #require(throws: StoreError.self) { try store.createRun(makeRun("r1"), params: [], steps: []) }
        guard case .conflict = duplicate else {
            Issue.record("expected conflict for a duplicate run id, got \(duplicate)")
            return
        }
        let orphan = try #require(throws: StoreError.self) {
            try store.commit(StateChange(newSteps: [StepRecord(runID: "no-such-run", name: "x", kind: "noop")]))
        }
        guard case .conflict = orphan else {
            Issue.record("expected conflict for a step of a missing run, got \(orphan)")
            return
        }
        #expect(try store.runCount(RunQuery()) == 1)
    }

    @Test(arguments: StoreBackendUnderTest.all) func listsQueriesAndCountsAgree(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        for (index, id) in ["r-b", "r-a", "r-c"].enumerated() {
            var run = makeRun(id, createdAt: Double(index))
            run.pipeline = index == 2 ? "other" : "p"
            var steps = try store.createRun(run, params: [ParamRecord(runID: id, name: "z", type: .string, value: "1"),
                                                          ParamRecord(runID: id, name: "B", type: .int, value: "2")],
                                            steps: [StepRecord(runID: id, name: "a", kind: "noop"), StepRecord(runID: id, name: "fan", kind: "noop")])
            steps[1].childCount = 2
            steps[1].status = .running
            try store.commit(StateChange(run: .init(id: id, status: .running), steps: [steps[1]],
                                         newSteps: [StepRecord(runID: id, name: "fan", index: 0, kind: "noop"),
                                                    StepRecord(runID: id, name: "fan", index: 1, kind: "noop", status: .skipped)]))
        }
        try store.commit(StateChange(run: .init(id: "r-a", status: .failed, error: "boom")))
        #expect(try store.runs(RunQuery()).map(\.id) == ["r-c", "r-a", "r-b"])
        #expect(try store.runs(RunQuery(limit: 1, offset: 1)).map(\.id) == ["r-a"])
        #expect(try store.runs(RunQuery(status: .failed)).map(\.id) == ["r-a"])
        #expect(try store.runs(RunQuery(pipeline: "p")).map(\.id) == ["r-a", "r-b"])
        #expect(try store.runCount(RunQuery(status: .running)) == 2)
        #expect(try store.runCount(RunQuery(pipeline: "nope")) == 0)
        let summaries = try store.runSummaries(RunQuery(pipeline: "p"))
        #expect(summaries.map(\.run.id) == ["r-a", "r-b"])
        // The fan-out parent is not counted once it has children.
        #expect(summaries[1].counts == [.pending: 2, .skipped: 1] && summaries[1].total == 3 && summaries[1].finished == 1)
        #expect(try store.run(id: "r-a")?.error == "boom")
        #expect(try store.params(runID: "r-a").map(\.name) == ["B", "z"])
        #expect(try store.steps(runID: "r-b").map(\.displayName) == ["a", "fan", "fan[0]", "fan[1]"])
        #expect(try store.findRun("R-A").id == "r-a", "prefixes match regardless of case, as SQLite's LIKE does")
        try store.requestCancel(runID: "r-b")
        #expect(try store.run(id: "r-b")?.cancelRequested == true)
    }

    @Test(arguments: StoreBackendUnderTest.all) func artifactsAndLineageRoundTrip(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var step = try pendingRun(store, "r1", steps: 1)[0]
        let input = String(repeating: "1", count: 64), output = "ab" + String(repeating: "2", count: 62)
        step.status = .succeeded
        step.outputs = #"{"model":"x"}"#
        try store.commit(StateChange(steps: [step], artifacts: [ArtifactRecord(digest: input, type: .dataset, size: 10, createdAt: 1),
                                                                 ArtifactRecord(digest: output, type: .model, size: 20, createdAt: 2)],
                                     lineage: [LineageRecord(digest: input, stepID: step.id!, runID: "r1", direction: .consumed, port: "data"),
                                               LineageRecord(digest: output, stepID: step.id!, runID: "r1", direction: .produced, port: "model")]))
        // Recording the same artifact and edge again keeps one of each.
        try store.commit(StateChange(artifacts: [ArtifactRecord(digest: input, type: .dataset, size: 10, createdAt: 9)],
                                     lineage: [LineageRecord(digest: input, stepID: step.id!, runID: "r1", direction: .consumed, port: "data")]))
        #expect(try store.artifacts(limit: 10).map(\.digest) == [output, input])
        #expect(try store.artifacts(limit: 1).count == 1)
        #expect(try store.findArtifact("sha256:" + output.prefix(8)).digest == output)
        #expect(try store.findArtifact(input).createdAt == 1)
        #expect(throws: StoreError.self) { try store.findArtifact("ab") }
        let edges = try store.lineage(digest: output)
        #expect(edges == [LineageEdge(direction: .produced, runID: "r1", step: "s0", index: nil, port: "model", stepID: step.id!)])
        #expect(Set(try store.lineage(stepID: step.id!).map(\.port)) == ["data", "model"])
        #expect(try store.step(id: step.id!)?.outputs == #"{"model":"x"}"#)
        #expect(try store.step(id: 987_654) == nil)
    }

    /// Writers on separate connections racing to end the same step: each move is checked against
    /// the status the step has when its transaction holds the write lock, so only moves to the
    /// status that won are accepted (succeeded → succeeded is allowed; succeeded → failed is not).
    @Test(arguments: StoreBackendUnderTest.all) func racingWritersSeeEachOthersMoves(_ backend: StoreBackendUnderTest) throws {
        let opened = try backend.fresh()
        // Many steps per group: a wide window between reading the statuses and writing the moves.
        var steps = try pendingRun(opened.store, "r1", steps: 300)
        for index in steps.indices { steps[index].status = .running }
        try opened.store.commit(StateChange(steps: steps))
        let writers = try (0..<6).map { _ in try opened.reopen() }
        let outcomes = Outcomes()
        DispatchQueue.concurrentPerform(iterations: 12) { index in
            let status: StepStatus = index % 2 == 0 ? .succeeded : .failed
            let moved = steps.map { step -> StepRecord in
                var step = step
                step.status = status
                return step
            }
            do {
                try writers[index % writers.count].commit(StateChange(steps: moved))
                outcomes.add(status)
            } catch StoreError.invalidTransition {
            } catch {
                outcomes.add(nil)
            }
        }
        let stored = Set(try opened.store.steps(runID: "r1").map(\.status))
        #expect(stored.count == 1, "every step ended the same way: \(stored)")
        #expect(!outcomes.accepted.isEmpty)
        #expect(outcomes.accepted.allSatisfy { $0 == stored.first }, "accepted \(outcomes.accepted), stored \(stored)")
    }

    final class Outcomes: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var accepted: [StepStatus?] = []
        func add(_ status: StepStatus?) {
            lock.lock()
            accepted.append(status)
            lock.unlock()
        }
    }
}

extension ConformanceTests {
    /// A fan-out's group commits: children inserted, then each started (an attempt) and finished in
    /// one group, with metric points, artifacts and lineage; the ids that come back are the stored
    /// rows', a step moved twice in one group ends in its last state, and each move is checked
    /// against the state the step has at that point of the group.
    @Test(arguments: StoreBackendUnderTest.all) func aFanOutGroupCommitStoresEveryChangeInOrder(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        let parent = try pendingRun(store, "r1", steps: 1)[0]
        let n = 250
        let inserted = try store.commit((0..<n).map { i in
            StateChange(newSteps: [StepRecord(runID: "r1", name: parent.name, index: i, kind: "noop", item: "\(i)")])
        })
        let children = inserted.flatMap(\.newSteps)
        #expect(children.map(\.index) == (0..<n).map { $0 })
        #expect(Set(children.compactMap(\.id)).count == n)
        var changes: [StateChange] = []
        for child in children {
            var running = child
            running.status = .running
            changes.append(StateChange(steps: [running],
                                       attempt: AttemptRecord(stepID: child.id!, number: 1, startedAt: 1, stdoutPath: nil, stderrPath: nil)))
            var done = running
            done.status = .succeeded
            done.outputs = #"{"x":\#(child.index!)}"#
            let digest = String(format: "%064x", child.index! + 1)
            changes.append(StateChange(steps: [done], artifacts: [ArtifactRecord(digest: digest, type: .file, size: 1, createdAt: 1)],
                                       lineage: [LineageRecord(digest: digest, stepID: child.id!, runID: "r1", direction: .produced, port: "out")],
                                       metrics: [MetricRecord(runID: "r1", stepID: child.id, key: "m", value: Double(child.index!), iteration: nil, createdAt: 1)]))
        }
        let results = try store.commit(changes)
        #expect(results.count == 2 * n)
        for (k, child) in children.enumerated() {
            let attempt = try #require(results[2 * k].attempt)
            #expect(try store.attempts(stepID: child.id!).map(\.id) == [attempt.id])
        }
        let stored = try store.steps(runID: "r1").filter { $0.index != nil }
        #expect(stored.count == n && stored.allSatisfy { $0.status == .succeeded })
        #expect(Set(stored.compactMap(\.outputs)).count == n)
        #expect(try store.metrics(runID: "r1").count == n)
        #expect(try store.artifacts(limit: 10_000).count == n)
        #expect(try store.lineage(stepID: children[7].id!).map(\.digest) == [String(format: "%064x", 8)])

        // A step finished twice in one group: the second move (succeeded → running) is refused, and nothing of the group stays.
        var again = stored[0]
        again.status = .running
        var other = stored[1]
        other.error = "changed"
        #expect(throws: StoreError.self) { try store.commit([StateChange(steps: [other]), StateChange(steps: [again])]) }
        #expect(try store.step(id: stored[1].id!)?.error == nil)
        #expect(try store.integrityCheck() == ["ok"])
    }

    /// An attempt without an id is named by its step and number: its start, its process handle and
    /// its end are one row, whether they come in one group, in separate commits, or both.
    @Test(arguments: StoreBackendUnderTest.all) func anAttemptWithoutIdIsNamedByStepAndNumber(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.fresh().store
        var steps = try pendingRun(store, "r1", steps: 3)
        func attempt(_ step: StepRecord, _ number: Int) -> AttemptRecord {
            AttemptRecord(stepID: step.id!, number: number, startedAt: Double(number), stdoutPath: "/o\(number)", stderrPath: nil)
        }
        // Step 0: start, handle and end in one group.
        steps[0].status = .running
        var a0 = attempt(steps[0], 1)
        var handled = a0
        handled.handle = #"{"pid":7}"#
        var ended = handled
        ended.outcome = .succeeded
        ended.finishedAt = 9
        ended.exitCode = 0
        var done0 = steps[0]
        done0.status = .succeeded
        let results = try store.commit([StateChange(steps: [steps[0]], attempt: a0), StateChange(attempt: handled),
                                        StateChange(steps: [done0], attempt: ended)])
        let ids = results.compactMap { $0.attempt?.id }
        #expect(ids.count == 3 && Set(ids).count == 1)
        let stored0 = try store.attempts(stepID: steps[0].id!)
        #expect(stored0.count == 1)
        #expect(stored0.first?.outcome == .succeeded && stored0.first?.handle == #"{"pid":7}"# && stored0.first?.exitCode == 0)
        #expect(stored0.first?.id == ids.first)
        // Step 1: the same three in separate commits, then a retry's second attempt.
        steps[1].status = .running
        a0 = attempt(steps[1], 1)
        let first = try #require(try store.commit(StateChange(steps: [steps[1]], attempt: a0)).attempt?.id)
        var failed = a0
        failed.outcome = .failed
        failed.error = "exit 1"
        var retrying = steps[1]
        retrying.status = .retrying
        #expect(try store.commit(StateChange(steps: [retrying], attempt: failed)).attempt?.id == first)
        var second = attempt(steps[1], 2)
        var running = steps[1]
        running.status = .running
        let secondID = try #require(try store.commit(StateChange(steps: [running], attempt: second)).attempt?.id)
        #expect(secondID != first)
        second.outcome = .succeeded
        #expect(try store.commit(StateChange(attempt: second)).attempt?.id == secondID)
        let stored1 = try store.attempts(stepID: steps[1].id!)
        #expect(stored1.map(\.number) == [1, 2] && stored1.map(\.outcome) == [.failed, .succeeded] && stored1[0].error == "exit 1")
        // Step 2: by id still updates that row.
        steps[2].status = .running
        var byID = try #require(try store.commit(StateChange(steps: [steps[2]], attempt: attempt(steps[2], 1))).attempt)
        byID.outcome = .cancelled
        try store.commit(StateChange(attempt: byID))
        #expect(try store.attempts(stepID: steps[2].id!).map(\.outcome) == [.cancelled])
        #expect(try store.integrityCheck() == ["ok"])
    }
}

/// The shared server's own store, on every backend.
@Suite struct ServerStoreConformanceTests {
    func event(_ action: String, _ target: String, at: Double = 1) -> AuditEvent {
        AuditEvent(at: at, user: "admin", action: action, project: nil, target: target, client: "127.0.0.1")
    }

    @Test(arguments: StoreBackendUnderTest.all) func tokensAreFoundByHashUntilRevoked(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.freshServerStore()
        let ana = TokenRecord(id: "tok_a", user: "ana", role: .approver, projects: ["churn", "fraud"], createdAt: 1)
        let bo = TokenRecord(id: "tok_b", user: "bo", role: .viewer, projects: nil, createdAt: 2)
        try store.createToken(ana, secretHash: "hash-a", audit: event("token.create", "tok_a"))
        try store.createToken(bo, secretHash: "hash-b", audit: event("token.create", "tok_b", at: 2))
        #expect(try store.token(secretHash: "hash-a") == ana)
        #expect(try store.token(secretHash: "hash-b")?.projects == nil)
        #expect(try store.token(secretHash: "nope") == nil)
        #expect(try store.tokens().map(\.id) == ["tok_a", "tok_b"])

        #expect(try store.revokeToken(id: "tok_a", at: 5, audit: event("token.revoke", "tok_a", at: 5)))
        #expect(try store.token(secretHash: "hash-a") == nil, "a revoked token authenticates nothing")
        #expect(try store.tokens().first?.revokedAt == 5, "and is still listed")
        #expect(try !store.revokeToken(id: "tok_a", at: 6, audit: event("token.revoke", "tok_a", at: 6)), "twice: no")
        #expect(try !store.revokeToken(id: "tok_zz", at: 6, audit: event("token.revoke", "tok_zz", at: 6)))
        // Each create and the one revocation that happened wrote their audit line; the refused ones did not.
        let lines = try store.audit(afterID: nil, limit: 100)
        #expect(lines.map { "\($0.action) \($0.target)" } == ["token.create tok_a", "token.create tok_b", "token.revoke tok_a"])
        #expect(lines.allSatisfy { $0.user == "admin" && $0.client == "127.0.0.1" && $0.id != nil })
    }

    @Test(arguments: StoreBackendUnderTest.all) func aTokenWhoseAuditFailsIsNotStored(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.freshServerStore()
        try store.createToken(TokenRecord(id: "tok_a", user: "ana", role: .admin, projects: nil, createdAt: 1), secretHash: "h",
                              audit: event("token.create", "tok_a"))
        // The same secret hash again is refused, and its audit line is not written either.
        #expect(throws: (any Error).self) {
            try store.createToken(TokenRecord(id: "tok_b", user: "bo", role: .viewer, projects: nil, createdAt: 2), secretHash: "h",
                                  audit: event("token.create", "tok_b"))
        }
        #expect(try store.tokens().map(\.id) == ["tok_a"])
        #expect(try store.audit(afterID: nil, limit: 10).map(\.target) == ["tok_a"])
    }

    @Test(arguments: StoreBackendUnderTest.all) func theAuditLogPagesAndProjectsAreKept(_ backend: StoreBackendUnderTest) throws {
        let store = try backend.freshServerStore()
        for index in 1...5 {
            try store.appendAudit(AuditEvent(at: Double(index), user: "ana", action: "approval.approve", project: "churn",
                                             target: "r\(index)/gate", client: nil))
        }
        let first = try store.audit(afterID: nil, limit: 2)
        #expect(first.map(\.target) == ["r1/gate", "r2/gate"])
        let next = try store.audit(afterID: first.last?.id, limit: 10)
        #expect(next.map(\.target) == ["r3/gate", "r4/gate", "r5/gate"])
        #expect(next[0].project == "churn" && next[0].client == nil)
        #expect(try store.audit(afterID: next.last?.id, limit: 10).isEmpty)

        try store.addProject("fraud")
        try store.addProject("churn")
        try store.addProject("churn")
        #expect(try store.projects() == ["churn", "fraud"])
        #expect(throws: StoreError.self) { try store.addProject("Bad Name") }
    }
}
