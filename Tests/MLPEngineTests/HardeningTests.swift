import Foundation
import Testing
import MLPCore
import MLPStore
@testable import MLPEngine

/// Issue 13: hostile or careless pipelines, and misbehaving steps, get a located error or a safe
/// outcome, never a crash, a hang, an escape from the project or injected code.
@Suite struct PipelineHardeningTests {
    func messages(_ text: String) throws -> [String] { try check(text).map(\.description) }

    // Item 3 and 12: names are names.
    @Test func outputNamesThatAreNotNamesAreLocatedErrors() throws {
        let found = try messages("""
        name: t
        steps:
          a: {uses: shell, with: {run: "true"}, outputs: {"../../../../victim.txt": file, "": file, "a/b": file, "x\\u0007": file, ok: file}}
        """)
        #expect(found.count == 4, "\(found)")
        #expect(found.contains { $0.hasPrefix("mlp.yaml:3:51: error: output name '../../../../victim.txt' is not valid") }, "\(found)")
        #expect(found.contains { $0.contains("error: output name is empty") }, "\(found)")
        #expect(found.contains { $0.contains("'a/b' is not valid") }, "\(found)")
        #expect(found.contains { $0.contains("'x\\u{07}' is not valid") }, "\(found)")
    }

    @Test func namesAreBoundedAndEnvironmentNamesChecked() throws {
        let long = String(repeating: "a", count: 101)
        let found = try messages("""
        name: t
        params: {\(long): 1}
        steps:
          a: {uses: shell, with: {run: "true"}, env: {"A=B": x, OK_1: y}}
        """)
        #expect(found.contains { $0.contains("error: param name") }, "\(found)")
        #expect(found.contains { $0.contains("environment variable name 'A=B' is not valid") }, "\(found)")
        #expect(found.count == 2, "\(found)")
    }

    // Item 8: values that passed validate and crashed run.
    @Test func aHugeFanOutIsRefusedWhereItIsWritten() throws {
        let found = try messages("name: t\nsteps:\n  a: {uses: noop, foreach: {range: 100000000000}}\n")
        #expect(found == ["mlp.yaml:3:36: error: foreach range 100000000000 is more than the 100000 items a fan-out may have (expected a whole number from 0 to 100000)"])
    }

    @Test func overflowingDurationsAndRetriesAreLocatedErrors() throws {
        let found = try messages("""
        name: t
        steps:
          a: {uses: shell, with: {run: "true"}, timeout: 99999999999999999999h}
          b: {uses: shell, with: {run: "true"}, retries: {max: 1000000000, backoff: 0s}}
          c: {uses: shell, with: {run: "true"}, retries: {max: 3, backoff: 9999999999999999999999d, factor: inf}}
        """)
        #expect(found.contains { $0.hasPrefix("mlp.yaml:3:50: error: timeout '99999999999999999999h' is longer than") }, "\(found)")
        #expect(found.contains { $0.hasPrefix("mlp.yaml:4:56: error: max must be a whole number from 0 to 100") }, "\(found)")
        #expect(found.contains { $0.contains("backoff '9999999999999999999999d' is longer than") }, "\(found)")
        #expect(found.contains { $0.contains("factor must be a number from 1 to 100") }, "\(found)")
        #expect(found.count == 4, "\(found)")
    }

    @Test func timeSpansRefuseOverflowAndConvertSafely() throws {
        #expect(TimeSpan(parsing: "99999999999999999999h") == nil)
        let tooLong = try #require(throws: TimeSpan.ParseError.self) { try TimeSpan(validating: "1e300") }
        #expect(tooLong.tooLong)
        #expect(TimeSpan(parsing: "36500d")?.seconds == TimeSpan.maximum.seconds)
        #expect(TimeSpan(parsing: "1h30m")?.seconds == 5400)
        #expect(TimeSpan(seconds: 1e300).nanoseconds == TimeSpan.maximum.nanoseconds)
        #expect(TimeSpan(seconds: .nan).nanoseconds == 0)
        _ = TimeSpan(seconds: 1e300).description // does not trap
    }

    @Test func retryDelaysAreNeverNaNOrInfinite() {
        let zero = RetryPolicy(retries: 100, backoff: TimeSpan(seconds: 0), factor: 2, maxBackoff: TimeSpan(seconds: 60))
        #expect(zero.delay(beforeAttempt: 1_000_000_000) == 0)
        let growing = RetryPolicy(retries: 100, backoff: TimeSpan(seconds: 1), factor: 100, maxBackoff: TimeSpan(seconds: 60))
        #expect(growing.delay(beforeAttempt: 1_000_000_000) == 60)
        #expect(growing.delay(beforeAttempt: 2) == 1)
    }

