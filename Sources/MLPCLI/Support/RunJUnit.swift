import Foundation
import MLPCore
import MLPData
import MLPEngine
import MLPStore

/// `mlp run --junit FILE`: a run's record as JUnit XML — a test case per step, per data check (each
/// rule of a `validate` step's schema) and per approval rule (`auto_approve_if`, each threshold).
enum RunJUnit {
    /// The report of a run, read back from the store (local or a server's), so it says what the
    /// record says however the run ended.
    static func report(run: RunRecord, store: any MetadataStore) throws -> JUnitXML {
        var xml = JUnitXML(name: run.pipeline, timestamp: Date(timeIntervalSince1970: run.createdAt), hostname: run.host)
        let params = try store.params(runID: run.id)
        xml.properties = [("mlp.run", run.id), ("mlp.status", run.status.rawValue), ("mlp.pipeline_digest", run.pipelineDigest),
                          ("mlp.version", run.mlpVersion)]
        if let commit = run.gitCommit { xml.properties.append(("git.commit", commit + (run.gitDirty == true ? " (dirty)" : ""))) }
        if let error = run.error { xml.properties.append(("mlp.error", error)) }
        for param in params { xml.properties.append(("param.\(param.name)", param.value)) }

        let spec = try? PipelineParser.parse(run.pipelineText, file: run.pipelineFile)
        let all = try store.steps(runID: run.id)
        let children = Dictionary(grouping: all.filter { $0.index != nil }, by: \.name)
        var steps = all.filter { $0.index == nil }
        if let order = spec?.steps.map(\.name) {
            steps.sort { (order.firstIndex(of: $0.name) ?? .max, $0.name) < (order.firstIndex(of: $1.name) ?? .max, $1.name) }
        }
        let paramValues = Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        for step in steps {
            let classname = "\(run.pipeline).steps"
            var test = JUnitXML.TestCase(classname: classname, name: step.name, time: duration(step))
            test.outcome = outcome(of: step, children: children[step.name] ?? [], run: run, store: store)
            test.output = "uses: \(step.kind); status: \(step.status.rawValue)"
                + (step.attempts > 1 ? "; attempts: \(step.attempts)" : "")
                + (step.cacheHit ? "; cache hit: reused the outputs of an earlier execution" + (step.cachedFrom.map { " (step #\($0))" } ?? "") : "")
            xml.cases.append(test)
            let stepSpec = spec?.step(step.name)
            if step.kind == "validate" {
                xml.cases += dataChecks(step, spec: stepSpec, run: run, params: paramValues, store: store)
            } else if BuiltinKind(uses: step.kind) == .approval {
                xml.cases += approvalRules(step, spec: stepSpec, run: run, store: store)
            }
        }
        return xml
    }

    /// The report of a run that never started because mlp.yaml does not check: a failing test
    /// case per problem, named by its place in the file.
    static func report(pipelineError: PipelineError, pipeline: String) -> JUnitXML {
        var xml = JUnitXML(name: pipeline, timestamp: Date(), hostname: ProcessInfo.processInfo.hostName)
        for diagnostic in pipelineError.diagnostics {
            let outcome: JUnitXML.TestCase.Outcome = diagnostic.severity == .error
                ? .failure(message: diagnostic.message, type: "mlp.yaml", detail: diagnostic.description) : .passed
            xml.cases.append(JUnitXML.TestCase(classname: "\(pipeline).validate", name: diagnostic.location.description, outcome: outcome,
                                               output: diagnostic.severity == .warning ? diagnostic.description : nil))
        }
        if xml.cases.isEmpty {
            xml.cases.append(JUnitXML.TestCase(classname: "\(pipeline).validate", name: "mlp.yaml",
                                               outcome: .failure(message: "\(pipelineError)", type: "mlp.yaml", detail: "\(pipelineError)")))
        }
        return xml
    }

    /// Writes the report atomically (a temporary file renamed over `path`), or says why it cannot.
    static func write(_ xml: JUnitXML, to path: String) throws {
        _ = try OutputFile.write(Data(xml.render().utf8), to: path, example: "junit.xml")
    }

    static func duration(_ step: StepRecord) -> Double {
        guard let start = step.startedAt, let end = step.finishedAt else { return 0 }
        return max(0, end - start)
    }

