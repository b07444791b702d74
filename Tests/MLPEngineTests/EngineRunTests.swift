import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPEngine

/// A throwaway project folder with an engine over it.
struct Sandbox {
    let root: String
    let engine: Engine

    init(_ pipeline: String, files: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-engine-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/steps", withIntermediateDirectories: true)
        try pipeline.write(toFile: root + "/mlp.yaml", atomically: true, encoding: .utf8)
        for (name, content) in files {
            let path = "\(root)/\(name)"
            try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try content.write(toFile: path, atomically: true, encoding: .utf8)
        }
        engine = try Engine(project: Project(root: root), registry: try testRegistry())
    }

    func write(_ name: String, _ content: String) throws {
        try content.write(toFile: "\(root)/\(name)", atomically: true, encoding: .utf8)
    }

    /// Creates and drives a run to its end.
    @discardableResult
    func run(_ options: RunOptions = RunOptions(), cancellation: CancellationSignal = CancellationSignal()) async throws -> (RunRecord, [String: StepRecord]) {
        let created = try engine.createRun(options)
        let finished = try await engine.drive(runID: created.id, cancellation: cancellation)
        return (finished, try stepsByName(finished.id))
    }

    func stepsByName(_ runID: String) throws -> [String: StepRecord] {
        Dictionary(uniqueKeysWithValues: try engine.store.steps(runID: runID).filter { $0.index == nil }.map { ($0.name, $0) })
    }

    func outputs(_ step: StepRecord?) -> JSONValue {
        (step?.outputs).flatMap { try? JSONValue(parsing: $0) } ?? .null
    }
}

/// The processes still carrying `MLP_RUN_ID=runID` once none is left or 30 s have passed (a killed
/// process can take a moment to exit on a loaded 2-core machine; a zombie's environment reads as empty).
func processesLeft(ofRun runID: String) async throws -> [pid_t] {
    let needle = Array("MLP_RUN_ID=\(runID)".utf8)
    func marked() -> [pid_t] {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { entry in
            guard let pid = pid_t(entry), let environ = FileManager.default.contents(atPath: "/proc/\(pid)/environ") else { return nil }
            return environ.split(separator: 0).contains { Array($0) == needle } ? pid : nil
        }
    }
    let deadline = ContinuousClock.now + .seconds(30)
    var left = marked()
    while !left.isEmpty, ContinuousClock.now < deadline {
        try await Task.sleep(for: .milliseconds(20))
        left = marked()
    }
    return left
}

@Suite struct EngineRunTests {
    @Test func aStepAfterAnInProcessStepRuns() async throws {
        // The in-process step settles inside the driver's launch; its dependent must still be started.
        let sandbox = try Sandbox("""
            name: chain
            steps:
              first: {uses: noop}
              second: {uses: noop, needs: [first]}
              third: {uses: shell, needs: [second], with: {run: "true"}}
            """)
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        #expect(steps.values.allSatisfy { $0.status.isDone } && steps["third"]?.status == .succeeded, "\(steps.mapValues(\.status))")
    }

    @Test func aFanOutOverAThousandItemsRunsEveryItemAndCollectsTheirOutputs() async throws {
        let sandbox = try Sandbox("""
            name: fan
            params: {n: {type: int, default: 1000}}
            steps:
              square:
                uses: shell
                foreach: {range: "${{ params.n }}"}
                with: {run: 'echo $((MLP_ITEM * MLP_ITEM)) > "$MLP_OUTPUTS/sq"'}
                outputs: {sq: int}
              total:
                uses: python
                with:
                  code: |
                    import json, os
                    xs = json.load(open(os.environ["MLP_INPUTS"]))["xs"]
                    open(os.environ["MLP_OUTPUTS"] + "/sum", "w").write(str(sum(xs)))
                  xs: ${{ steps.square.outputs.sq }}
                outputs: {sum: int}
            """)
        let (run, steps) = try await sandbox.run(RunOptions(parallelism: 4))
        #expect(run.status == .succeeded, "\(run.error ?? "")")
        let children = try sandbox.engine.store.steps(runID: run.id).filter { $0.name == "square" && $0.index != nil }
        #expect(children.count == 1000)
        #expect(children.allSatisfy { $0.status == .succeeded })
        #expect(steps["square"]?.childCount == 1000)
        // sum of i^2 for i < 1000
        #expect(sandbox.outputs(steps["total"])["sum"] == .number(332_833_500))
    }

