import ArgumentParser
import Foundation
import MLPCore
import MLPEngine
import MLPStore
import MLPTUI

extension MLPCommandLine {
    struct Show: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Show a run: what makes it reproducible, its params, steps, outputs and metrics.")

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions
        @OptionGroup var output: OutputOptions

        @Argument(help: "The run id, a unique prefix of it, or `latest`.")
        var run: String = "latest"

        @Flag(name: .long, help: "Say for each step why it hit or missed the cache.")
        var explainCache = false

        @Flag(name: .long, help: "List every item of fan-out steps too.")
        var all = false

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let record = try store.findRun(run)
            let state = location.state(record)
            let steps = try store.steps(runID: record.id)
            let params = try store.params(runID: record.id)
            let metrics = try store.metrics(runID: record.id).filter { $0.iteration == nil }
            let explanations = explainCache ? try explain(record, steps, store) : [:]
            if output.json {
                var fields: [String: JSONValue] = ["run": state.adding(to: JSONView.run(record))]
                fields["params"] = .object(Dictionary(uniqueKeysWithValues: params.map { ($0.name, JSONView.parse($0.value)) }))
                fields["steps"] = .array(steps.filter { all || $0.index == nil }.map { step in
                    guard case .object(var view) = JSONView.step(step) else { return .null }
                    if let lines = explanations[step.id!] { view["cache_explanation"] = .array(lines.map { .string($0) }) }
                    return .object(view)
                })
                fields["metrics"] = .array(metrics.map { .object(["key": .string($0.key), "value": .number($0.value), "step_id": $0.stepID.map { .number(Double($0)) } ?? .null]) })
                try Format.printJSON(JSONValue.object(fields))
                return
            }
            say("run       \(record.id)")
            say("pipeline  \(record.pipeline)  (\(record.pipelineFile), sha256 \(record.pipelineDigest.prefix(12)))")
            say("status    \(state.label)" + (state.interrupted ? " — \(RunState.hint(record.id))" : record.error.map { " — \($0)" } ?? ""))
            say("started   \(Format.time(record.startedAt ?? record.createdAt)) · took \(Format.duration(from: record.startedAt, to: state.end))")
            let git = record.gitCommit.map { "\($0.prefix(12))\(record.gitDirty == true ? " (dirty)" : "")" } ?? "not a git checkout"
            say("source    git \(git) · mlp \(record.mlpVersion) · host \(record.host)")
            if !params.isEmpty {
                say("params    " + params.map { "\($0.name)=\(Format.value(JSONView.parse($0.value), limit: 30))" }.joined(separator: "  "))
            }
            say("")
            var table = TextTable("STEP", "KIND", "STATUS", "ATTEMPTS", "TOOK", "OUTPUTS")
            let children = Dictionary(grouping: steps.filter { $0.index != nil }, by: \.name)
            for step in steps where step.index == nil {
                var status = "\(step.status.symbol) \(state.interrupted && step.status == .running ? "interrupted" : step.status.rawValue)"
                if let count = step.childCount {
                    let done = children[step.name]?.filter { $0.status.isDone }.count ?? 0
                    status += " \(done)/\(count)"
                }
                table.add(row: [step.name, step.kind, status, step.attempts > 0 ? String(step.attempts) : "-",
                                Format.duration(from: step.startedAt, to: step.finishedAt), outputs(step)])
                for child in (children[step.name] ?? []) where all || (!child.status.isDone && child.status != .pending && child.status != .skipped) {
                    table.add(row: ["  \(child.displayName)", "", "\(child.status.symbol) \(child.status.rawValue)", String(child.attempts),
                                    Format.duration(from: child.startedAt, to: child.finishedAt), child.error ?? outputs(child)])
                }
            }
            say(table.render())
            let failures = steps.filter { $0.index == nil && ($0.status == .failed || $0.status == .rejected) }
            for step in failures { say("\n\(step.name): \(step.error ?? step.status.rawValue)") }
            if !metrics.isEmpty {
                say("\nmetrics   " + metrics.map { "\($0.key)=\(JSONValue.format($0.value))" }.joined(separator: "  "))
            }
            if explainCache {
                say("\ncache:")
                for step in steps where step.index == nil {
                    for (number, line) in (explanations[step.id!] ?? []).enumerated() {
                        say(number == 0 ? "  \(step.name.padding(toLength: max(12, step.name.count), withPad: " ", startingAt: 0))  \(line)" : "  \(String(repeating: " ", count: max(12, step.name.count)))    \(line)")
                    }
                }
            }
        }

        /// Prints text that holds recorded names and errors (a step's stderr): control characters
        /// are shown as visible escapes; `mlp logs` prints a log's raw bytes.
        func say(_ text: String) { print(TerminalText.shown(text)) }

        func outputs(_ step: StepRecord) -> String {
            guard case .object(let fields) = JSONView.parse(step.outputs), !fields.isEmpty else { return "" }
            return fields.keys.sorted().map { "\($0)=\(Format.value(fields[$0]!, limit: 28))" }.joined(separator: " ")
        }

        /// Why each step hit or missed the cache.
        func explain(_ run: RunRecord, _ steps: [StepRecord], _ store: any MetadataStore) throws -> [Int64: [String]] {
            var result: [Int64: [String]] = [:]
            let children = Dictionary(grouping: steps.filter { $0.index != nil }, by: \.name)
            for step in steps where step.index == nil {
                if let items = children[step.name] {
                    let cached = items.filter { $0.status == .cached }.count
                    var lines = ["\(items.count) items: \(cached) hit, \(items.count - cached) missed"]
                    for item in items where item.status != .cached && item.status != .pending && item.status != .skipped {
                        if lines.count > 3 {
                            lines.append("…")
                            break
                        }
                        lines.append(contentsOf: try explain(item, run, store).map { "\(item.displayName): \($0)" })
                    }
                    result[step.id!] = lines
                } else {
                    result[step.id!] = try explain(step, run, store)
                }
            }
            return result
        }

        func explain(_ step: StepRecord, _ run: RunRecord, _ store: any MetadataStore) throws -> [String] {
            if step.kind == "approval" { return ["never cached: an approval gate decides every run"] }
            if step.kind == "register" { return ["never cached: registering a model is a side effect"] }
            if step.status == .cached {
                guard let id = step.cachedFrom, let source = try store.step(id: id) else { return ["hit"] }
                return ["hit — same key as \(source.displayName) of run \(source.runID)"]
            }
            guard let parts = step.cacheParts, case .object(let current) = JSONView.parse(parts) else {
                return ["not run (\(step.status.rawValue))"]
            }
            if case .string(let reason)? = current["uncacheable"] { return ["never cached: \(reason)"] }
            if run.noCache { return ["miss — the run was started with --no-cache"] }
            guard let previous = try store.previousExecution(pipeline: run.pipeline, step: step.name, index: step.index, before: run.id),
                  case .object(let before) = JSONView.parse(previous.cacheParts) else {
                return ["miss — no earlier execution of this step"]
            }
            if previous.cacheKey == step.cacheKey {
                if !previous.status.isDone { return ["miss — the earlier execution with this key (run \(previous.runID)) \(previous.status.rawValue)"] }
                return ["miss — same key as run \(previous.runID), but caching is off for this step or its outputs are gone"]
            }
            let reasons = CacheKey.explain(current: current.compactMapValues(\.stringValue), previous: before.compactMapValues(\.stringValue))
            return reasons.isEmpty ? ["miss"] : reasons.enumerated().map { $0 == 0 ? "miss — \($1)" : $1 }
        }
    }
}
