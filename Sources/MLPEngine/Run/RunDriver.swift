import Foundation
import MLPCore
import MLPStore

/// One step of the run being driven, with its fan-out children when it has them.
final class StepState {
    let spec: StepSpec
    let descriptor: StepKindDescriptor
    /// The outputs one unit produces (a fan-out's parent offers them as lists).
    let unitOutputs: [String: PortType]
    var record: StepRecord
    var children: [StepRecord] = []
    var childOutputs: [[String: PortValue]] = []
    var finishedChildren = 0
    var badChildren = 0
    /// Units of this step already queued in this drive.
    var scheduled = false

    init(spec: StepSpec, descriptor: StepKindDescriptor, record: StepRecord) {
        self.spec = spec
        self.descriptor = descriptor
        self.record = record
        unitOutputs = descriptor.userDeclaresOutputs
            ? Dictionary(uniqueKeysWithValues: spec.outputs.map { ($0.name, $0.type) })
            : descriptor.outputs
    }

    var isFanOut: Bool { spec.foreach != nil }
    var isGate: Bool { BuiltinKind(uses: spec.uses) == .approval }
}

/// Drives one run: schedules ready units with bounded parallelism, handles fan-out, approval
/// gates, cancellation and the end of the run. All state lives in the store; this object only
/// mirrors it, so a new driver can pick the run up wherever the last one stopped.
final class RunDriver {
    enum Event: Sendable {
        case tick
        case unit(UnitResult)
    }

    let engine: Engine
    var run: RunRecord
    let spec: PipelineSpec
    let runner: StepRunner
    let observer: (any RunObserver)?
    let stopAtGates: Bool
    let cancellation: CancellationSignal
    let store: any MetadataStore
    var params: [String: PortValue] = [:]
    var states: [StepState] = []
    var byName: [String: StepState] = [:]
    var outputs: [String: [String: PortValue]] = [:]
    var queue: [(StepState, Int?)] = []
    var queueHead = 0
    var running = 0
    var waitingGates: [String] = []
    var cancelling: String?
    var lastCancelCheck = Date.distantPast
    let resumed: Bool

    init(engine: Engine, run: RunRecord, observer: (any RunObserver)?, stopAtGates: Bool, cancellation: CancellationSignal) throws {
        self.engine = engine
        self.run = run
        self.observer = observer
        self.stopAtGates = stopAtGates
        self.cancellation = cancellation
        self.store = engine.store
        resumed = run.status != .pending
        do {
            spec = try engine.load(text: run.pipelineText, file: run.pipelineFile)
        } catch {
            throw EngineError("the pipeline recorded with run \(run.id) no longer checks:\n\(error)")
        }
        runner = StepRunner(project: engine.project, store: engine.store, artifacts: engine.artifacts, registry: engine.registry,
                            observer: observer, baseEnvironment: ProcessInfo.processInfo.environment)
        try engine.stopLeftovers(runID: run.id)
        for param in try store.params(runID: run.id) {
            if let json = try? JSONValue(parsing: param.value), let value = PortValue(json: json, as: param.type) { params[param.name] = value }
        }
        var rows: [String: [StepRecord]] = [:]
        for row in try store.steps(runID: run.id) { rows[row.name, default: []].append(row) }
        for stepSpec in spec.steps {
            guard let descriptor = engine.checker.descriptor(uses: stepSpec.uses),
                  let parent = rows[stepSpec.name]?.first(where: { $0.index == nil }) else {
                throw EngineError("run \(run.id) has no record of step '\(stepSpec.name)'")
            }
            let state = StepState(spec: stepSpec, descriptor: descriptor, record: parent)
            if state.isFanOut {
                state.children = (rows[stepSpec.name] ?? []).filter { $0.index != nil }.sorted { $0.index! < $1.index! }
                state.childOutputs = state.children.map { StepRunner.decode($0.outputs, types: state.unitOutputs) }
                for child in state.children where child.status.isFinished {
                    state.finishedChildren += 1
                    if !child.status.isDone { state.badChildren += 1 }
                }
            }
            if parent.status.isDone {
                let types = stepSpec.foreach != nil ? state.unitOutputs.mapValues { _ in PortType.json } : state.unitOutputs
                outputs[stepSpec.name] = StepRunner.decode(parent.outputs, types: types)
            }
            if parent.status == .waiting { waitingGates.append(stepSpec.name) }
            states.append(state)
            byName[stepSpec.name] = state
        }
    }

    func now() -> Double { Date().timeIntervalSince1970 }