    @Test func aSecondRunIsFullyCachedAndAnEditedScriptInvalidatesExactlyWhatIsDownstream() async throws {
        let sandbox = try Sandbox("""
            name: chain
            steps:
              a: {uses: shell, with: {script: steps/a.sh}, outputs: {out: file}}
              b: {uses: shell, with: {script: steps/b.sh, in: "${{ steps.a.outputs.out }}"}, outputs: {out: file}}
              c: {uses: shell, with: {script: steps/c.sh, in: "${{ steps.b.outputs.out }}"}, outputs: {out: file}}
              side: {uses: shell, with: {script: steps/side.sh, in: "${{ steps.a.outputs.out }}"}, outputs: {out: file}}
              fan: {uses: shell, foreach: [x, y], with: {run: 'cat "$MLP_INPUT_IN" > "$MLP_OUTPUTS/out"; echo $MLP_ITEM >> "$MLP_OUTPUTS/out"', in: "${{ steps.c.outputs.out }}"}, outputs: {out: file}}
            """, files: [
                "steps/a.sh": "echo a > \"$MLP_OUTPUTS/out\"\n",
                "steps/b.sh": "{ cat \"$MLP_INPUT_IN\"; echo b; } > \"$MLP_OUTPUTS/out\"\n",
                "steps/c.sh": "{ cat \"$MLP_INPUT_IN\"; echo c; } > \"$MLP_OUTPUTS/out\"\n",
                "steps/side.sh": "{ cat \"$MLP_INPUT_IN\"; echo side; } > \"$MLP_OUTPUTS/out\"\n",
            ])
        let (first, _) = try await sandbox.run()
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        let (second, again) = try await sandbox.run()
        #expect(second.status == .succeeded)
        #expect(again.values.allSatisfy { $0.status == .cached }, "\(again.mapValues(\.status))")

        try sandbox.write("steps/b.sh", "{ cat \"$MLP_INPUT_IN\"; echo B; } > \"$MLP_OUTPUTS/out\"\n")
        let (third, edited) = try await sandbox.run()
        #expect(third.status == .succeeded)
        #expect(edited.mapValues(\.status) == ["a": .cached, "side": .cached, "b": .succeeded, "c": .succeeded, "fan": .succeeded])
        // The cache key names what changed.
        let before = try #require(again["b"]?.cacheParts.flatMap { try? JSONValue(parsing: $0) })
        let after = try #require(edited["b"]?.cacheParts.flatMap { try? JSONValue(parsing: $0) })
        guard case .object(let old) = before, case .object(let new) = after else { Issue.record("no cache parts"); return }
        let reasons = CacheKey.explain(current: new.compactMapValues(\.stringValue), previous: old.compactMapValues(\.stringValue))
        #expect(reasons.count == 1 && reasons[0].hasPrefix("file steps/b.sh changed"), "\(reasons)")

        // --no-cache runs everything again.
        let (forced, all) = try await sandbox.run(RunOptions(noCache: true))
        #expect(forced.status == .succeeded && all.values.allSatisfy { $0.status == .succeeded })
    }

    @Test func aFlakyStepIsRetriedWithBackoffUntilItSucceeds() async throws {
        let sandbox = try Sandbox("""
            name: flaky
            steps:
              flaky:
                uses: shell
                with: {script: steps/flaky.sh}
                retries: {max: 3, backoff: 100ms, factor: 2}
                cache: false
              hopeless:
                uses: shell
                with: {run: 'echo "no luck" >&2; exit 7'}
                retries: {max: 1, backoff: 50ms}
            """, files: ["steps/flaky.sh": """
                n=$(cat count 2>/dev/null || echo 0); n=$((n + 1)); echo $n > count
                [ "$n" -ge 3 ] || { echo "attempt $n failed" >&2; exit 1; }
                """])
        let started = ContinuousClock.now
        let (run, steps) = try await sandbox.run()
        #expect(run.status == .failed)
        #expect(steps["flaky"]?.status == .succeeded)
        #expect(steps["flaky"]?.attempts == 3)
        // Two waits: 100 ms, then 200 ms.
        #expect(ContinuousClock.now - started >= .milliseconds(300))
        let attempts = try sandbox.engine.store.attempts(stepID: steps["flaky"]!.id!)
        #expect(attempts.map(\.outcome) == [.failed, .failed, .succeeded])
        #expect(attempts[0].error?.contains("attempt 1 failed") == true)
        #expect(steps["hopeless"]?.status == .failed)
        #expect(steps["hopeless"]?.attempts == 2)
        #expect(steps["hopeless"]?.error == "exited with status 7: no luck")
        #expect(run.error?.contains("hopeless") == true)
    }