    static func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: true).first ?? Substring(text))
    }

    static func outcome(of step: StepRecord, children: [StepRecord], run: RunRecord, store: any MetadataStore) -> JUnitXML.TestCase.Outcome {
        switch step.status {
        case .succeeded, .cached:
            return .passed
        case .failed:
            var detail = step.error ?? "failed"
            let failedChildren = children.filter { $0.status == .failed }.sorted { ($0.index ?? 0) < ($1.index ?? 0) }
            for child in failedChildren.prefix(10) { detail += "\n\(child.displayName): \(child.error ?? "failed")" }
            if failedChildren.count > 10 { detail += "\n… and \(failedChildren.count - 10) more items failed" }
            if let tail = logTail(step, children: failedChildren, store: store) { detail += "\n\n" + tail }
            return .failure(message: firstLine(step.error ?? "failed"), type: "failed", detail: detail)
        case .rejected:
            return .failure(message: firstLine(step.error ?? "rejected"), type: "rejected", detail: step.error ?? "rejected")
        case .cancelled:
            return .error(message: firstLine(step.error ?? "cancelled"), type: "cancelled", detail: step.error ?? "cancelled")
        case .skipped:
            return .skipped(message: step.error ?? "not run")
        case .waiting:
            return .skipped(message: "waiting for a decision (`mlp approvals`); the run is \(run.status.rawValue)")
        case .pending, .running, .retrying:
            return .skipped(message: "not finished: the run is \(run.status.rawValue)" + (run.error.map { " (\($0))" } ?? ""))
        }
    }

    /// The last lines of a failed step's stderr (of its last attempt, or of its first failed item),
    /// when the log is on this machine.
    static func logTail(_ step: StepRecord, children: [StepRecord], store: any MetadataStore, lines: Int = 20) -> String? {
        guard let unit = step.id != nil && children.isEmpty ? step : children.first, let id = unit.id,
              let attempt = try? store.attempts(stepID: id).last, let path = attempt.stderrPath,
              let data = FileManager.default.contents(atPath: path), !data.isEmpty else { return nil }
        let text = String(decoding: data.suffix(16_384), as: UTF8.self)
        let tail = text.split(separator: "\n", omittingEmptySubsequences: false).suffix(lines + 1).joined(separator: "\n")
        let trimmed = tail.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : "stderr of \(unit.displayName) (last lines):\n\(trimmed)"
    }

    // MARK: - Data checks

    /// What `validate` found: its report (the `report` output when it passed, else the JSON line of its log).
    struct ValidationFindings: Decodable {
        var violations: [Violation]
    }

    /// A test case per rule of the step's schema (failing when a violation names it), and one per
    /// violation no stated rule accounts for; when the schema cannot be read, one per violation.
    static func dataChecks(_ step: StepRecord, spec: StepSpec?, run: RunRecord, params: [String: String], store: any MetadataStore) -> [JUnitXML.TestCase] {
        let classname = "\(run.pipeline).\(step.name)"
        var schemaPath: String?
        switch spec?.input("schema") {
        case .literal(.string(let path), _)?: schemaPath = path
        case .reference(let reference)?:
            if case .param(let name) = reference.target, let value = params[name], case .string(let path)? = try? JSONValue(parsing: value) { schemaPath = path }
        default: break
        }
        let schema = schemaPath.flatMap { path in try? DataSchema(contentsOf: path.hasPrefix("/") ? path : "\(run.projectDirectory)/\(path)") }
        let ran = step.status == .succeeded || step.status == .cached || step.status == .failed
        var rules = schema.map(ruleNames) ?? []
        guard ran else {
            return rules.map { JUnitXML.TestCase(classname: classname, name: $0, outcome: .skipped(message: "the check did not run: \(step.status.rawValue)")) }
        }
        // Violations by test case name, with their full text.
        var violated: [(name: String, text: String)] = []
        if let findings = findings(step, store: store) {
            violated = findings.violations.map { (name(of: $0), $0.description) }
        } else if step.status == .failed, let error = step.error {
            for line in error.split(separator: "\n") where line.hasPrefix("  - ") {
                let text = String(line.dropFirst(4))
                let parts = text.components(separatedBy: ": ")
                if parts.count >= 2 { violated.append((parts[0] + ": " + parts[1], text)) }
            }
        }
        for violation in violated where !rules.contains(violation.name) { rules.append(violation.name) }
        let time = duration(step) / Double(max(rules.count, 1))
        return rules.map { rule in
            let broken = violated.filter { $0.name == rule }.map(\.text)
            guard !broken.isEmpty else {
                if step.status == .failed, violated.isEmpty {
                    return JUnitXML.TestCase(classname: classname, name: rule, time: time,
                                             outcome: .skipped(message: "not checked: the step failed before checking (\(firstLine(step.error ?? "failed")))"))
                }
                return JUnitXML.TestCase(classname: classname, name: rule, time: time)
            }
            return JUnitXML.TestCase(classname: classname, name: rule, time: time,
                                     outcome: .failure(message: broken.joined(separator: "; "), type: "data check", detail: broken.joined(separator: "\n")))
        }
    }

    static func findings(_ step: StepRecord, store: any MetadataStore) -> ValidationFindings? {
        let decoder = JSONDecoder()
        if let outputs = step.outputs, let json = try? JSONValue(parsing: outputs), let report = json["report"],
           let findings = try? decoder.decode(ValidationFindings.self, from: Data(report.canonicalText.utf8)) {
            return findings
        }
        guard let id = step.id, let attempt = try? store.attempts(stepID: id).last, let path = attempt.stdoutPath,
              let data = FileManager.default.contents(atPath: path) else { return nil }
        let lines = String(decoding: data, as: UTF8.self).split(separator: "\n")
        for line in lines.reversed() where line.hasPrefix("{") {
            if let findings = try? decoder.decode(ValidationFindings.self, from: Data(line.utf8)) { return findings }
        }
        return nil
    }

    /// `dataset: rows.min`, `column 'age': nullable`: as a violation names its rule.
    static func name(of violation: Violation) -> String {
        let rule = violation.rule == .missing ? "required" : violation.rule.rawValue
        return (violation.column.map { "column '\($0)'" } ?? "dataset") + ": " + rule
    }

    /// Every rule a schema states, named as ``name(of:)`` names a violation of it.
    static func ruleNames(_ schema: DataSchema) -> [String] {
        var names: [String] = []
        if schema.rows?.min != nil { names.append("dataset: rows.min") }
        if schema.rows?.max != nil { names.append("dataset: rows.max") }
        for column in schema.columns.keys.sorted() {
            let rules = schema.columns[column]!
            let prefix = "column '\(column)': "
            if rules.required ?? true { names.append(prefix + "required") }
            if rules.type != nil { names.append(prefix + "type") }
            if rules.nullable == false { names.append(prefix + "nullable") }
            if rules.min != nil { names.append(prefix + "min") }
            if rules.max != nil { names.append(prefix + "max") }
            if rules.allowed != nil { names.append(prefix + "allowed") }
            if rules.unique == true { names.append(prefix + "unique") }
        }
        return names
    }

    // MARK: - Approval rules

    /// A test case for the gate's `auto_approve_if` rule and one per threshold rule.
    static func approvalRules(_ step: StepRecord, spec: StepSpec?, run: RunRecord, store: any MetadataStore) -> [JUnitXML.TestCase] {
        let classname = "\(run.pipeline).\(step.name)"
        let approval = try? store.approval(runID: run.id, step: step.name)
        var cases: [JUnitXML.TestCase] = []
        var ruleText = approval?.rule
        if ruleText == nil, case .literal(.string(let text), _)? = spec?.input("auto_approve_if") { ruleText = text }
        if let ruleText {
            var test = JUnitXML.TestCase(classname: classname, name: "auto_approve_if: \(ruleText)")
            if let approval {
                let shown = approval.shown.flatMap { try? JSONValue(parsing: $0) } ?? .object([:])
                do {
                    let verdict = try ApprovalRule(parsing: ruleText).check(shown)
                    if !verdict.holds {
                        let message = verdict.failedClauses.map { "\($0) failed" }.joined(separator: "; ")
                        let decided = approval.status == .pending ? "the gate waits for a person"
                            : "the gate was \(approval.status.rawValue) by \(approval.decidedBy ?? "?")" + (approval.comment.map { ": \($0)" } ?? "")
                        test.outcome = .failure(message: message, type: "approval rule", detail: "\(message)\n\(decided)")
                    }
                    test.output = "shown: \(shown.canonicalText)"
                } catch {
                    test.outcome = .failure(message: "the rule could not be evaluated: \(error)", type: "approval rule", detail: "\(error)")
                }
            } else {
                test.outcome = .skipped(message: "the gate did not open: \(step.status.rawValue)")
            }
            cases.append(test)
        }
        let recorded = step.outputs.flatMap { try? JSONValue(parsing: $0) }?["thresholds"]?.arrayValue
        if let recorded {
            for result in recorded.compactMap(MetricThresholds.Result.init(json:)) {
                var test = JUnitXML.TestCase(classname: classname, name: "threshold: \(result.name)")
                switch result.status {
                case .passed: test.output = result.message
                case .failed: test.outcome = .failure(message: result.message, type: "threshold", detail: result.message)
                case .skipped: test.outcome = .skipped(message: result.message)
                }
                cases.append(test)
            }
        } else if spec?.input("thresholds") != nil {
            cases.append(JUnitXML.TestCase(classname: classname, name: "thresholds",
                                           outcome: .skipped(message: "not checked: the gate did not open (\(step.status.rawValue))")))
        }
        return cases
    }
}
