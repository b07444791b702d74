import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPEngine

@Suite struct MetricThresholdsTests {
    let champion: [String: MetricThresholds.Baseline] = ["@champion": .found(label: "m:1 (m@champion)", metrics: ["auc": 0.80, "log_loss": 0.40])]

    @Test func minRelativeChangePassesAtOrAboveTheBaselinePlusTheShareAndFailsBelowWithItsNumbers() throws {
        let thresholds = try MetricThresholds(json: JSONValue(parsing: #"{"auc": {"min_relative_change": 0.01, "against": "@champion"}}"#))
        let passed = thresholds.check(.object(["auc": .number(0.81)]), baselines: champion)
        #expect(passed.map(\.status) == [.passed])
        let failed = thresholds.check(.object(["auc": .number(0.805)]), baselines: champion)
        #expect(failed.map(\.status) == [.failed])
        let result = try #require(failed.first)
        #expect(result.value == 0.805 && result.baseline == 0.80 && result.rule == "min_relative_change")
        #expect(result.message.contains("auc = 0.805 against 0.8 of m:1 (m@champion)"), "\(result.message)")
        #expect(result.message.contains("+0.625%") && result.message.contains("needs ≥ 0.808") && result.message.contains("not met"), "\(result.message)")
        #expect(result.name == "auc min_relative_change 0.01 against @champion")
    }

    @Test func lowerIsBetterTurnsEveryChangeRuleAround() throws {
        let thresholds = try MetricThresholds(json: JSONValue(parsing:
            #"{"log_loss": {"max": 0.5, "min_absolute_change": 0.05, "higher_is_better": false, "against": "@champion"}}"#))
        #expect(thresholds.check(.object(["log_loss": .number(0.34)]), baselines: champion).map(\.status) == [.passed, .passed])
        let worse = thresholds.check(.object(["log_loss": .number(0.38)]), baselines: champion)
        #expect(worse.map(\.status) == [.passed, .failed])
        #expect(worse[1].message.contains("lower is better, needs ≤ 0.35"), "\(worse[1].message)")
        #expect(thresholds.check(.object(["log_loss": .number(0.6)]), baselines: champion).first?.message == "log_loss = 0.6 is above max 0.5")
    }

    @Test func aMissingBaselineSkipsTheChangeRulesButNotTheBoundsAndAMissingMetricFails() throws {
        let thresholds = try MetricThresholds(json: JSONValue(parsing: #"{"auc": {"min": 0.9, "min_absolute_change": 0, "against": "@champion"}}"#))
        let first = thresholds.check(.object(["auc": .number(0.95)]), baselines: ["@champion": .missing("m@champion does not exist yet")])
        #expect(first.map(\.status) == [.passed, .skipped])
        #expect(first[1].message.contains("m@champion does not exist yet"))
        let misspelt = thresholds.check(.object(["auc": .number(0.95)]), baselines: ["@champion": .invalid("no run matches 'x'")])
        #expect(misspelt.map(\.status) == [.passed, .failed])
        let absent = thresholds.check(.object(["accuracy": .number(0.95)]), baselines: champion)
        #expect(absent.allSatisfy { $0.status == .failed } && absent[0].message.contains("'auc' is not a number among what the gate shows (accuracy)"))
    }

    @Test func resultsRoundTripThroughTheirJSON() throws {
        let thresholds = try MetricThresholds(json: JSONValue(parsing: #"{"auc": {"min": 0.9, "min_relative_change": 0.01, "against": "@champion"}}"#))
        for result in thresholds.check(.object(["auc": .number(0.85)]), baselines: champion) {
            #expect(MetricThresholds.Result(json: result.json) == result)
        }
    }

    @Test func shapeErrorsNameEveryProblemAtOnce() throws {
        let errors = MetricThresholds.shapeErrors(try JSONValue(parsing:
            #"{"auc": {"mni": 0.9, "max": "high", "min_relative_change": -0.1}, "f1": 3, "loss": {"min": 2, "max": 1, "higher_is_better": "no"}}"#))
        let text = errors.map(\.description)
        #expect(text.contains { $0.hasPrefix("thresholds.auc.mni: unknown key 'mni'; did you mean 'min'?") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.auc.max: must be a number, not \"high\"") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.auc.min_relative_change: is negative") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.auc: a change rule needs a baseline: add against") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.f1: must be a mapping of rules") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.loss.min: min 2 is above max 1") }, "\(text)")
        #expect(text.contains { $0.hasPrefix("thresholds.loss.higher_is_better: must be true or false") }, "\(text)")
        #expect(errors.count == 7, "\(text)")
        #expect(throws: MetricThresholds.ShapeError.self) { try MetricThresholds(json: .string("auc > 0.9")) }
    }

    @Test func validateLocatesAThresholdsProblemAtItsKey() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-thresholds-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let file = folder + "/mlp.yaml"
        let text = """
            name: gated
            steps:
              evaluate: {uses: shell, with: {run: "true"}, outputs: {metrics: metrics}}
              gate:
                uses: approval
                with:
                  show: ${{ steps.evaluate.outputs.metrics }}
                  on_threshold_failure: later
                  thresholds:
                    auc: {min: 0.9, min_relative_change: 0.01, against: "@champion"}
                    log_loss:
                      max: lots
                      higher_is_better: false
            """
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        let (spec, parsed) = PipelineParser.parseCollecting(text, file: file)
        #expect(parsed.isEmpty, "\(parsed)")
        let diagnostics = PipelineChecker(registry: try testRegistry()).check(try #require(spec)).map(\.description)
        #expect(diagnostics == [
            "\(file):8:29: error: on_threshold_failure must be reject or wait, not 'later' (expected reject (the default: the gate fails at once) or wait (for a person, like auto_approve_if))",
            "\(file):12:11: error: thresholds.log_loss.max: must be a number, not \"lots\"",
        ], "\(diagnostics)")
        // Written correctly, the same gate checks.
        let fixed = text.replacingOccurrences(of: "later", with: "wait").replacingOccurrences(of: "lots", with: "0.4")
        let (good, _) = PipelineParser.parseCollecting(fixed, file: file)
        #expect(PipelineChecker(registry: try testRegistry()).check(try #require(good)).isEmpty)
    }

    static let gated = """
        name: gated
        params: {auc: {type: float, default: 0.8}}
        steps:
          train:
            uses: shell
            with:
              run: 'echo "{\\"auc\\": $MLP_INPUT_AUC}" > "$MLP_OUTPUTS/metrics"; echo weights > "$MLP_OUTPUTS/model"'
              auc: ${{ params.auc }}
            outputs: {metrics: metrics, model: file}
          gate:
            uses: approval
            with:
              show: ${{ steps.train.outputs.metrics }}
              thresholds: {auc: {min: 0.5, min_relative_change: 0.01, against: "@champion"}}
          register:
            uses: register
            needs: [gate]
            with: {model: "${{ steps.train.outputs.model }}", name: m, metrics: "${{ steps.train.outputs.metrics }}"}
        """

    @Test func aGateWithMinRelativeChangePassesAndFailsOnConstructedRuns() async throws {
        let sandbox = try Sandbox(Self.gated)
        // No champion yet: the change rule is skipped, the bound holds, the gate approves itself.
        let (first, firstSteps) = try await sandbox.run()
        #expect(first.status == .succeeded, "\(first.error ?? "")")
        #expect(try sandbox.engine.store.approval(runID: first.id, step: "gate")?.decidedBy == "auto")
        let recorded = sandbox.outputs(firstSteps["gate"])["thresholds"]?.arrayValue?.compactMap(MetricThresholds.Result.init(json:)) ?? []
        #expect(recorded.map(\.status) == [.passed, .skipped], "\(recorded)")
        _ = try sandbox.engine.store.moveAlias(name: "m", alias: "champion", to: 1, by: "test")

        // +0.625% against the champion's 0.8: below the 1% asked for, the gate rejects the run.
        let (worse, worseSteps) = try await sandbox.run(RunOptions(params: ["auc": "0.805"]))
        #expect(worse.status == .rejected)
        #expect(worseSteps["register"]?.status == .skipped)
        let error = worseSteps["gate"]?.error ?? ""
        #expect(error.hasPrefix("rejected by thresholds: 1 threshold failed: auc min_relative_change 0.01 against @champion"), "\(error)")
        #expect(error.contains("auc = 0.805 against 0.8 of m:1 (m@champion)") && error.contains("needs ≥ 0.808"), "\(error)")
        let approval = try #require(try sandbox.engine.store.approval(runID: worse.id, step: "gate"))
        #expect(approval.status == .rejected && approval.decidedBy == "thresholds")

        // +1.25%: it passes, and the model is registered.
        let (better, betterSteps) = try await sandbox.run(RunOptions(params: ["auc": "0.81"]))
        #expect(better.status == .succeeded, "\(better.error ?? "")")
        #expect(betterSteps["register"]?.status == .succeeded)
        let passed = sandbox.outputs(betterSteps["gate"])["thresholds"]?.arrayValue?.compactMap(MetricThresholds.Result.init(json:)) ?? []
        #expect(passed.map(\.status) == [.passed, .passed] && passed.last?.baseline == 0.8, "\(passed)")

        // A run id works as a baseline too: its final metrics, overlaid by what its gate showed.
        let byRun = Baselines.resolve(first.id, store: sandbox.engine.store, registeredModels: [], gate: "gate")
        #expect(byRun == .found(label: "run \(first.id)", metrics: ["auc": 0.8]))
        #expect(Baselines.resolve("nope", store: sandbox.engine.store, registeredModels: ["m"]).isInvalid)
        #expect(Baselines.resolve("@gold", store: sandbox.engine.store, registeredModels: ["m"]) == .missing("m@gold does not exist yet (`mlp models alias m@gold VERSION` sets it)"))
    }

    @Test func boundsAndBaselinesMayBeParams() async throws {
        let pipeline = Self.gated
            .replacingOccurrences(of: "params: {auc: {type: float, default: 0.8}}",
                                  with: "params: {auc: {type: float, default: 0.8}, floor: {type: float, default: 0.5}, baseline: {type: string, default: none}}")
            .replacingOccurrences(of: "thresholds: {auc: {min: 0.5, min_relative_change: 0.01, against: \"@champion\"}}", with: """
                thresholds:
                        auc:
                          min: ${{ params.floor }}
                          min_absolute_change: 0.02
                          against: ${{ params.baseline }}
                """)
        let sandbox = try Sandbox(pipeline)
        // A run id that does not exist: the change rule fails, naming it.
        let (first, firstSteps) = try await sandbox.run(RunOptions(params: ["floor": "0.7"]))
        #expect(first.status == .rejected)
        #expect(firstSteps["gate"]?.error?.contains("auc min_absolute_change 0.02 against none: cannot compare with 'none'") == true, "\(firstSteps["gate"]?.error ?? "")")
        // Against the first run (auc 0.8): 0.81 is not 0.02 better, 0.83 is; the floor from the param holds.
        let (close, _) = try await sandbox.run(RunOptions(params: ["auc": "0.81", "baseline": first.id]))
        #expect(close.status == .rejected)
        let (better, betterSteps) = try await sandbox.run(RunOptions(params: ["auc": "0.83", "baseline": first.id]))
        #expect(better.status == .succeeded, "\(better.error ?? "")")
        let results = sandbox.outputs(betterSteps["gate"])["thresholds"]?.arrayValue?.compactMap(MetricThresholds.Result.init(json:)) ?? []
        #expect(results.map(\.name) == ["auc min 0.5", "auc min_absolute_change 0.02 against \(first.id)"] && results.allSatisfy { $0.status == .passed }, "\(results)")
    }

    @Test func onThresholdFailureWaitLeavesTheGateToAPerson() async throws {
        let pipeline = Self.gated.replacingOccurrences(of: "thresholds: {auc: {min: 0.5, min_relative_change: 0.01, against: \"@champion\"}}",
                                                       with: "thresholds: {auc: {min: 0.9}}\n      on_threshold_failure: wait")
        let sandbox = try Sandbox(pipeline)
        let created = try sandbox.engine.createRun(RunOptions())
        let run = try await sandbox.engine.drive(runID: created.id, stopAtGates: true, cancellation: CancellationSignal())
        #expect(run.status == .waiting)
        let approval = try #require(try sandbox.engine.store.approval(runID: run.id, step: "gate"))
        #expect(approval.status == .pending)
        #expect(approval.comment?.contains("auc min 0.9: auc = 0.8 is below min 0.9") == true, "\(approval.comment ?? "")")
    }
}

extension MetricThresholds.Baseline {
    var isInvalid: Bool { if case .invalid = self { return true } else { return false } }
}