    @Test func aTimeoutKillsTheWholeProcessGroup() async throws {
        let sandbox = try Sandbox("""
            name: slow
            steps:
              slow:
                uses: shell
                with: {run: 'sleep 120 & sleep 120'}
                timeout: 300ms
              after: {uses: noop, needs: [slow]}
            """)
        let started = ContinuousClock.now
        let (run, steps) = try await sandbox.run()
        // Far less than the step's `sleep 120`: the timeout killed it. (Not tighter: on a loaded
        // 2-core CI machine the run itself has taken over 5 s.)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(run.status == .failed)
        #expect(steps["slow"]?.error?.hasPrefix("timed out after 300ms") == true)
        #expect(steps["after"]?.status == .skipped)
        let attempts = try sandbox.engine.store.attempts(stepID: steps["slow"]!.id!)
        #expect(attempts.map(\.outcome) == [.timedOut])
        // Neither sleep outlives the step, the background one included: both carry the run's
        // MLP_RUN_ID, and a survivor would still run for two minutes. (Checked on the processes
        // themselves: a file the background job wrote 2 s in raced the kill on a loaded machine.)
        let left = try await processesLeft(ofRun: run.id)
        #expect(left.isEmpty, "processes of the timed-out step survived: \(left)")
        if !left.isEmpty { _ = ChildProcess.terminateProcesses(withEnvironment: "MLP_RUN_ID=\(run.id)") }
    }

    @Test func aFailedRunResumesAfterTheScriptIsFixedWithoutRedoingFinishedSteps() async throws {
        let sandbox = try Sandbox("""
            name: fixme
            steps:
              prepare: {uses: shell, with: {run: 'echo ran >> prepare.log; echo 1 > "$MLP_OUTPUTS/n"'}, outputs: {n: int}}
              broken: {uses: shell, with: {script: steps/broken.sh, n: "${{ steps.prepare.outputs.n }}"}, outputs: {n: int}}
              last: {uses: shell, with: {run: 'echo $((MLP_INPUT_N + 1)) > "$MLP_OUTPUTS/n"', n: "${{ steps.broken.outputs.n }}"}, outputs: {n: int}}
            """, files: ["steps/broken.sh": "echo 'division by zero' >&2; exit 1\n"])
        let (failed, steps) = try await sandbox.run()
        #expect(failed.status == .failed)
        #expect(steps["last"]?.status == .skipped)
        try sandbox.write("steps/broken.sh", "echo $((MLP_INPUT_N * 10)) > \"$MLP_OUTPUTS/n\"\n")
        let resumed = try await sandbox.engine.drive(runID: failed.id)
        #expect(resumed.status == .succeeded, "\(resumed.error ?? "")")
        let after = try sandbox.stepsByName(failed.id)
        #expect(sandbox.outputs(after["last"])["n"] == .number(11))
        #expect(after["prepare"]?.attempts == 1)
        #expect(try String(contentsOfFile: sandbox.root + "/prepare.log", encoding: .utf8) == "ran\n")
        #expect(after["broken"]?.attempts == 2)
    }

    @Test func cancellingStopsRunningStepsAndMarksTheRunCancelled() async throws {
        let sandbox = try Sandbox("""
            name: long
            steps:
              long: {uses: shell, with: {run: 'sleep 120'}}
              next: {uses: noop, needs: [long]}
            """)
        let signal = CancellationSignal()
        Task {
            try await Task.sleep(nanoseconds: 500_000_000)
            signal.raise("test")
        }
        let started = ContinuousClock.now
        let (run, steps) = try await sandbox.run(cancellation: signal)
        // Far less than the step's `sleep 120`: the cancel stopped it. (Not tighter: on a loaded
        // 2-core CI machine the run itself has taken over 5 s.)
        #expect(ContinuousClock.now - started < .seconds(60))
        #expect(run.status == .cancelled)
        #expect(steps["long"]?.status == .cancelled)
        #expect(steps["next"]?.status == .cancelled)
    }

