import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import Testing
import MLPCore
import MLPEngine
import MLPStore
@testable import MLPCLI

/// `mlp run --junit` and `mlp report`: the JUnit document and the Markdown summary, built from run records.
@Suite struct CIReportTests {
    /// A project with the template's CSV, a `validate` step whose schema the data breaks twice, and
    /// a gate whose threshold fails; driven to its end.
    static func failingRun() async throws -> (Engine, RunRecord) {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-junit-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root + "/data", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: repository.appendingPathComponent("templates/tabular-classification/data/breast_cancer.csv").path,
                                         toPath: root + "/data/breast_cancer.csv")
        try "rows: {max: 200}\ncolumns:\n  target: {type: int, allowed: [0, 1]}\n  mean_radius: {max: 20}\n"
            .write(toFile: root + "/schema.yaml", atomically: true, encoding: .utf8)
        try """
            name: ci
            steps:
              load: {uses: connector/csv, with: {path: data/breast_cancer.csv}}
              check: {uses: validate, with: {data: "${{ steps.load.outputs.data }}", schema: schema.yaml}}
              split: {uses: split, with: {data: "${{ steps.load.outputs.data }}", target: target, holdout_fraction: 0.2, seed: 7}}
              train: {uses: trainer/logistic, with: {data: "${{ steps.split.outputs.train }}", holdout: "${{ steps.split.outputs.holdout }}", target: target}}
              gate:
                uses: approval
                with:
                  show: ${{ steps.train.outputs.metrics }}
                  auto_approve_if: "auc >= 0.5"
                  thresholds: {auc: {min: 0.9999}, accuracy: {min: 0.5}}
              after: {uses: noop, needs: [gate]}
            """.write(toFile: root + "/mlp.yaml", atomically: true, encoding: .utf8)
        let engine = try Engine(project: Project(root: root), registry: try makeRegistry())
        let run = try await engine.drive(runID: try engine.createRun(RunOptions()).id)
        return (engine, run)
    }

    @Test func theJUnitOfAFailingDataCheckAndAFailingGateHasACasePerStepRuleAndThreshold() async throws {
        let (engine, run) = try await Self.failingRun()
        #expect(run.status == .failed)
        let xml = try RunJUnit.report(run: run, store: engine.store)
        let names = xml.cases.map { "\($0.classname)/\($0.name)" }
        #expect(names == [
            "ci.steps/load", "ci.steps/check",
            "ci.check/dataset: rows.max", "ci.check/column 'mean_radius': required", "ci.check/column 'mean_radius': max",
            "ci.check/column 'target': required", "ci.check/column 'target': type", "ci.check/column 'target': allowed",
            "ci.steps/split", "ci.steps/train", "ci.steps/gate",
            "ci.gate/auto_approve_if: auc >= 0.5", "ci.gate/threshold: accuracy min 0.5", "ci.gate/threshold: auc min 0.9999",
            "ci.steps/after",
        ], "\(names)")
        let failed = xml.cases.filter { if case .failure = $0.outcome { return true } else { return false } }.map(\.name)
        #expect(failed == ["check", "dataset: rows.max", "column 'mean_radius': max", "gate", "threshold: auc min 0.9999"])
        #expect(xml.failures == 5 && xml.skipped == 1 && xml.errors == 0)
        if case .failure(let message, _, _) = xml.cases.first(where: { $0.name == "threshold: auc min 0.9999" })!.outcome {
            #expect(message.hasPrefix("auc = 0.9") && message.hasSuffix("is below min 0.9999"), "\(message)")
        }
        if case .skipped(let message) = xml.cases.last!.outcome { #expect(message == "not run: upstream step 'gate' rejected") }

        // Well-formed XML whose counts agree with the cases.
        let document = xml.render()
        #expect(document.contains("<testsuite name=\"ci\" tests=\"15\" failures=\"5\" errors=\"0\" skipped=\"1\""))
        let parser = XMLParser(data: Data(document.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
    }

    @Test func textAndAttributesAreEscapedAndControlCharactersDropped() {
        var xml = JUnitXML(name: "a<b>&\"c\"")
        xml.cases = [JUnitXML.TestCase(classname: "x", name: "auc >= 0.9 & \"q\"",
                                       outcome: .failure(message: "line 1\nline 2\u{1}", type: "t", detail: "<tag> & \u{0}done"))]
        let text = xml.render()
        #expect(text.contains("name=\"auc &gt;= 0.9 &amp; &quot;q&quot;\""))
        #expect(text.contains("message=\"line 1&#10;line 2\""))
        #expect(text.contains(">&lt;tag&gt; &amp; done</failure>"))
        #expect(XMLParser(data: Data(text.utf8)).parse())
    }

    @Test func aPipelineThatDoesNotCheckIsAFailingCasePerProblem() throws {
        let error = PipelineError([Diagnostic(SourceLocation(file: "mlp.yaml", line: 3, column: 5), "thresholds.auc.mni: unknown key 'mni'")])
        let xml = RunJUnit.report(pipelineError: error, pipeline: "p")
        #expect(xml.cases.map(\.name) == ["mlp.yaml:3:5"] && xml.failures == 1)
    }

    @Test func theMarkdownShowsDeltasWithArrowsAndChangedParams() {
        let run = RunRecord(id: "r2", pipeline: "p", projectDirectory: "/tmp", pipelineText: "", pipelineFile: "mlp.yaml", pipelineDigest: "d",
                            status: .succeeded, gitCommit: nil, gitDirty: nil, mlpVersion: "0", host: "h", createdAt: 0, parallelism: 1, noCache: false)
        var report = RunReport(run: run, baselineLabel: "m:1 (m@champion)", baselineRun: run, steps: [])
        report.metrics = [.init(name: "auc", value: 0.95, baseline: 0.9), .init(name: "loss", value: 0.2, baseline: 0.25), .init(name: "new", value: 1, baseline: nil)]
        report.params = [.init(name: "l2", value: "1", baseline: "0.01"), .init(name: "seed", value: "7", baseline: "7")]
        report.mainMetric = "auc"
        let text = report.markdown()
        #expect(text.contains("| **auc** | 0.95 | 0.9 | ▲ +0.05 | ▲ +5.56% |"), "\(text)")
        #expect(text.contains("| loss | 0.2 | 0.25 | ▼ -0.05 | ▼ -20.00% |"), "\(text)")
        #expect(text.contains("| new | 1 | – | – | – |"), "\(text)")
        #expect(text.contains("| **l2** (changed) | `1` | `0.01` |") && text.contains("| seed | `7` | `7` |"), "\(text)")
    }
}
