import Foundation
import Testing
@testable import MLPCore

@Suite struct PortTypeTests {
    @Test func wideningIsAllowedOnlyWhereNothingIsLost() {
        #expect(PortType.float.accepts(.int))
        #expect(PortType.json.accepts(.metrics))
        #expect(PortType.file.accepts(.dataset))
        #expect(PortType.file.accepts(.model))
        #expect(!PortType.int.accepts(.float))
        #expect(!PortType.dataset.accepts(.file))
        #expect(!PortType.string.accepts(.int))
        #expect(!PortType.metrics.accepts(.json))
    }

    @Test func scriptOutputsParseAsTheirDeclaredType() throws {
        #expect(try PortValue.parse("42\n", as: .int) == .int(42))
        #expect(try PortValue.parse(" 0.5 ", as: .float) == .float(0.5))
        #expect(try PortValue.parse("yes", as: .bool) == .bool(true))
        #expect(try PortValue.parse("hello\n", as: .string) == .string("hello"))
        #expect(try PortValue.parse(#"{"auc": 0.9}"#, as: .metrics) == .json(.object(["auc": .number(0.9)])))
        #expect(throws: PortValueError.self) { try PortValue.parse("4.5", as: .int) }
        #expect(throws: PortValueError.self) { try PortValue.parse("nan", as: .float) }
        #expect(throws: PortValueError.self) { try PortValue.parse("[1, 2]", as: .metrics) }
        let error = try #require(throws: PortValueError.self) { try PortValue.parse("abc", as: .float) }
        #expect(error.description == "'abc' is not a valid float")
    }

    @Test func valuesRoundTripThroughJSON() {
        let values: [(PortValue, PortType)] = [
            (.int(3), .int), (.float(2.5), .float), (.string("x"), .string), (.bool(false), .bool),
            (.json(.array([.number(1), .string("a")])), .json),
            (.artifact(ArtifactRef(digest: String(repeating: "a", count: 64), type: .model, size: 10)), .model),
        ]
        for (value, type) in values { #expect(PortValue(json: value.json, as: type) == value) }
    }
}

@Suite struct JSONValueTests {
    @Test func canonicalTextSortsKeysAndPrintsIntegersPlainly() throws {
        let value = try JSONValue(parsing: #"{"b": [1, 2.5, "x\n"], "a": {"z": true, "y": null}}"#)
        #expect(value.canonicalText == #"{"a":{"y":null,"z":true},"b":[1,2.5,"x\n"]}"#)
        #expect(try JSONValue(parsing: value.canonicalText) == value)
        #expect(try JSONValue(parsing: "7") == .number(7))
        #expect(try JSONValue(parsing: "{}") == .object([:]))
    }

    @Test func malformedJSONThrows() {
        #expect(throws: (any Error).self) { try JSONValue(parsing: "{\"a\": }") }
    }
}

@Suite struct TimeSpanTests {
    @Test func parsesTheUsualForms() {
        #expect(TimeSpan(parsing: "500ms")?.seconds == 0.5)
        #expect(TimeSpan(parsing: "30s")?.seconds == 30)
        #expect(TimeSpan(parsing: "10m")?.seconds == 600)
        #expect(TimeSpan(parsing: "1h30m")?.seconds == 5400)
        #expect(TimeSpan(parsing: "2")?.seconds == 2)
        #expect(TimeSpan(parsing: "5x") == nil)
        #expect(TimeSpan(parsing: "m") == nil)
        #expect(TimeSpan(parsing: "10m5") == nil)
        #expect(TimeSpan(parsing: "-3") == nil)
    }
}

@Suite struct StateMachineTests {
    @Test func aStepThatIsDoneNeverMovesAgain() {
        for next in StepStatus.allCases {
            #expect(!StepStatus.succeeded.canTransition(to: next))
            #expect(!StepStatus.cached.canTransition(to: next))
        }
    }

    @Test func resumingMovesUnfinishedStepsBackToPending() {
        #expect(StepStatus.running.canTransition(to: .pending))
        #expect(StepStatus.failed.canTransition(to: .pending))
        #expect(StepStatus.waiting.canTransition(to: .pending))
        #expect(!StepStatus.pending.canTransition(to: .retrying))
    }

    @Test func runsResumeFromFailureButNotFromSuccessOrRejection() {
        #expect(RunStatus.failed.canTransition(to: .running))
        #expect(RunStatus.cancelled.canTransition(to: .running))
        #expect(!RunStatus.succeeded.canTransition(to: .running))
        #expect(!RunStatus.rejected.canTransition(to: .running))
        #expect(!RunStatus.rejected.isResumable)
    }
}

@Suite struct PluginRegistryTests {
    struct Dummy: TaskExecutor {
        var descriptor: StepKindDescriptor { StepKindDescriptor(uses: "dummy", version: "1", summary: "") }
        func submit(_ request: TaskRequest) async throws -> TaskHandle { TaskHandle(executor: "executor/dummy", id: "1") }
        func status(of handle: TaskHandle) async throws -> TaskStatus { TaskStatus(phase: .succeeded) }
        func cancel(_ handle: TaskHandle) async throws {}
    }

    @Test func aDuplicateKeyIsRejected() throws {
        let registry = PluginRegistry()
        try registry.register(executor: Dummy())
        let error = try #require(throws: DuplicatePluginError.self) { try registry.register(executor: Dummy()) }
        #expect(error.key.description == "executor/dummy")
        #expect(registry.keys.map(\.description) == ["executor/dummy"])
    }