    @Test func gatesWaitForADecisionFromAnotherConnectionAndRejectionStopsTheRun() async throws {
        let pipeline = """
            name: gated
            params: {auc: {type: float, default: 0.5}}
            steps:
              evaluate: {uses: shell, with: {run: 'echo "{\\"auc\\": $MLP_INPUT_AUC}" > "$MLP_OUTPUTS/metrics"', auc: "${{ params.auc }}"}, outputs: {metrics: metrics}}
              gate: {uses: approval, with: {show: "${{ steps.evaluate.outputs.metrics }}", auto_approve_if: "auc >= 0.9"}}
              deploy: {uses: shell, needs: [gate], with: {run: 'echo "$MLP_INPUT_BY" > deployed', by: "${{ steps.gate.outputs.by }}"}}
            """
        let sandbox = try Sandbox(pipeline)
        // Good enough: the rule approves it.
        let (auto, autoSteps) = try await sandbox.run(RunOptions(params: ["auc": "0.95"]))
        #expect(auto.status == .succeeded)
        #expect(try sandbox.engine.store.approval(runID: auto.id, step: "gate")?.decidedBy == "auto")
        #expect(autoSteps["deploy"]?.status == .succeeded)

        // Not good enough: it waits; a second connection (as `mlp approve` would) decides.
        for approve in [true, false] {
            let created = try sandbox.engine.createRun(RunOptions())
            let other = try SQLiteStore(path: sandbox.root + "/.mlp/mlp.sqlite")
            let decider = Task {
                while try other.approval(runID: created.id, step: "gate")?.status != .pending { try await Task.sleep(nanoseconds: 20_000_000) }
                return try other.decide(runID: created.id, step: "gate", approve: approve, by: "reviewer", comment: approve ? "ok" : "auc too low")
            }
            let finished = try await sandbox.engine.drive(runID: created.id)
            _ = try await decider.value
            let steps = try sandbox.stepsByName(created.id)
            if approve {
                #expect(finished.status == .succeeded)
                #expect(try String(contentsOfFile: sandbox.root + "/deployed", encoding: .utf8) == "reviewer\n")
            } else {
                #expect(finished.status == .rejected)
                #expect(steps["gate"]?.status == .rejected)
                #expect(steps["deploy"]?.status == .skipped)
                #expect(finished.error?.contains("auc too low") == true)
            }
        }
    }

    @Test func aGateTimesOutIntoItsDefault() async throws {
        let sandbox = try Sandbox("""
            name: t
            steps:
              gate: {uses: approval, timeout: 200ms, with: {on_timeout: approve}}
              after: {uses: noop, needs: [gate]}
            """)
        let (run, _) = try await sandbox.run()
        #expect(run.status == .succeeded)
        #expect(try sandbox.engine.store.approval(runID: run.id, step: "gate")?.decidedBy == "timeout")
    }

    @Test func badParamsAreRefusedBeforeAnythingRuns() throws {
        let sandbox = try Sandbox("name: p\nparams: {lr: {type: float, default: 0.1}, k: {type: int}}\nsteps:\n  a: {uses: noop}\n")
        let error = try #require(throws: EngineError.self) { try sandbox.engine.createRun(RunOptions(params: ["lr": "fast", "kk": "3"])) }
        #expect(error.message.contains("--param lr=fast: 'fast' is not a valid float"))
        #expect(error.message.contains("--param kk: the pipeline has no param 'kk'"))
        #expect(error.message.contains("param 'k' (int) has no default; pass --param k=VALUE"))
        #expect(try sandbox.engine.store.runs(RunQuery()).isEmpty)
    }

    @Test func outputsThatAreMissingOrMistypedFailTheStepClearly() async throws {
        let sandbox = try Sandbox("""
            name: o
            steps:
              missing: {uses: shell, with: {run: 'true'}, outputs: {model: model}}
              wrong: {uses: shell, with: {run: 'echo many > "$MLP_OUTPUTS/n"'}, outputs: {n: int}}
            """)
        let (_, steps) = try await sandbox.run()
        #expect(steps["missing"]?.error?.contains("did not write its output 'model'") == true)
        #expect(steps["wrong"]?.error == "output 'n': 'many' is not a valid int")
    }
}