    func drive() async throws -> RunRecord {
        try setRunStatus(waitingGates.isEmpty ? .running : .waiting)
        observer?.handle(.started(run, resumed: resumed))
        // Decisions made while no process drove the run; a driver that stops at gates would
        // otherwise stop before its first poll.
        try pollGates()
        try await withThrowingTaskGroup(of: Event.self) { group in
            var tickPending = false
            while true {
                if cancelling == nil, let reason = cancelReason() {
                    cancelling = reason
                    observer?.handle(.cancelling(reason: reason))
                    group.cancelAll()
                }
                if cancelling == nil {
                    try advance()
                    if try launch(into: &group) {
                        // Let finished tasks and signals in before the next batch of in-process units.
                        await Task.yield()
                        continue
                    }
                }
                if running == 0, cancelling != nil || queueHead == queue.count {
                    if cancelling != nil {
                        try finishCancelled()
                        break
                    }
                    if !waitingGates.isEmpty {
                        if run.status != .waiting { try setRunStatus(.waiting) }
                        if stopAtGates { break }
                    } else {
                        try finish()
                        break
                    }
                }
                if !tickPending, cancelling == nil {
                    group.addTask {
                        try? await Task.sleep(nanoseconds: 100_000_000)
                        return .tick
                    }
                    tickPending = true
                }
                guard let event = try await group.next() else { break }
                switch event {
                case .tick:
                    tickPending = false
                    if cancelling == nil { try pollGates() }
                case .unit(let result):
                    running -= 1
                    try absorb(result)
                }
            }
            group.cancelAll()
        }
        run = try store.run(id: run.id) ?? run
        observer?.handle(.finished(run))
        return run
    }

    // MARK: - Scheduling

    func isBlocking(_ status: StepStatus) -> Bool {
        status == .failed || status == .skipped || status == .cancelled || status == .rejected
    }

    /// Moves every step whose dependencies allow it: skips it, opens its gate, fans it out or queues it.
    func advance() throws {
        for state in states where !state.scheduled && state.record.status == .pending {
            let dependencies = state.spec.dependencies.compactMap { byName[$0] }
            if let bad = dependencies.first(where: { isBlocking($0.record.status) }) {
                try skip(state, because: "upstream step '\(bad.spec.name)' \(bad.record.status == .skipped ? "was skipped" : bad.record.status.rawValue)")
                continue
            }
            guard dependencies.allSatisfy({ $0.record.status.isDone }) else { continue }
            state.scheduled = true
            if state.isGate {
                try openGate(state)
            } else if state.isFanOut {
                try fanOut(state)
            } else {
                queue.append((state, nil))
            }
        }
    }

    /// Starts queued units in order: process-backed ones while fewer than `parallelism` run, and
    /// in-process built-ins right here (they only commit a state change), at most `inlineBudget`
    /// of them per call so the loop still looks at cancellations and finished tasks. The
    /// in-process units of one call are settled together (one cache lookup for all their keys)
    /// and their state changes committed in one transaction before the driver counts them as
    /// finished (group commit: a 10,000-item fan-out of `noop` is ~20 transactions, not 10,000;
    /// a crash before the commit leaves those items pending, and `mlp resume` runs them).
    /// Returns whether the caller should look again before waiting: in-process work is left in the
    /// queue, or units settled here may have made other steps ready.
    @discardableResult
    func launch(into group: inout ThrowingTaskGroup<Event, Error>, inlineBudget: Int = 512) throws -> Bool {
        var inlineLeft = inlineBudget
        var failedToStart = false
        var inlineJobs: [UnitJob] = []
        func flush() throws {
            guard !inlineJobs.isEmpty else { return }
            let jobs = inlineJobs
            inlineJobs = []
            var settled: [SettledUnit] = []
            for outcome in runner.settleInProcess(jobs) {
                switch outcome {
                case .settled(let unit): settled.append(unit)
                case .committed(let result): try absorb(result)
                }
            }
            for result in runner.commit(settled) { try absorb(result) }
        }
        while queueHead < queue.count {
            let (state, index) = queue[queueHead]
            let inProcess = StepRunner.isInProcess(state.spec.uses)
            if inProcess ? inlineLeft == 0 : running >= run.parallelism {
                try flush()
                return inProcess
            }
            queueHead += 1
            let runner = self.runner
            do {
                let job = try makeJob(state, index: index)
                if inProcess {
                    inlineLeft -= 1
                    inlineJobs.append(job)
                    continue
                }
                running += 1
                group.addTask { .unit(await runner.execute(job)) }
            } catch {
                var record = index.map { state.children[$0] } ?? state.record
                record.status = .failed
                record.error = "\(error)"
                record.finishedAt = now()
                _ = try? store.commit(StateChange(steps: [record]))
                observer?.handle(.stepFinished(record))
                try? absorb(UnitResult(record: record, outputs: [:]))
                failedToStart = true
            }
        }
        // Units settled here may have made other steps ready (a step after a `register`): the
        // caller must advance again before deciding the run is over.
        try flush()
        return inlineLeft < inlineBudget || failedToStart
    }