    @Test func stepKindsResolveByPrefix() throws {
        let registry = PluginRegistry()
        try registry.register(executor: Dummy())
        #expect(registry.stepKind(uses: "dummy")?.uses == "dummy")
        #expect(registry.stepKind(uses: "executor/dummy")?.uses == "dummy")
        #expect(registry.stepKind(uses: "connector/dummy") == nil)
    }

    @Test func theDefaultWaitPollsUntilTheTaskFinishes() async throws {
        let status = try await Dummy().wait(for: TaskHandle(executor: "executor/dummy", id: "1"))
        #expect(status.phase == .succeeded)
    }
}

@Suite struct ChildProcessTests {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-core-\(UUID().uuidString)").path

    init() throws { try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true) }

    @Test func capturesOutputAndExitCode() async throws {
        let child = try ChildProcess.spawn(arguments: ["sh", "-c", "echo out; echo err >&2; exit 3"], environment: ProcessInfo.processInfo.environment,
                                           directory: folder, stdoutPath: "\(folder)/o", stderrPath: "\(folder)/e")
        #expect(await child.wait() == 3)
        #expect(try String(contentsOfFile: "\(folder)/o", encoding: .utf8) == "out\n")
        #expect(try String(contentsOfFile: "\(folder)/e", encoding: .utf8) == "err\n")
    }

    @Test func terminatingTheGroupStopsGrandchildren() async throws {
        let started = "\(folder)/started"
        // The background grandchild writes its pid, then would live for a minute.
        let child = try ChildProcess.spawn(arguments: ["sh", "-c", "(sh -c 'echo $$ > \(started).tmp; mv \(started).tmp \(started); exec sleep 60') & sleep 30"],
                                           environment: ProcessInfo.processInfo.environment, directory: folder, stdoutPath: nil, stderrPath: nil)
        // Wait until the background grandchild exists, however loaded the machine is.
        let deadline = Date().addingTimeInterval(30)
        while !FileManager.default.fileExists(atPath: started), Date() < deadline { try await Task.sleep(nanoseconds: 10_000_000) }
        let text = try String(contentsOfFile: started, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        let grandchild = try #require(pid_t(text))
        await child.terminateGroup(grace: 1)
        let code = await child.wait()
        #expect(code == 128 + SIGTERM || code == 128 + SIGKILL)
        // Gone (or a zombie waiting for init to reap it) well within its minute (30 s allows for a loaded machine).
        func isAlive() -> Bool {
            guard kill(grandchild, 0) == 0 else { return false }
            let stat = (try? String(contentsOfFile: "/proc/\(grandchild)/stat", encoding: .utf8)) ?? ""
            guard let close = stat.lastIndex(of: ")") else { return false }
            return !stat[stat.index(after: close)...].hasPrefix(" Z")
        }
        let gone = Date().addingTimeInterval(30)
        while isAlive(), Date() < gone { try await Task.sleep(nanoseconds: 20_000_000) }
        #expect(!isAlive(), "the background grandchild outlived the group")
    }

    @Test func aMissingProgramIsAClearError() {
        #expect(throws: SpawnError.self) {
            _ = try ChildProcess.spawn(arguments: ["/nonexistent/program"], environment: [:], directory: folder, stdoutPath: nil, stderrPath: nil)
        }
    }
}

@Suite struct OrphanSweepTests {
    /// The processes whose environment holds `marker` (a zombie's environment reads as empty).
    static func marked(_ marker: String) -> [pid_t] {
        let needle = Array(marker.utf8)
        return ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
            return environ.split(separator: 0).contains { Array($0) == needle } ? pid : nil
        }
    }

    /// Whether `condition` comes true within 30 s (generous: a loaded 2-core machine forks and reaps slowly).
    static func within30Seconds(_ condition: () -> Bool) async throws -> Bool {
        let deadline = ContinuousClock.now + .seconds(30)
        while !condition() {
            guard ContinuousClock.now < deadline else { return false }
            try await Task.sleep(for: .milliseconds(20))
        }
        return true
    }

    @Test func processesCarryingARunMarkerAreKilled() async throws {
        let folder = FileManager.default.temporaryDirectory.path
        var environment = ProcessInfo.processInfo.environment
        let marker = "MLP_RUN_ID=sweep-\(UUID().uuidString)"
        environment["MLP_RUN_ID"] = String(marker.dropFirst("MLP_RUN_ID=".count))
        // The shell forks one background sleep, then becomes the other: two processes, no more forks.
        let child = try ChildProcess.spawn(arguments: ["sh", "-c", "sleep 300 & exec sleep 300"], environment: environment, directory: folder,
                                           stdoutPath: nil, stderrPath: nil)
        // Both exist before the sweep (waited for, not a fixed pause a loaded machine can outlast).
        #expect(try await Self.within30Seconds { Self.marked(marker).count >= 2 }, "the marked processes did not start")
        #expect(ChildProcess.terminateProcesses(withEnvironment: marker) >= 1)
        #expect(await child.wait() == 128 + SIGKILL)
        // Killed processes can take a moment to exit on a loaded machine; none may outlive the sweep
        // (a missed one would live for its 300 s), and a second sweep finds nothing.
        #expect(try await Self.within30Seconds { Self.marked(marker).isEmpty }, "still running after the sweep: \(Self.marked(marker))")
        #expect(ChildProcess.terminateProcesses(withEnvironment: marker) == 0)
    }
}
