import Foundation
import MLPCore
import MLPData
import MLPEngine
import MLPStore

/// `mlp report`: what a run did, against a baseline, for a pull-request comment.
struct RunReport {
    struct MetricRow: Equatable {
        var name: String
        var value: Double?
        var baseline: Double?
        var change: Double? { value.flatMap { v in baseline.map { v - $0 } } }
        var relative: Double? {
            guard let change, let baseline, baseline != 0 else { return nil }
            return change / abs(baseline)
        }
    }

    struct ParamRow: Equatable {
        var name: String
        var value: String?
        var baseline: String?
        var changed: Bool { baseline != nil && value != baseline }
    }

    struct DataRow: Equatable {
        /// `step.output`.
        var name: String
        var digest: String
        var rows: Int?
        var baselineDigest: String?
        var baselineRows: Int?
        /// Columns added, removed or retyped, in words; empty when the schema is the same.
        var schemaChanges: [String] = []
        var columns: [String] = []
        /// Drift of each shared column against the baseline's dataset, when both could be read.
        var drift: DriftReport?
        /// Why something could not be compared.
        var note: String?
    }

    struct GateRow: Equatable {
        var step: String
        var status: String
        var decidedBy: String?
        var comment: String?
        var thresholds: [MetricThresholds.Result]
    }

    var run: RunRecord
    /// What the baseline is, in words (`breast-cancer-logreg:1 (@champion), run …`), or nil for none.
    var baselineLabel: String?
    var baselineRun: RunRecord?
    var baselineNote: String?
    var steps: [StepRecord]
    var params: [ParamRow] = []
    var metrics: [MetricRow] = []
    var gates: [GateRow] = []
    var data: [DataRow] = []
    var mainMetric: String?
    /// The chart's file as the Markdown links it, when one was written.
    var chartLink: String?
    var chartTitle: String?

    // MARK: - Gathering