    func resolver(for state: StepState, index: Int?) -> ValueResolver {
        let item = index.flatMap { state.children[$0].item }.flatMap { try? JSONValue(parsing: $0) }
        let artifacts = engine.artifacts
        return ValueResolver(params: params, outputs: outputs, item: item, index: index,
                             artifactPath: { (try? artifacts.path(for: $0)) ?? artifacts.blobPath($0.digest) })
    }

    func makeJob(_ state: StepState, index: Int?) throws -> UnitJob {
        let record = index.map { state.children[$0] } ?? state.record
        let resolver = resolver(for: state, index: index)
        var config: [String: PortValue] = [:]
        var env: [String: String] = [:]
        for entry in state.spec.with {
            // Program text: each reference becomes an environment variable the text names, so a
            // value is data, never code; the values join the cache key through the environment.
            if let language = state.descriptor.input(named: entry.key)?.language, let script = ScriptTemplate(entry.value, language: language) {
                var types: [PortType?] = []
                for slot in script.slots {
                    let value = try resolver.resolve(slot.reference)
                    env[slot.variable] = value.scriptText(artifactPath: resolver.artifactPath)
                    types.append(ScriptTemplate.scriptType(of: value))
                }
                config[entry.key] = .string(script.render(types: types))
            } else {
                config[entry.key] = try resolver.resolve(entry.value)
            }
        }
        for entry in state.spec.env {
            env[entry.key] = try resolver.resolve(entry.value).scriptText(artifactPath: resolver.artifactPath)
        }
        return UnitJob(record: record, spec: state.spec, descriptor: state.descriptor, outputTypes: state.unitOutputs, config: config,
                       env: env, item: resolver.item, priorAttempts: record.attempts, useCache: !run.noCache)
    }

    /// Creates the children of a fan-out step (once; a resumed run reuses them) and queues the unfinished ones.
    func fanOut(_ state: StepState) throws {
        if state.record.childCount == nil {
            let items: [JSONValue]
            do { items = try fanOutItems(state) } catch {
                state.record.status = .failed
                state.record.error = "\(error)"
                state.record.finishedAt = now()
                try store.commit(StateChange(steps: [state.record]))
                observer?.handle(.stepFinished(state.record))
                return
            }
            state.record.childCount = items.count
            state.record.status = .running
            state.record.startedAt = now()
            let children = items.enumerated().map { index, item in
                StepRecord(runID: run.id, name: state.spec.name, index: index, kind: state.spec.uses, item: item.canonicalText)
            }
            state.children = try store.commit(StateChange(steps: [state.record], newSteps: children)).newSteps
            state.childOutputs = Array(repeating: [:], count: items.count)
            observer?.handle(.fannedOut(step: state.spec.name, count: items.count))
        } else {
            state.record.status = .running
            try store.commit(StateChange(steps: [state.record]))
        }
        if state.finishedChildren == state.children.count {
            try completeFanOut(state)
            return
        }
        for (index, child) in state.children.enumerated() where !child.status.isFinished {
            queue.append((state, index))
        }
    }

    func fanOutItems(_ state: StepState) throws -> [JSONValue] {
        let resolver = resolver(for: state, index: nil)
        let most = ForeachSpec.maxItems
        switch state.spec.foreach! {
        case .list(let items):
            return try items.map { try resolver.resolve($0).json }
        case .range(let count):
            guard case .int(let n) = try resolver.resolve(count), n >= 0 else { throw ResolutionError(message: "foreach range must be a whole number ≥ 0") }
            guard n <= most else {
                throw ResolutionError(message: "foreach range is \(n), more than the \(most) items a fan-out may have; split the work into fewer, larger items")
            }
            return (0..<n).map { .number(Double($0)) }
        case .reference(let reference):
            let value = try resolver.resolve(reference)
            guard case .json(.array(let items)) = value else {
                throw ResolutionError(message: "foreach expects a list, but '\(reference.text)' is \(value.json.canonicalText.prefix(60))")
            }
            guard items.count <= most else {
                throw ResolutionError(message: "'\(reference.text)' lists \(items.count) items, more than the \(most) a fan-out may have")
            }
            return items
        }
    }