    @Test func aYAMLAliasBombIsRefusedQuickly() throws {
        var lines = ["name: t", "x0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...9 { lines.append("x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        lines += ["params:", "  bomb: {type: json, default: *a9}", "steps:", "  a: {uses: noop, with: {x: *a9}}"]
        let started = ContinuousClock.now
        let found = try messages(lines.joined(separator: "\n"))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(found.count == 1 && found[0].contains("expands to more than 1000000 YAML nodes"), "\(found)")
    }

    @Test func aYAMLAliasBombUsedAsAKeyIsRefusedBeforeComposing() throws {
        // Yams hashes a mapping's keys while composing: an alias bomb as a key hung there.
        var lines = ["name: t", "x0: &a0 [x, x, x, x, x, x, x, x, x]"]
        for level in 1...8 { lines.append("x\(level): &a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ", ") + "]") }
        lines += ["steps:", "  ? *a8", "  : {uses: noop}"]
        let started = ContinuousClock.now
        let found = try messages(lines.joined(separator: "\n"))
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(found.count == 1 && found[0].contains("expands to more than 1000000 YAML nodes"), "\(found)")
        // 13 nodes: the root mapping, a, [1, 2] (3), b, and a list of two copies of [1, 2] (7).
        #expect(YAMLExpansionBudget.firstOverflow(in: "a: &x [1, 2]\nb: [*x, *x]\n", limit: 13) == nil)
        #expect(YAMLExpansionBudget.firstOverflow(in: "a: &x [1, 2]\nb: [*x, *x]\n", limit: 12) != nil)
    }

    @Test func oversizedDocumentsAreRefused() throws {
        let found = try messages("name: t\n# " + String(repeating: "x", count: PipelineParser.maxDocumentBytes) + "\nsteps: {a: {uses: noop}}\n")
        #expect(found.count == 1 && found[0].contains("more than the 4 MiB mlp reads"), "\(found)")
    }

    @Test func nonScalarKeysAreLocatedErrorsNotDropped() throws {
        let found = try messages("""
        name: t
        steps:
          ? [a, b]
          : {uses: noop}
          c: {uses: shell, with: {run: "true", ? [k]: v}, outputs: {? {o: 1}: file}}
        """)
        #expect(found.contains { $0.hasPrefix("mlp.yaml:3:5: error: a step's name must be a plain string, not a list") }, "\(found)")
        #expect(found.contains { $0.contains("an input's name must be a plain string") }, "\(found)")
        #expect(found.contains { $0.contains("an output's name must be a plain string") }, "\(found)")
    }

    // Item 12: a non-UTF-8 mlp.yaml.
    @Test func aNonUTF8PipelineNamesTheFileAndTheByte() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("mlp-\(UUID().uuidString).yaml").path
        let bytes = Array("name: t\nsteps:\n  a: {uses: noop, description: \"caf".utf8) + [0xE9] + Array("\"}\n".utf8)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: Project.PipelineFileError.self) { try Project.readPipeline(at: path, shownAs: "mlp.yaml") }
        #expect(error.location == SourceLocation(file: "mlp.yaml", line: 3, column: 36))
        #expect(error.description.contains("byte 50 (0xE9) is not valid UTF-8"), "\(error)")
    }
}

/// Item 6: `${{ }}` inside program text reaches the program as data.
@Suite struct ScriptInjectionTests {
    func contexts(_ text: String, _ language: ScriptLanguage = .shell) throws -> [ScriptTemplate.Context] {
        var parser = PipelineParser(file: "mlp.yaml")
        let value = parser.parseValue(.scalar(.init(text)))
        return try #require(ScriptTemplate(value, language: language)).slots.map(\.context)
    }

    @Test func shellContextsAreFollowed() throws {
        #expect(try contexts("echo ${{ params.p }}") == [.code])
        #expect(try contexts("echo \"a ${{ params.p }} b\" '${{ params.p }}' $(echo ${{ params.p }}) \"$(cat ${{ params.p }})\"") == [.expanding, .literal, .code, .code])
        #expect(try contexts("echo \\${{ params.p }} # ${{ params.p }}") == [.literal, .comment])
        #expect(try contexts("cat <<EOF\n${{ params.p }}\nEOF\necho ${{ params.p }}") == [.expanding, .code])
        #expect(try contexts("cat <<'EOF'\n${{ params.p }}\nEOF\n") == [.literal])
        #expect(try contexts("echo 'it''s' ${{ params.p }}") == [.code])
    }