    /// Reads the run, the baseline (`against`: `@ALIAS`, `NAME@ALIAS`, `NAME:VERSION` or a run)
    /// and their datasets. `readDataset` gives a dataset artifact's rows (nil when it cannot).
    static func gather(run: RunRecord, against: String?, store: any MetadataStore, metric: String?,
                       readDataset: (ArtifactRef) -> Dataset?) throws -> RunReport {
        let steps = try store.steps(runID: run.id).filter { $0.index == nil }
        var report = RunReport(run: run, steps: steps)
        let spec = try? PipelineParser.parse(run.pipelineText, file: run.pipelineFile)
        let params = try store.params(runID: run.id)
        var paramValues: [String: PortValue] = [:]
        for param in params {
            if let json = try? JSONValue(parsing: param.value), let value = PortValue(json: json, as: param.type) { paramValues[param.name] = value }
        }
        let gateNames = steps.filter { BuiltinKind(uses: $0.kind) == .approval }.map(\.name)

        // The baseline: its run (when known) and its metrics.
        var baselineMetrics: [String: Double]?
        if let against {
            let models = spec.map { Baselines.registeredModels($0, params: paramValues) } ?? []
            switch Baselines.resolve(against, store: store, registeredModels: models, gate: gateNames.first) {
            case .found(let label, let metrics):
                report.baselineLabel = label
                baselineMetrics = metrics
                let isModel = against.contains("@") || against.contains(":")
                if isModel {
                    let reference = against.hasPrefix("@") ? (Array(Set(models)).first ?? "") + against : against
                    if let runID = try? store.resolveModel(reference).runID { report.baselineRun = try? store.run(id: runID) }
                } else {
                    report.baselineRun = try? store.findRun(against)
                }
                if let base = report.baselineRun, isModel { report.baselineLabel = "\(label), made by run \(base.id)" }
            case .missing(let why):
                report.baselineNote = "no baseline: \(why)"
            case .invalid(let why):
                throw RuntimeError("--against \(against): \(why)")
            }
        }

        // Params, this run's against the baseline run's.
        let baseParams = try report.baselineRun.map { try store.params(runID: $0.id) } ?? []
        let baseValues = Dictionary(baseParams.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        let values = Dictionary(params.map { ($0.name, $0.value) }, uniquingKeysWith: { _, last in last })
        for name in Set(values.keys).union(baseValues.keys).sorted() {
            report.params.append(ParamRow(name: name, value: values[name], baseline: report.baselineRun == nil ? nil : baseValues[name]))
        }

        // Metrics: final values (and what the first gate showed), against the baseline's.
        let metrics = try Baselines.runMetrics(run.id, store: store, gate: gateNames.first)
        for name in Set(metrics.keys).union(baselineMetrics.map { Array($0.keys) } ?? []).sorted() {
            report.metrics.append(MetricRow(name: name, value: metrics[name], baseline: baselineMetrics?[name]))
        }

        // Gates and their thresholds.
        for step in steps where BuiltinKind(uses: step.kind) == .approval {
            let approval = try? store.approval(runID: run.id, step: step.name)
            let recorded = step.outputs.flatMap { try? JSONValue(parsing: $0) }?["thresholds"]?.arrayValue ?? []
            report.gates.append(GateRow(step: step.name, status: approval?.status.rawValue ?? step.status.rawValue,
                                        decidedBy: approval?.decidedBy, comment: approval?.comment,
                                        thresholds: recorded.compactMap(MetricThresholds.Result.init(json:))))
        }

        // The main metric: --metric, else the first a gate's thresholds name, else auc / accuracy / the first one.
        let thresholdMetrics = report.gates.flatMap { $0.thresholds.map(\.metric) }
        report.mainMetric = metric ?? thresholdMetrics.first { metrics[$0] != nil }
            ?? ["auc", "accuracy", "f1", "r2", "loss"].first { metrics[$0] != nil } ?? metrics.keys.sorted().first

        // Datasets each step produced, against the same step's output in the baseline run.
        let baseSteps = try report.baselineRun.map { try store.steps(runID: $0.id).filter { $0.index == nil } } ?? []
        for step in steps {
            for (port, ref) in datasetOutputs(step).sorted(by: { $0.key < $1.key }) {
                var row = DataRow(name: "\(step.name).\(port)", digest: ref.digest)
                let current = readDataset(ref)
                row.rows = current?.rowCount
                row.columns = current?.columnNames ?? []
                if current == nil { row.note = "the dataset could not be read here" }
                if let baseStep = baseSteps.first(where: { $0.name == step.name }), let baseRef = datasetOutputs(baseStep)[port] {
                    row.baselineDigest = baseRef.digest
                    if baseRef.digest != ref.digest, let current {
                        if let base = readDataset(baseRef) {
                            row.baselineRows = base.rowCount
                            row.schemaChanges = schemaChanges(from: base, to: current)
                            let shared = current.columns.filter { column in
                                base.column(named: column.name).map { isNumeric($0.type) == isNumeric(column.type) } ?? false
                            }.map(\.name)
                            if !shared.isEmpty, base.rowCount > 0, current.rowCount > 0 {
                                do { row.drift = try DriftReport.compare(reference: base, current: current, columns: shared) } catch { row.note = "no drift: \(error)" }
                            }
                        } else {
                            row.note = "the baseline's dataset could not be read here"
                        }
                    } else if baseRef.digest == ref.digest {
                        row.baselineRows = current?.rowCount
                    }
                }
                report.data.append(row)
            }
        }
        return report
    }

    static func isNumeric(_ type: ColumnType) -> Bool { type == .int || type == .float }

    /// A step's dataset outputs by port.
    static func datasetOutputs(_ step: StepRecord) -> [String: ArtifactRef] {
        guard let text = step.outputs, case .object(let fields)? = try? JSONValue(parsing: text) else { return [:] }
        var refs: [String: ArtifactRef] = [:]
        for (port, value) in fields {
            guard let digest = value["artifact"]?.stringValue, value["type"]?.stringValue == PortType.dataset.rawValue else { continue }
            refs[port] = ArtifactRef(digest: digest, type: .dataset, size: Int64(value["size"]?.doubleValue ?? 0))
        }
        return refs
    }

    static func schemaChanges(from base: Dataset, to current: Dataset) -> [String] {
        var changes: [String] = []
        for column in current.columns {
            if let old = base.column(named: column.name) {
                if old.type != column.type { changes.append("`\(column.name)` \(old.type) → \(column.type)") }
            } else {
                changes.append("+ `\(column.name)` (\(column.type))")
            }
        }
        for column in base.columns where current.column(named: column.name) == nil { changes.append("− `\(column.name)`") }
        return changes
    }

    // MARK: - Chart

    /// The main metric's series in this run (and the baseline run), or, when it has none, its
    /// final value over the pipeline's recent runs; nil when there is nothing to draw.
    static func chart(for report: RunReport, store: any MetadataStore, history: Int = 20) throws -> SVGChart? {
        guard let metric = report.mainMetric else { return nil }
        var lines: [(label: String, points: [(Double, Double)])] = []
        var runs = [report.run]
        if let base = report.baselineRun, base.id != report.run.id { runs.append(base) }
        for run in runs {
            let points = try store.metrics(runID: run.id).filter { $0.key == metric && $0.iteration != nil }
            guard !points.isEmpty else { continue }
            let series = points.sorted { $0.iteration! < $1.iteration! }.map { (Double($0.iteration!), $0.value) }
            lines.append(("\(run.id == report.run.id ? "this run" : "baseline") \(run.id.suffix(9))", series))
        }
        if !lines.isEmpty { return SVGChart(title: "\(metric) by step", lines: lines) }
        // Final values over the pipeline's runs up to this one, oldest first.
        let recent = try store.runs(RunQuery(pipeline: report.run.pipeline, limit: 200)).filter { $0.createdAt <= report.run.createdAt }
            .sorted { $0.createdAt < $1.createdAt }.suffix(history)
        var points: [(Double, Double)] = []
        for (index, run) in recent.enumerated() {
            if let value = try Baselines.runMetrics(run.id, store: store, gate: nil)[metric] { points.append((Double(index + 1), value)) }
        }
        guard !points.isEmpty else { return nil }
        lines.append(("\(report.run.pipeline): the last \(recent.count) runs, this one last", points))
        if let base = report.metrics.first(where: { $0.name == metric })?.baseline, let first = points.first?.0, let last = points.last?.0 {
            lines.append(("baseline \(MetricThresholds.format(base))", [(first, base), (max(last, first + 1), base)]))
        }
        return SVGChart(title: "\(metric) by run", lines: lines)
    }

    // MARK: - Markdown

    static func number(_ value: Double?) -> String {
        guard let value else { return "–" }
        if value == value.rounded(), abs(value) < 1e15 { return String(Int(value)) }
        return String(format: "%.4g", value)
    }

    static func arrow(_ change: Double) -> String { change > 0 ? "▲" : change < 0 ? "▼" : "=" }

    static func signed(_ value: Double, percent: Bool = false) -> String {
        if value == 0 { return percent ? "= 0.00%" : "= 0" }
        let text = percent ? String(format: "%+.2f%%", value * 100) : (value >= 0 ? "+" : "") + number(value)
        return "\(arrow(value)) \(text)"
    }

    /// Text inside a table cell: pipes escaped, line breaks as spaces.
    static func cell(_ text: String) -> String {
        text.replacingOccurrences(of: "|", with: "\\|").replacingOccurrences(of: "\n", with: " ")
    }

    static func icon(_ status: String) -> String {
        switch status {
        case "succeeded", "approved", "passed": return "✅"
        case "failed", "rejected": return "❌"
        case "cancelled": return "⊘"
        case "skipped": return "⏭"
        default: return "⏸"
        }
    }

    /// The report as GitHub-flavoured Markdown.
    func markdown() -> String {
        var out = "## \(Self.icon(run.status.rawValue)) mlp run `\(run.id)` · \(run.pipeline) · \(run.status.rawValue)\n\n"
        var facts: [String] = []
        if let commit = run.gitCommit { facts.append("commit `\(commit.prefix(12))`\(run.gitDirty == true ? " (dirty)" : "")") }
        if let start = run.startedAt, let end = run.finishedAt { facts.append("took \(Format.duration(end - start))") }
        let counts = Dictionary(grouping: steps, by: \.status).mapValues(\.count)
        facts.append(counts.keys.map(\.rawValue).sorted().map { "\(counts[StepStatus(rawValue: $0)!]!) \($0)" }.joined(separator: ", "))
        out += facts.joined(separator: " · ") + "\n\n"
        if let baselineLabel {
            out += "Compared with **\(baselineLabel)**.\n\n"
        } else {
            out += "_\(baselineNote ?? "No baseline: give `--against @champion` or a run id for deltas.")_\n\n"
        }
        if let error = run.error { out += "> \(Self.cell(error))\n\n" }

        if !gates.isEmpty {
            out += "### Gates\n\n"
            for gate in gates {
                out += "- \(Self.icon(gate.status)) **\(gate.step)**: \(gate.status)" + (gate.decidedBy.map { " by \($0)" } ?? "")
                    + (gate.comment.map { " — \(Self.cell($0.count > 240 ? String($0.prefix(240)) + "…" : $0))" } ?? "") + "\n"
                for result in gate.thresholds {
                    let mark = result.status == .passed ? "✅" : result.status == .failed ? "❌" : "⏭"
                    out += "  - \(mark) `\(result.name)`: \(Self.cell(result.message))\n"
                }
            }
            out += "\n"
        }

        out += "### Metrics\n\n"
        if metrics.isEmpty {
            out += "_The run logged no final metric._\n\n"
        } else if baselineLabel != nil {
            out += "| metric | this run | baseline | Δ | Δ % |\n|---|---:|---:|---:|---:|\n"
            for row in metrics {
                let name = row.name == mainMetric ? "**\(row.name)**" : row.name
                out += "| \(name) | \(Self.number(row.value)) | \(Self.number(row.baseline)) | \(row.change.map { Self.signed($0) } ?? "–") | \(row.relative.map { Self.signed($0, percent: true) } ?? "–") |\n"
            }
            out += "\n"
        } else {
            out += "| metric | this run |\n|---|---:|\n"
            for row in metrics { out += "| \(row.name == mainMetric ? "**\(row.name)**" : row.name) | \(Self.number(row.value)) |\n" }
            out += "\n"
        }
        if let chartLink { out += "![\(chartTitle ?? mainMetric ?? "chart")](\(chartLink))\n\n" }

        out += "### Params\n\n"
        if params.isEmpty {
            out += "_The pipeline has no params._\n\n"
        } else if baselineRun != nil {
            out += "| param | this run | baseline |\n|---|---|---|\n"
            for row in params {
                out += "| \(row.changed ? "**\(row.name)** (changed)" : row.name) | `\(Self.cell(row.value ?? "–"))` | `\(Self.cell(row.baseline ?? "–"))` |\n"
            }
            out += "\n"
        } else {
            out += "| param | value |\n|---|---|\n"
            for row in params { out += "| \(row.name) | `\(Self.cell(row.value ?? "–"))` |\n" }
            out += "\n"
        }

        if !data.isEmpty {
            out += "### Data\n\n| dataset | rows | Δ rows | schema | drift |\n|---|---:|---:|---|---|\n"
            for row in data {
                let delta = row.rows.flatMap { rows in row.baselineRows.map { Self.signed(Double(rows - $0)) } } ?? "–"
                let schema: String
                if row.baselineDigest == nil {
                    schema = row.columns.isEmpty ? "–" : "\(row.columns.count) columns"
                } else if row.baselineDigest == row.digest {
                    schema = "same data (`\(row.digest.prefix(12))`)"
                } else {
                    schema = row.schemaChanges.isEmpty ? "unchanged" : row.schemaChanges.joined(separator: ", ")
                }
                var drift = "–"
                if let report = row.drift {
                    let top = report.features.max { $0.psi < $1.psi }
                    drift = report.drifted.isEmpty ? "none" : "**\(report.drifted.count) drifted**: " + report.drifted.prefix(5).map { "`\($0)`" }.joined(separator: ", ")
                    if let top { drift += " (max PSI \(Self.number(top.psi)) in `\(top.name)`)" }
                } else if let note = row.note {
                    drift = "_\(note)_"
                }
                out += "| `\(row.name)` | \(row.rows.map(String.init) ?? "–") | \(delta) | \(Self.cell(schema)) | \(Self.cell(drift)) |\n"
            }
            out += "\n"
        }
        out += "<sub>`mlp report \(run.id)`\(baselineLabel == nil ? "" : " against \(Self.cell(baselineLabel!))")</sub>\n"
        return out
    }

    /// The report as JSON (`mlp report --json`).
    var json: JSONValue {
        func optional(_ value: Double?) -> JSONValue { value.map { .number($0) } ?? .null }
        var fields: [String: JSONValue] = [
            "run": .string(run.id), "pipeline": .string(run.pipeline), "status": .string(run.status.rawValue),
            "baseline": baselineLabel.map { .string($0) } ?? .null,
            "baseline_run": baselineRun.map { .string($0.id) } ?? .null,
            "main_metric": mainMetric.map { .string($0) } ?? .null,
            "chart": chartLink.map { .string($0) } ?? .null,
        ]
        if let baselineNote { fields["baseline_note"] = .string(baselineNote) }
        fields["metrics"] = .array(metrics.map { row in
            .object(["name": .string(row.name), "value": optional(row.value), "baseline": optional(row.baseline),
                     "change": optional(row.change), "relative_change": optional(row.relative)])
        })
        fields["params"] = .array(params.map { row in
            .object(["name": .string(row.name), "value": row.value.map { JSONView.parse($0) } ?? .null,
                     "baseline": row.baseline.map { JSONView.parse($0) } ?? .null, "changed": .bool(row.changed)])
        })
        fields["gates"] = .array(gates.map { gate in
            .object(["step": .string(gate.step), "status": .string(gate.status), "by": gate.decidedBy.map { .string($0) } ?? .null,
                     "comment": gate.comment.map { .string($0) } ?? .null, "thresholds": .array(gate.thresholds.map(\.json))])
        })
        fields["data"] = .array(data.map { row in
            var item: [String: JSONValue] = ["name": .string(row.name), "digest": .string(row.digest),
                                             "rows": row.rows.map { .number(Double($0)) } ?? .null,
                                             "baseline_digest": row.baselineDigest.map { .string($0) } ?? .null,
                                             "baseline_rows": row.baselineRows.map { .number(Double($0)) } ?? .null,
                                             "schema_changes": .array(row.schemaChanges.map { .string($0) })]
            if let drift = row.drift {
                item["drifted"] = .array(drift.drifted.map { .string($0) })
                item["psi"] = .object(Dictionary(drift.features.map { ($0.name, JSONValue.number($0.psi)) }, uniquingKeysWith: { a, _ in a }))
            }
            if let note = row.note { item["note"] = .string(note) }
            return .object(item)
        })
        return .object(fields)
    }
}