    func completeFanOut(_ state: StepState) throws {
        if state.badChildren > 0 {
            let first = state.children.first { !$0.status.isDone }
            state.record.status = .failed
            state.record.error = "\(state.badChildren) of \(state.children.count) items did not succeed" + (first.map { "; first: \($0.displayName): \($0.error ?? $0.status.rawValue)" } ?? "")
        } else {
            var lists: [String: PortValue] = [:]
            for name in state.unitOutputs.keys {
                lists[name] = .json(.array(state.childOutputs.map { $0[name]?.json ?? .null }))
            }
            let allCached = !state.children.isEmpty && state.children.allSatisfy { $0.status == .cached }
            state.record.status = allCached ? .cached : .succeeded
            state.record.cacheHit = allCached
            state.record.outputs = StepRunner.encode(lists)
            outputs[state.spec.name] = lists
        }
        state.record.finishedAt = now()
        if state.record.startedAt == nil { state.record.startedAt = state.record.finishedAt }
        try store.commit(StateChange(steps: [state.record]))
        observer?.handle(.stepFinished(state.record))
    }

    func absorb(_ result: UnitResult) throws {
        guard let state = byName[result.record.name] else { return }
        if let index = result.record.index {
            state.children[index] = result.record
            state.childOutputs[index] = result.outputs
            if result.record.status.isFinished {
                state.finishedChildren += 1
                if !result.record.status.isDone { state.badChildren += 1 }
            }
            if state.finishedChildren == state.children.count, !state.record.status.isFinished, cancelling == nil {
                try completeFanOut(state)
            }
        } else {
            state.record = result.record
            if result.record.status.isDone { outputs[state.spec.name] = result.outputs }
        }
    }

    func skip(_ state: StepState, because reason: String) throws {
        var change = StateChange()
        let stamp = now()
        state.record.status = .skipped
        state.record.error = "not run: \(reason)"
        state.record.finishedAt = stamp
        change.steps.append(state.record)
        for index in state.children.indices where state.children[index].status == .pending {
            state.children[index].status = .skipped
            state.children[index].error = "not run: \(reason)"
            state.children[index].finishedAt = stamp
            change.steps.append(state.children[index])
        }
        try store.commit(change)
        observer?.handle(.stepFinished(state.record))
    }

    // MARK: - Approval gates

    func openGate(_ state: StepState) throws {
        let resolver = resolver(for: state, index: nil)
        var shown: JSONValue?
        var note: String?
        if let show = state.spec.input("show") {
            do { shown = try resolver.resolve(show).json } catch { note = "cannot show '\(error)'" }
        }
        var rule: String?
        var autoApproved = false
        if let ruleExpr = state.spec.input("auto_approve_if"), case .string(let text) = try resolver.resolve(ruleExpr) {
            rule = text
            do {
                let verdict = try ApprovalRule(parsing: text).check(shown ?? .object([:]))
                autoApproved = verdict.holds
                if !verdict.holds {
                    note = "auto_approve_if \"\(text)\" did not hold: " + verdict.failedClauses.map { "\($0) failed" }.joined(separator: "; ")
                }
            } catch {
                note = "auto_approve_if could not be evaluated: \(error)"
            }
        }
        // Metric gates (`thresholds:`): their results are kept as the gate's `thresholds` output;
        // a failure rejects the gate at once unless `on_threshold_failure: wait`.
        let thresholds = checkThresholds(state, shown: shown, resolver: resolver)
        var thresholdRejection: String?
        if let thresholds {
            state.record.outputs = StepRunner.encode(["thresholds": .json(.array(thresholds.results.map(\.json)))])
            if let failure = thresholds.failure {
                autoApproved = false
                if thresholdsWait(state, resolver: resolver) { note = [note, failure].compactMap { $0 }.joined(separator: "; ") } else { thresholdRejection = failure }
            } else if rule == nil {
                autoApproved = true
            }
        }
        let stamp = now()
        var approval = ApprovalRecord(runID: run.id, stepID: state.record.id!, step: state.spec.name, shown: shown?.canonicalText, rule: rule,
                                      requestedAt: stamp, deadline: state.spec.timeout.map { stamp + $0.seconds })
        state.record.startedAt = stamp
        if let thresholdRejection {
            approval.status = .rejected
            approval.decidedAt = stamp
            approval.decidedBy = "thresholds"
            approval.comment = thresholdRejection
            try applyDecision(state, approval, insert: true)
        } else if autoApproved {
            approval.status = .approved
            approval.decidedAt = stamp
            approval.decidedBy = "auto"
            approval.comment = rule.map { "auto_approve_if \"\($0)\" held for \(shown?.canonicalText ?? "{}")" } ?? "every threshold held"
            if rule != nil, thresholds != nil { approval.comment! += "; every threshold held" }
            try applyDecision(state, approval, insert: true)
        } else {
            if let note { approval.comment = note }
            state.record.status = .waiting
            let committed = try store.commit(StateChange(steps: [state.record], approval: approval))
            waitingGates.append(state.spec.name)
            observer?.handle(.gateWaiting(committed.approval!))
        }
    }