    @Test func pythonContextsAreFollowed() throws {
        #expect(try contexts("print(${{ params.p }})", .python) == [.code])
        #expect(try contexts("print('${{ params.p }}', \"\"\"x ${{ params.p }}\"\"\") # ${{ params.p }}", .python) == [.literal, .literal, .comment])
        #expect(try contexts("s = 'a\\'' + ${{ params.p }}", .python) == [.code])
    }

    @Test func theCommandOnlyNamesVariables() throws {
        var parser = PipelineParser(file: "mlp.yaml")
        let value = parser.parseValue(.scalar(.init("echo ${{ params.p }} \"${{ steps.a.outputs.b }}\" ${{ params.p }}")))
        let script = try #require(ScriptTemplate(value, language: .shell))
        #expect(script.render(types: [.string, .string, .string]) == "echo \"${MLP_REF_PARAMS_P}\" \"${MLP_REF_STEPS_A_OUTPUTS_B}\" \"${MLP_REF_PARAMS_P}\"")
        let python = try #require(ScriptTemplate(value, language: .python))
        #expect(python.render(types: [.int]).hasPrefix("echo int(__import__('os').environ['MLP_REF_PARAMS_P'])"))
    }

    @Test func aReferenceThatCannotExpandIsAnErrorAndOthersAreMigrationNotes() throws {
        let text = """
        name: t
        params: {p: x}
        steps:
          a: {uses: shell, with: {run: "echo '${{ params.p }}'"}}
          b: {uses: shell, with: {run: "echo ${{ params.p }}"}}
          c: {uses: python, with: {code: "print('${{ params.p }}')"}}
        """
        let found = try check(text).map(\.description)
        #expect(found.count == 2, "\(found)")
        #expect(found[0].hasPrefix("mlp.yaml:4:39: error: '${{ params.p }}' in 'run' is inside single quotes"), "\(found)")
        #expect(found[0].contains("\"$MLP_INPUT_P\""), "\(found)")
        #expect(found[1].hasPrefix("mlp.yaml:6:42: error: '${{ params.p }}' in 'code' is inside a Python string"), "\(found)")
        let spec = try PipelineParser.parse(text, file: "mlp.yaml")
        let notes = PipelineChecker(registry: try testRegistry()).migrationNotes(spec)
        #expect(notes.map(\.description) == [
            "mlp.yaml:5:38: warning: '${{ params.p }}' in 'run' is no longer spliced into the command; it runs as \"${MLP_REF_PARAMS_P}\", the value passed in "
                + "$MLP_REF_PARAMS_P (as data, never as code) (to make it explicit, pass it as an input, `p: \"${{ params.p }}\"` under with:, "
                + "and write \"$MLP_INPUT_P\" in the command)",
        ])
    }

    @Test func aHostileParamRunsAsDataAndStillJoinsTheCacheKey() async throws {
        let box = try Sandbox("""
        name: t
        params: {p: {type: string, default: hello}, n: 41}
        steps:
          a: {uses: shell, with: {run: "echo ${{ params.p }} > $MLP_OUTPUTS/said; echo \\"[${{ params.p }}]\\" >> $MLP_OUTPUTS/said"}, outputs: {said: string}}
          b: {uses: python, with: {code: "import os; open(os.environ['MLP_OUTPUTS'] + '/n', 'w').write(str(${{ params.n }} + 1))"}, outputs: {n: int}}
        """)
        let hostile = "a; touch pwned; $(touch pwned2) `touch pwned3`"
        let (run, steps) = try await box.run(RunOptions(params: ["p": hostile]))
        #expect(run.status == .succeeded, "\(steps.mapValues(\.error))")
        for name in ["pwned", "pwned2", "pwned3"] { #expect(!FileManager.default.fileExists(atPath: "\(box.root)/\(name)")) }
        #expect(box.outputs(steps["a"]) == .object(["said": .string("\(hostile)\n[\(hostile)]")]))
        #expect(box.outputs(steps["b"]) == .object(["n": .number(42)]))
        // Another value is another execution, not a cache hit of the first.
        let (_, again) = try await box.run(RunOptions(params: ["p": "other"]))
        #expect(again["a"]?.status == .succeeded)
        #expect(box.outputs(again["a"]) == .object(["said": .string("other\n[other]")]))
        let (_, same) = try await box.run(RunOptions(params: ["p": "other"]))
        #expect(same["a"]?.status == .cached)
    }
}

