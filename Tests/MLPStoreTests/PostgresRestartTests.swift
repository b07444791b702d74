import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing
@testable import MLPStore

/// A PostgreSQL restart under a live store: the call in flight throws ``StoreError/unavailable(_:)``
/// (never a crash, never a hang), and the first call after the server is back works on a new
/// connection. Needs a cluster of its own (the suite's other tests run in parallel on another):
/// `make test-store-postgres` exports its URL and pg_ctl command line.
@Suite struct PostgresRestartTests {
    static let url = ProcessInfo.processInfo.environment["MLP_TEST_POSTGRES_RESTART_URL"] ?? ""
    static let ctl = ProcessInfo.processInfo.environment["MLP_TEST_POSTGRES_CTL"] ?? ""

    /// Runs `pg_ctl … ACTION` (it waits at most 60 s: `-w -t 60`). posix_spawn and waitpid rather
    /// than Foundation's Process, whose exit notification never came on the test runner's threads.
    static func pgCtl(_ action: String) throws {
        let arguments = ["/bin/sh", "-c", "\(ctl) \(action) >/dev/null"]
        var cArguments: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for argument in cArguments { free(argument) } }
        var pid: pid_t = 0
        let spawned = posix_spawn(&pid, "/bin/sh", nil, nil, &cArguments, environ)
        guard spawned == 0 else { throw StoreError.unavailable("cannot run '\(ctl) \(action)': posix_spawn error \(spawned)") }
        var status: Int32 = 0
        while waitpid(pid, &status, 0) == -1, errno == EINTR {}
        let exited = (status & 0x7f) == 0, code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            throw StoreError.unavailable("'\(ctl) \(action)' failed (wait status \(status))")
        }
    }

    @Test(.enabled(if: !url.isEmpty && !ctl.isEmpty,
                   "needs MLP_TEST_POSTGRES_RESTART_URL and MLP_TEST_POSTGRES_CTL (a cluster it may stop; `make test-store-postgres` sets both)"))
    func aRestartIsSurvived() throws {
        let schema = "r_" + UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased()
        let store = try PostgresStore(url: Self.url, schema: schema)
        _ = try store.createRun(makeRun("r1"), params: [], steps: [StepRecord(runID: "r1", name: "a", kind: "noop")])
        let server = try PostgresServerStore(url: Self.url, schema: schema + "_server")
        try server.addProject("churn")

        try Self.pgCtl("stop -m fast")
        var stopped = true
        defer { if stopped { try? Self.pgCtl("start") } }

        for attempt in 1...2 {
            // 1: the connection broke under the store; 2: connecting again is refused.
            let started = Date()
            let error = try #require(throws: StoreError.self) { try store.run(id: "r1") }
            guard case .unavailable(let detail) = error else {
                Issue.record("attempt \(attempt): expected unavailable, got \(error)")
                return
            }
            #expect(detail.contains("PostgreSQL"), "\(detail)")
            #expect(Date().timeIntervalSince(started) < 10, "attempt \(attempt) took \(Date().timeIntervalSince(started)) s")
        }
        #expect(throws: StoreError.self) { try server.projects() }
        let write = try #require(throws: StoreError.self) { try store.requestCancel(runID: "r1") }
        guard case .unavailable = write else {
            Issue.record("a write while the server is down: expected unavailable, got \(write)")
            return
        }

        try Self.pgCtl("start")
        stopped = false
        #expect(try store.run(id: "r1")?.status == .pending)
        var step = try #require(try store.steps(runID: "r1").first)
        step.status = .running
        try store.commit(StateChange(run: .init(id: "r1", status: .running), steps: [step]))
        #expect(try store.run(id: "r1")?.status == .running)
        #expect(try server.projects() == ["churn"])
    }
}