    func pollGates() throws {
        guard !waitingGates.isEmpty else { return }
        for name in waitingGates {
            guard let state = byName[name], var approval = try store.approval(runID: run.id, step: name) else { continue }
            if approval.status == .pending, let deadline = approval.deadline, now() >= deadline {
                let approve = (state.spec.input("on_timeout").flatMap { try? resolver(for: state, index: nil).resolve($0) }) == .string("approve")
                do {
                    approval = try store.decide(runID: run.id, step: name, approve: approve, by: "timeout",
                                                comment: "no decision within \(state.spec.timeout!); on_timeout: \(approve ? "approve" : "reject")"
                                                    + (approval.comment.map { " (\($0))" } ?? ""))
                } catch {
                    approval = try store.approval(runID: run.id, step: name) ?? approval
                }
            }
            if approval.status != .pending { try applyDecision(state, approval, insert: false) }
        }
    }

    func applyDecision(_ state: StepState, _ approval: ApprovalRecord, insert: Bool) throws {
        let approved = approval.status == .approved
        state.record.status = approved ? .succeeded : .rejected
        state.record.finishedAt = now()
        state.record.error = approved ? nil : "rejected by \(approval.decidedBy ?? "?")" + (approval.comment.map { ": \($0)" } ?? "")
        var values: [String: PortValue] = ["approved": .bool(approved), "by": .string(approval.decidedBy ?? ""), "comment": .string(approval.comment ?? "")]
        if let checked = StepRunner.decode(state.record.outputs, types: ["thresholds": .json])["thresholds"] { values["thresholds"] = checked }
        state.record.outputs = StepRunner.encode(values)
        var change = StateChange(steps: [state.record], approval: insert ? approval : nil)
        if run.status == .waiting { change.run = .init(id: run.id, status: .running) }
        try store.commit(change)
        if change.run != nil { run.status = .running }
        if approved { outputs[state.spec.name] = values }
        waitingGates.removeAll { $0 == state.spec.name }
        observer?.handle(.gateDecided(approval))
        observer?.handle(.stepFinished(state.record))
    }

    // MARK: - Cancellation and the end of the run

    func cancelReason() -> String? {
        if let reason = cancellation.reason { return reason }
        let stamp = Date()
        guard stamp.timeIntervalSince(lastCancelCheck) >= 0.1 else { return nil }
        lastCancelCheck = stamp
        if let stored = try? store.run(id: run.id), stored.cancelRequested { return "cancelled with `mlp cancel`" }
        return nil
    }

    func finishCancelled() throws {
        let stamp = now()
        var change = StateChange(run: .init(id: run.id, status: .cancelled, error: cancelling))
        for state in states {
            for index in state.children.indices where !state.children[index].status.isFinished {
                state.children[index].status = .cancelled
                state.children[index].finishedAt = stamp
                change.steps.append(state.children[index])
            }
            if !state.record.status.isFinished {
                state.record.status = .cancelled
                state.record.finishedAt = stamp
                state.record.error = "cancelled"
                change.steps.append(state.record)
            }
        }
        try store.commit(change)
    }

    func finish() throws {
        let unfinished = states.filter { !$0.record.status.isFinished }
        if !unfinished.isEmpty {
            throw EngineError("the run is stuck: \(unfinished.map(\.spec.name).joined(separator: ", ")) can neither run nor be skipped")
        }
        let failed = states.first { $0.record.status == .failed }
        let rejected = states.first { $0.record.status == .rejected }
        let cancelled = states.first { $0.record.status == .cancelled }
        let status: RunStatus
        var error: String?
        if let failed {
            status = .failed
            error = "step '\(failed.spec.name)' failed: \(failed.record.error ?? "")"
        } else if let rejected {
            status = .rejected
            error = "gate '\(rejected.spec.name)' \(rejected.record.error ?? "was rejected")"
        } else if let cancelled {
            status = .cancelled
            error = "step '\(cancelled.spec.name)' was cancelled"
        } else {
            status = .succeeded
        }
        try setRunStatus(status, error: error)
    }

    func setRunStatus(_ status: RunStatus, error: String? = nil) throws {
        try store.commit(StateChange(run: .init(id: run.id, status: status, error: error)))
        run.status = status
        run.error = error
    }
}
