import Foundation
import Testing
import MLPCore
import PythonTask
import ShellTask
@testable import MLPEngine

func testRegistry() throws -> PluginRegistry {
    let registry = PluginRegistry()
    try ShellTask.register(into: registry)
    try PythonTask.register(into: registry)
    return registry
}

func check(_ text: String, supplied: Set<String>? = nil) throws -> [Diagnostic] {
    let (spec, diagnostics) = PipelineParser.parseCollecting(text, file: "mlp.yaml")
    guard let spec else { return diagnostics }
    return (diagnostics + PipelineChecker(registry: try testRegistry()).check(spec, suppliedParams: supplied)).sorted { $0.location < $1.location }
}

@Suite struct DiagnosticsTests {
    @Test func everyProblemIsReportedAtOnceWithItsLineAndColumn() throws {
        let text = """
        name: broken
        params:
          lr: {type: float, default: 0.1}
          epochs: {type: int}
        steps:
          load:
            uses: shel
            with: {run: "true"}
          train:
            uses: shell
            with:
              run: train.sh
              data: ${{ steps.lod.outputs.data }}
              rate: ${{ params.learning_rate }}
            outputs: {model: modle}
          evaluate:
            uses: shell
            with:
              run: eval.sh
              model: ${{ steps.train.outputs.modl }}
            outputs: {metrics: metrics}
          gate:
            uses: approval
            with:
              show: ${{ steps.evaluate.outputs.metrics }}
              auto_approve_if: "auc >= "
              colour: red
        """
        let diagnostics = try check(text, supplied: [])
        let rendered = diagnostics.map(\.description)
        func expectOne(_ prefix: String, _ fragment: String, sourceLocation: Testing.SourceLocation = #_sourceLocation) {
            #expect(rendered.contains { $0.hasPrefix(prefix) && $0.contains(fragment) }, "missing \(prefix) … \(fragment) in:\n\(rendered.joined(separator: "\n"))", sourceLocation: sourceLocation)
        }
        expectOne("mlp.yaml:4:3: error:", "param 'epochs' has no default")
        expectOne("mlp.yaml:7:11: error:", "unknown step kind 'shel'; did you mean 'shell'?")
        expectOne("mlp.yaml:13:13: error:", "unknown step 'lod'; did you mean 'load'?")
        expectOne("mlp.yaml:14:13: error:", "unknown param 'learning_rate'")
        expectOne("mlp.yaml:15:22: error:", "output 'model' has an unknown type 'modle'; did you mean 'model'?")
        expectOne("mlp.yaml:20:14: error:", "step 'train' has no output 'modl'; did you mean 'model'?")
        expectOne("mlp.yaml:26:32: error:", "auto_approve_if: the rule ends too early")
        expectOne("mlp.yaml:27:7: error:", "step kind 'approval' has no input 'colour'")
        #expect(diagnostics.count == 8, "\(rendered.joined(separator: "\n"))")
        #expect(diagnostics == diagnostics.sorted { $0.location < $1.location })
    }

    @Test func aTypeMismatchSaysWhatWasExpected() throws {
        let text = """
        name: t
        steps:
          make:
            uses: shell
            with: {run: "true"}
            outputs: {model: model, n: int}
          gate:
            uses: approval
            with:
              show: ${{ steps.make.outputs.model }}
              message: ${{ steps.make.outputs.n }}
        """
        let rendered = try check(text).map(\.description)
        #expect(rendered.contains { $0.hasPrefix("mlp.yaml:10:7: error: input 'show' of step 'gate' is model (expected int or float or string or bool or metrics or json)") }, "\(rendered)")
        #expect(rendered.contains { $0.hasPrefix("mlp.yaml:11:7: error: input 'message' of step 'gate' is int (expected string)") }, "\(rendered)")
    }

    @Test func cyclesAreFoundWithTheirPath() throws {
        let text = """
        name: loop
        steps:
          a: {uses: shell, with: {run: "true", x: "${{ steps.c.outputs.out }}"}, outputs: {out: string}}
          b: {uses: shell, with: {run: "true", x: "${{ steps.a.outputs.out }}"}, outputs: {out: string}}
          c: {uses: shell, needs: [b], with: {run: "true"}, outputs: {out: string}}
          d: {uses: noop, needs: [d]}
        """
        let diagnostics = try check(text)
        let cycles = diagnostics.filter { $0.message.contains("cycle") }
        #expect(cycles.count == 1, "\(diagnostics)")
        #expect(cycles.first?.message.contains("a → ") == true || cycles.first?.message.contains("→ a") == true)
        #expect(Set(["a", "b", "c"]).allSatisfy { cycles.first?.message.contains($0) == true })
        #expect(diagnostics.contains { $0.message == "step 'd' needs itself" })
    }

    @Test func itemIsOnlyDefinedInAFanOut() throws {
        let text = """
        name: t
        steps:
          a: {uses: shell, with: {run: "echo ${{ item }}"}}
          b: {uses: shell, foreach: [1, 2], with: {run: "echo ${{ item }} ${{ index }}"}}
        """
        let diagnostics = try check(text)
        #expect(diagnostics.map(\.description) == ["mlp.yaml:3:38: error: 'item' is only defined in a step with 'foreach:'"])
    }

    @Test func invalidYAMLIsLocated() throws {
        let diagnostics = try check("name: t\nsteps:\n  a: {uses: shell\n  b: 1\n")
        #expect(diagnostics.count == 1)
        #expect(diagnostics[0].description.hasPrefix("mlp.yaml:4:"), "\(diagnostics)")
        let duplicate = try check("name: t\nsteps:\n  a: {uses: noop}\n  a: {uses: noop}\n")
        #expect(duplicate.first?.message.contains("appears twice") == true, "\(duplicate)")
    }

    @Test func unknownKeysGetSuggestions() throws {
        let diagnostics = try check("name: t\nstep:\n  a: {uses: noop}\n")
        #expect(diagnostics.map(\.description).contains { $0.hasPrefix("mlp.yaml:2:1: error: unknown top-level key 'step'; did you mean 'steps'?") }, "\(diagnostics)")
        let timeout = try check("name: t\nsteps:\n  a: {uses: noop, timeout: soon, retries: -1}\n")
        #expect(timeout.map(\.message).contains { $0.contains("timeout 'soon' is not a duration") })
        #expect(timeout.map(\.message).contains { $0.contains("retries must be a whole number") })
    }
}

@Suite struct ApprovalRuleTests {
    @Test func rulesCompareShownMetrics() throws {
        let shown = JSONValue.object(["auc": .number(0.93), "loss": .number(0.2), "nested": .object(["f1": .number(0.8)])])
        #expect(try ApprovalRule(parsing: "auc >= 0.9").evaluate(shown))
        #expect(try !ApprovalRule(parsing: "auc >= 0.95").evaluate(shown))
        #expect(try ApprovalRule(parsing: "auc > 0.9 and loss < 0.3").evaluate(shown))
        #expect(try ApprovalRule(parsing: "auc > 0.99 || (nested.f1 >= 0.8 && not loss > 1)").evaluate(shown))
        #expect(try ApprovalRule(parsing: "value > -1").evaluate(.number(0.5)))
        #expect(throws: ApprovalRule.EvaluationError.self) { try ApprovalRule(parsing: "accuracy > 0.9").evaluate(shown) }
        let error = try #require(throws: ApprovalRule.SyntaxError.self) { try ApprovalRule(parsing: "auc >= 0.9 and") }
        #expect(error.offset == 14)
        #expect(throws: ApprovalRule.SyntaxError.self) { try ApprovalRule(parsing: "auc => 3") }
    }
}