/// Items 10 and 13: processes, exit codes, approval rules.
@Suite struct ProcessAndGateHardeningTests {
    let folder = FileManager.default.temporaryDirectory.path

    @Test func anExitStatusAbove128IsNotASignal() async throws {
        let child = try ChildProcess.spawn(arguments: ["sh", "-c", "exit 255"], environment: ProcessInfo.processInfo.environment,
                                           directory: folder, stdoutPath: nil, stderrPath: nil)
        #expect(await child.waitForTermination() == .exited(255))
        #expect(ProcessTermination.exited(255).description == "exited with status 255")
        let killed = try ChildProcess.spawn(arguments: ["sh", "-c", "kill -9 $$"], environment: ProcessInfo.processInfo.environment,
                                            directory: folder, stdoutPath: nil, stderrPath: nil)
        #expect(await killed.waitForTermination() == .signaled(SIGKILL))
        #expect(ProcessTermination.signaled(SIGKILL).description == "killed by signal 9 (SIGKILL)")
        #expect(ProcessTermination(waitStatus: 255 << 8) == .exited(255))
    }

    @Test func aStepFailingWithStatus255SaysSo() async throws {
        let box = try Sandbox("name: t\nsteps:\n  a: {uses: shell, with: {run: \"exit 255\"}}\n")
        let (_, steps) = try await box.run()
        #expect(steps["a"]?.error?.hasPrefix("exited with status 255") == true, "\(steps["a"]?.error ?? "")")
    }

    @Test func backgroundChildrenOfASuccessfulStepDoNotOutliveIt() async throws {
        let box = try Sandbox("name: t\nsteps:\n  a: {uses: shell, with: {run: \"sleep 300 & echo $! > bg.pid\"}}\n")
        let (run, _) = try await box.run()
        #expect(run.status == .succeeded)
        let left = try await processesLeft(ofRun: run.id)
        #expect(left.isEmpty, "still running after the step ended: \(left)")
    }

    @Test func aFailedRuleSaysWhichClausesFailedWithTheirValues() throws {
        let shown = JSONValue.object(["auc": .number(0.85), "loss": .number(0.2), "f1": .number(0.5)])
        let verdict = try ApprovalRule(parsing: "auc >= 0.9 and loss < 0.3 and (f1 > 0.7 or auc > 0.95)").check(shown)
        #expect(!verdict.holds)
        #expect(verdict.failedClauses == ["auc >= 0.9 (auc = 0.85)", "f1 > 0.7 (f1 = 0.5)", "auc > 0.95 (auc = 0.85)"])
        #expect(try ApprovalRule(parsing: "auc >= 0.8").check(shown) == ApprovalRule.Verdict(holds: true, failedClauses: []))
    }

    @Test func aWaitingGateRecordsTheFailedClause() async throws {
        let box = try Sandbox("""
        name: t
        steps:
          m: {uses: shell, with: {run: "echo '{\\"auc\\": 0.85}' > $MLP_OUTPUTS/m"}, outputs: {m: metrics}}
          gate: {uses: approval, with: {show: "${{ steps.m.outputs.m }}", auto_approve_if: "auc >= 0.9"}}
        """)
        let created = try box.engine.createRun(RunOptions())
        let run = try await box.engine.drive(runID: created.id, stopAtGates: true)
        #expect(run.status == .waiting)
        let approval = try #require(try box.engine.store.approval(runID: run.id, step: "gate"))
        #expect(approval.comment == "auto_approve_if \"auc >= 0.9\" did not hold: auc >= 0.9 (auc = 0.85) failed", "\(approval.comment ?? "")")
    }

    @Test func resumeSaysWhichDefinitionItRuns() async throws {
        let box = try Sandbox("name: t\nsteps:\n  a: {uses: shell, with: {run: \"exit 1\"}}\n")
        let (run, _) = try await box.run()
        #expect(!box.engine.resumeNote(for: run).contains("has changed"))
        #expect(box.engine.resumeNote(for: run).contains("sha256:\(run.pipelineDigest.prefix(12))"))
        try box.write("mlp.yaml", "name: t\nsteps:\n  a: {uses: shell, with: {run: \"true\"}}\n")
        let note = box.engine.resumeNote(for: run)
        #expect(note.contains("with the pipeline recorded when it started"), "\(note)")
        #expect(note.contains("has changed since") && note.contains("`mlp run`"), "\(note)")
    }
}
