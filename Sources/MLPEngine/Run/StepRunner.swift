import Foundation
#if canImport(Glibc)
import Glibc
#endif
import MLPCore
import MLPStore

/// Everything needed to run one unit (a step, or one item of a fan-out), prepared by the driver.
struct UnitJob: Sendable {
    var record: StepRecord
    var spec: StepSpec
    var descriptor: StepKindDescriptor
    /// The outputs this unit must produce (its own, not a fan-out's lists).
    var outputTypes: [String: PortType]
    var config: [String: PortValue]
    var env: [String: String]
    var item: JSONValue?
    /// Attempts made before this drive; retries count from here.
    var priorAttempts: Int
    var useCache: Bool
}

/// How a unit ended.
struct UnitResult: Sendable {
    var record: StepRecord
    var outputs: [String: PortValue]
}

/// A unit whose outcome is decided but not yet stored: the state change to commit and what the
/// driver learns once it is committed. The driver commits many of these in one transaction.
struct SettledUnit: Sendable {
    var change: StateChange
    var result: UnitResult
}

/// Runs one unit: looks for a cached execution, else makes attempts (with retries, backoff and
/// timeout) through the step's executor, collects its outputs into the artifact store, and
/// commits each state change in one transaction.
struct StepRunner: Sendable {
    let project: Project
    let store: any MetadataStore
    let artifacts: ArtifactStore
    let registry: PluginRegistry
    let observer: (any RunObserver)?
    let baseEnvironment: [String: String]

    enum AttemptOutcome {
        case succeeded(outputs: [String: PortValue], artifacts: [ArtifactRecord], metrics: [MetricRecord], exitCode: Int32?)
        case failed(message: String, exitCode: Int32?, timedOut: Bool)
        case cancelled
    }

    func now() -> Double { Date().timeIntervalSince1970 }

    /// What runs a unit's attempts.
    enum Backend {
        /// A process (or remote task) through a ``TaskExecutor``.
        case executor(any TaskExecutor)
        /// A ``DataConnector`` called inside mlp; writes the `data` output.
        case connector(any DataConnector)
        /// A ``Trainer`` called inside mlp; writes the `model` output.
        case trainer(any Trainer)

        /// Project files whose content joins the cache key.
        func codeFiles(_ config: [String: PortValue]) -> [String] {
            switch self {
            case .executor(let executor): return executor.codeFiles(for: config)
            case .connector(let connector): return connector.sourceFiles(for: config)
            case .trainer: return ProjectFiles.list(config["files"])
            }
        }

        /// Whether an earlier execution with the same key may stand in for this one.
        func isCacheable(_ config: [String: PortValue]) -> Bool {
            if case .connector(let connector) = self { return connector.isCacheable(for: config) }
            return true
        }

        /// Why the step is never reused (a connector's reason), joined to its cache parts as `uncacheable`.
        func uncacheableReason(_ config: [String: PortValue]) -> String? {
            if case .connector(let connector) = self, !connector.isCacheable(for: config) { return connector.uncacheableReason(for: config) }
            return nil
        }

        /// Key parts only the source can tell (a connector's server identity), asked only when the step is cacheable.
        func sourceIdentity(_ config: [String: PortValue], projectDirectory: String) async throws -> [String: String] {
            guard case .connector(let connector) = self, connector.isCacheable(for: config) else { return [:] }
            return try await connector.cacheIdentity(for: config, projectDirectory: projectDirectory)
        }

        /// Whether attempts run in a process that writes logs.
        var writesLogs: Bool { if case .executor = self { return true } else { return false } }
    }

    /// The backend behind a `uses:` that is not an in-process built-in.
    func resolveBackend(_ uses: String) throws -> Backend {
        let parts = uses.split(separator: "/", maxSplits: 1).map(String.init)
        if parts.count == 2 {
            switch parts[0] {
            case "connector":
                guard let connector = registry.connector(named: parts[1]) else { throw ResolutionError(message: "no connector '\(parts[1])' in this build of mlp") }
                return .connector(connector)
            case "trainer":
                guard let trainer = registry.trainer(named: parts[1]) else { throw ResolutionError(message: "no trainer '\(parts[1])' in this build of mlp") }
                return .trainer(trainer)
            default: break
            }
        }
        let name = uses.hasPrefix("executor/") ? String(uses.dropFirst(9)) : uses
        guard let executor = registry.executor(named: name) else {
            throw ResolutionError(message: "no executor runs step kind '\(uses)' in this build of mlp")
        }
        return .executor(executor)
    }

    /// Whether a unit runs inside mlp, synchronously, without an executor.
    static func isInProcess(_ uses: String) -> Bool {
        guard let kind = BuiltinKind(uses: uses) else { return false }
        return kind == .noop || kind == .register || kind.deploys
    }

    /// A unit's record with its cache key computed, and whether an earlier execution with that key
    /// may stand in for it.
    struct KeyedUnit {
        var step: StepRecord
        var mayReuse: Bool
    }

    /// Computes the unit's cache key and whether the cache may be consulted for it.
    func key(_ job: UnitJob, backend: Backend?, sourceIdentity: [String: String] = [:]) throws -> KeyedUnit {
        var step = job.record
        let codeFiles = backend?.codeFiles(job.config) ?? []
        var key = try CacheKey.compute(kind: job.spec.uses, version: job.descriptor.version, config: job.config, codeFiles: codeFiles,
                                       projectDirectory: project.root, env: job.env, item: job.item, outputs: job.outputTypes,
                                       formats: Self.datasetFormats(job.spec, config: job.config) ?? [:])
        let uncacheable = backend?.uncacheableReason(job.config)
        if !sourceIdentity.isEmpty || uncacheable != nil {
            var parts = key.parts
            for (name, value) in sourceIdentity { parts["source.\(name)"] = value }
            if let uncacheable { parts["uncacheable"] = uncacheable }
            key = CacheKey(parts: parts)
        }
        step.cacheKey = key.key
        step.cacheParts = JSONValue.object(key.parts.mapValues { .string($0) }).canonicalText
        let cacheable = (BuiltinKind(uses: job.spec.uses)?.isCacheable ?? true) && (backend?.isCacheable(job.config) ?? true)
        return KeyedUnit(step: step, mayReuse: job.useCache && job.spec.cache && cacheable)
    }

    /// Computes the unit's cache key and, when allowed, finds a reusable earlier execution (settled
    /// as a cache hit, not yet committed).
    func keyed(_ job: UnitJob, backend: Backend?, sourceIdentity: [String: String] = [:]) throws -> (StepRecord, SettledUnit?) {
        let keyed = try key(job, backend: backend, sourceIdentity: sourceIdentity)
        guard keyed.mayReuse else { return (keyed.step, nil) }
        return (keyed.step, try reuse(keyed, job: job, found: try store.cachedExecution(key: keyed.step.cacheKey!)))
    }

    /// The cache hit for a keyed unit, given the newest earlier execution found under its key.
    func reuse(_ keyed: KeyedUnit, job: UnitJob, found: StepRecord?) throws -> SettledUnit? {
        guard keyed.mayReuse, let found, let outputs = reusableOutputs(of: found, outputTypes: job.outputTypes) else { return nil }
        return cachedUnit(step: keyed.step, from: found, outputs: outputs, job: job)
    }

    /// What deciding an in-process unit gave.
    enum InProcessOutcome {
        /// Decided; its state change still has to be committed (``commit(_:)``).
        case settled(SettledUnit)
        /// Already committed (a registration, which writes the registry itself, or a failure).
        case committed(UnitResult)
    }

    /// Runs an in-process built-in unit. It has no observable "running" phase: it changes state once.
    func executeInProcess(_ job: UnitJob) -> UnitResult {
        switch settleInProcess(job) {
        case .committed(let result): return result
        case .settled(let unit): return commit(unit)
        }
    }

    /// Decides an in-process built-in unit without storing a `noop`'s or a cache hit's state
    /// change, so the driver can commit a batch of them in one transaction.
    func settleInProcess(_ job: UnitJob) -> InProcessOutcome {
        do {
            return settleInProcess(job, keyed: try key(job, backend: nil), lookUp: { try store.cachedExecution(key: $0) })
        } catch {
            return .committed(commitFailure(job.record, error))
        }
    }

    /// Settles in-process units together: their cache keys first, then one store lookup for all
    /// of them (a fully cached fan-out asks the store once per batch, not once per item).
    func settleInProcess(_ jobs: [UnitJob]) -> [InProcessOutcome] {
        let keyed: [Result<KeyedUnit, Error>] = jobs.map { job in Result { try key(job, backend: nil) } }
        let wanted = keyed.compactMap { (try? $0.get()).flatMap { $0.mayReuse ? $0.step.cacheKey : nil } }
        // If the batched lookup fails, each unit looks its key up alone (and reports its own error).
        let found: [String: StepRecord]? = wanted.isEmpty ? [:] : try? store.cachedExecutions(keys: wanted)
        return zip(jobs, keyed).map { job, keyedUnit in
            do {
                let unit = try keyedUnit.get()
                if let found { return settleInProcess(job, keyed: unit, lookUp: { found[$0] }) }
                return settleInProcess(job, keyed: unit, lookUp: { try store.cachedExecution(key: $0) })
            } catch {
                return .committed(commitFailure(job.record, error))
            }
        }
    }

    /// Decides one keyed in-process unit; `lookUp` finds the newest earlier execution of a key.
    func settleInProcess(_ job: UnitJob, keyed: KeyedUnit, lookUp: (String) throws -> StepRecord?) -> InProcessOutcome {
        var step = keyed.step
        do {
            if keyed.mayReuse, let cached = try reuse(keyed, job: job, found: try lookUp(step.cacheKey!)) { return .settled(cached) }
            var outputs: [String: PortValue] = [:]
            let kind = BuiltinKind(uses: job.spec.uses)
            // A registration or a deployment writes the store itself, so it commits alone.
            let writesStore = kind == .register || kind?.deploys == true
            if kind == .register {
                let version = try register(job)
                outputs = ["version": .int(version.version), "reference": .string(version.reference)]
            } else if let kind, kind.deploys {
                outputs = try deploy(job, kind: kind)
            }
            step.status = .succeeded
            step.attempts = job.priorAttempts + 1
            step.startedAt = step.startedAt ?? now()
            step.finishedAt = now()
            step.error = nil
            step.outputs = Self.encode(outputs)
            let unit = SettledUnit(change: StateChange(steps: [step], lineage: lineage(step: step, config: job.config, outputs: outputs)),
                                   result: UnitResult(record: step, outputs: outputs))
            return writesStore ? .committed(commit(unit)) : .settled(unit)
        } catch {
            return .committed(commitFailure(step, error))
        }
    }

    /// Stores a settled unit's state change on its own and reports it.
    func commit(_ unit: SettledUnit) -> UnitResult {
        do {
            try store.commit(unit.change)
        } catch {
            return commitFailure(unit.result.record, error)
        }
        observer?.handle(.stepFinished(unit.result.record))
        return unit.result
    }

    /// Stores settled units in one transaction and reports them, in order. If the transaction
    /// fails, each unit is committed on its own, so one bad change fails only its own unit.
    func commit(_ units: [SettledUnit]) -> [UnitResult] {
        guard units.count > 1 else { return units.map { commit($0) } }
        do {
            try store.commit(units.map(\.change))
        } catch {
            return units.map { commit($0) }
        }
        for unit in units { observer?.handle(.stepFinished(unit.result.record)) }
        return units.map(\.result)
    }

    func commitFailure(_ step: StepRecord, _ error: Error) -> UnitResult {
        var step = step
        step.status = .failed
        step.error = "\(error)"
        step.finishedAt = now()
        _ = try? store.commit(StateChange(steps: [step]))
        observer?.handle(.stepFinished(step))
        return UnitResult(record: step, outputs: [:])
    }

    /// Runs a unit through its executor: attempts with retries, backoff and timeout.
    func execute(_ job: UnitJob) async -> UnitResult {
        if Self.isInProcess(job.spec.uses) { return executeInProcess(job) }
        var step = job.record
        do {
            let backend = try resolveBackend(job.spec.uses)
            let identity = try await backend.sourceIdentity(job.config, projectDirectory: project.root)
            let (keyedStep, cached) = try keyed(job, backend: backend, sourceIdentity: identity)
            if let cached { return commit(cached) }
            step = keyedStep
            let lastAttempt = job.priorAttempts + job.spec.retry.retries + 1
            var attemptNumber = job.priorAttempts + 1
            while true {
                if Task.isCancelled { return try commitCancelled(step: step, attempt: nil) }
                step.status = .running
                step.attempts = attemptNumber
                step.error = nil
                if step.startedAt == nil { step.startedAt = now() }
                let directory = project.attemptDirectory(run: step.runID, step: step.name, index: step.index, attempt: attemptNumber)
                var attempt = AttemptRecord(stepID: step.id!, number: attemptNumber, startedAt: now(),
                                            stdoutPath: backend.writesLogs ? "\(directory)/stdout.log" : nil,
                                            stderrPath: backend.writesLogs ? "\(directory)/stderr.log" : nil)
                // The attempt is named by its step and number from here on (no id needed), so a
                // network store may send its start along with what comes next.
                try store.commitSoon(StateChange(steps: [step], attempt: attempt))
                observer?.handle(.stepStarted(step, attempt: attemptNumber))

                let outcome: AttemptOutcome
                switch backend {
                case .executor(let executor): outcome = await runProcess(job, executor: executor, attempt: &attempt, directory: directory)
                case .connector(let connector): outcome = await runConnector(job, connector, directory: directory)
                case .trainer(let trainer): outcome = await runTrainer(job, trainer, directory: directory)
                }
                attempt.finishedAt = now()
                switch outcome {
                case .succeeded(let outputs, let newArtifacts, let metrics, let exitCode):
                    attempt.outcome = .succeeded
                    attempt.exitCode = exitCode
                    step.status = .succeeded
                    step.finishedAt = now()
                    step.outputs = Self.encode(outputs)
                    // Nothing here reads its answer: a network store may send it ahead of the next commit.
                    try store.commitSoon(StateChange(steps: [step], attempt: attempt, artifacts: newArtifacts,
                                                     lineage: lineage(step: step, config: job.config, outputs: outputs), metrics: metrics))
                    observer?.handle(.stepFinished(step))
                    return UnitResult(record: step, outputs: outputs)
                case .cancelled:
                    return try commitCancelled(step: step, attempt: attempt)
                case .failed(let message, let exitCode, let timedOut):
                    attempt.outcome = timedOut ? .timedOut : .failed
                    attempt.exitCode = exitCode
                    attempt.error = message
                    step.error = message
                    if attemptNumber < lastAttempt {
                        step.status = .retrying
                        try store.commit(StateChange(steps: [step], attempt: attempt))
                        let delay = job.spec.retry.delay(beforeAttempt: attemptNumber + 1 - job.priorAttempts)
                        observer?.handle(.attemptFailed(step, attempt: attemptNumber, message: message, retryIn: delay))
                        do { try await Task.sleep(nanoseconds: UInt64(delay * 1e9)) } catch { return try commitCancelled(step: step, attempt: nil) }
                        attemptNumber += 1
                        continue
                    }
                    step.status = .failed
                    step.finishedAt = now()
                    try store.commit(StateChange(steps: [step], attempt: attempt))
                    observer?.handle(.attemptFailed(step, attempt: attemptNumber, message: message, retryIn: nil))
                    observer?.handle(.stepFinished(step))
                    return UnitResult(record: step, outputs: [:])
                }
            }
        } catch {
            return commitFailure(step, error)
        }
    }

    /// The outputs of an earlier execution, when they are all still present and of the types wanted.
    func reusableOutputs(of hit: StepRecord, outputTypes: [String: PortType]) -> [String: PortValue]? {
        let outputs = Self.decode(hit.outputs, types: outputTypes)
        guard outputs.count == outputTypes.count else { return nil }
        for value in outputs.values {
            if case .artifact(let ref) = value, !artifacts.contains(ref) { return nil }
        }
        return outputs
    }

    /// A cache hit standing in for an execution, settled but not yet committed.
    func cachedUnit(step: StepRecord, from hit: StepRecord, outputs: [String: PortValue], job: UnitJob) -> SettledUnit {
        var step = step
        step.status = .cached
        step.cacheHit = true
        step.cachedFrom = hit.id
        step.outputs = hit.outputs
        step.startedAt = step.startedAt ?? now()
        step.finishedAt = now()
        step.error = nil
        return SettledUnit(change: StateChange(steps: [step], lineage: lineage(step: step, config: job.config, outputs: outputs)),
                           result: UnitResult(record: step, outputs: outputs))
    }

    func commitCancelled(step: StepRecord, attempt: AttemptRecord?) throws -> UnitResult {
        var step = step
        var attempt = attempt
        step.status = .cancelled
        step.finishedAt = now()
        step.error = "cancelled"
        attempt?.outcome = .cancelled
        attempt?.finishedAt = now()
        try store.commit(StateChange(steps: [step], attempt: attempt))
        observer?.handle(.stepFinished(step))
        return UnitResult(record: step, outputs: [:])
    }

    /// Produced edges for artifact outputs, consumed edges for artifact inputs (also inside JSON).
    func lineage(step: StepRecord, config: [String: PortValue], outputs: [String: PortValue]) -> [LineageRecord] {
        var edges: [LineageRecord] = []
        for (port, value) in outputs {
            for ref in Self.artifactRefs(in: value) {
                edges.append(LineageRecord(digest: ref.digest, stepID: step.id!, runID: step.runID, direction: .produced, port: port))
            }
        }
        for (port, value) in config {
            for ref in Self.artifactRefs(in: value) {
                edges.append(LineageRecord(digest: ref.digest, stepID: step.id!, runID: step.runID, direction: .consumed, port: port))
            }
        }
        return edges
    }

    static func artifactRefs(in value: PortValue) -> [ArtifactRef] {
        switch value {
        case .artifact(let ref): return [ref]
        case .json(let json): return artifactRefs(in: json)
        default: return []
        }
    }

    static func artifactRefs(in json: JSONValue) -> [ArtifactRef] {
        switch json {
        case .array(let items): return items.flatMap { artifactRefs(in: $0) }
        case .object(let fields):
            if case .artifact(let ref) = ValueResolver.value(of: json) { return [ref] }
            return fields.values.flatMap { artifactRefs(in: $0) }
        default: return []
        }
    }

    static func encode(_ outputs: [String: PortValue]) -> String {
        JSONValue.object(outputs.mapValues(\.json)).canonicalText
    }

    static func decode(_ text: String?, types: [String: PortType]) -> [String: PortValue] {
        guard let text, let json = try? JSONValue(parsing: text), case .object(let fields) = json else { return [:] }
        var outputs: [String: PortValue] = [:]
        for (name, type) in types {
            if let field = fields[name], let value = PortValue(json: field, as: type) { outputs[name] = value }
        }
        return outputs
    }

    // MARK: - Running a process

    func runProcess(_ job: UnitJob, executor: any TaskExecutor, attempt: inout AttemptRecord, directory: String) async -> AttemptOutcome {
        let outputsDirectory = "\(directory)/outputs"
        let metricsPath = "\(directory)/metrics.jsonl"
        do {
            try FileManager.default.createDirectory(atPath: outputsDirectory, withIntermediateDirectories: true)
            // Every input artifact is verified against its digest before the step may read it.
            let inputPaths = try verifiedInputPaths(job.config)
            let handedOver = try exchangePaths(job, verified: inputPaths)
            var inputs: [String: JSONValue] = [:]
            var environment = baseEnvironment
            for (name, value) in job.config {
                let pathOf: (ArtifactRef) -> String = { handedOver[name]?[$0.digest] ?? inputPaths[$0.digest] ?? artifacts.blobPath($0.digest) }
                switch value {
                case .artifact(let ref): inputs[name] = .string(pathOf(ref))
                case .json(let json): inputs[name] = withPaths(json, pathOf)
                default: inputs[name] = value.json
                }
                let text: String
                if case .json(let json) = value { text = withPaths(json, pathOf).canonicalText } else { text = value.scriptText(artifactPath: pathOf) }
                environment["MLP_INPUT_\(Self.environmentName(name))"] = text
            }
            let inputsPath = "\(directory)/inputs.json"
            try Self.writeScratch(JSONValue.object(inputs).canonicalText, to: inputsPath)
            environment["MLP_RUN_ID"] = job.record.runID
            environment["MLP_STEP"] = job.record.name
            environment["MLP_ATTEMPT"] = String(attempt.number)
            environment["MLP_PROJECT_DIR"] = project.root
            environment["MLP_INPUTS"] = inputsPath
            environment["MLP_OUTPUTS"] = outputsDirectory
            environment["MLP_METRICS"] = metricsPath
            if let item = job.item {
                environment["MLP_ITEM"] = item.stringValue ?? item.canonicalText
                environment["MLP_INDEX"] = job.record.index.map(String.init)
            }
            for (name, value) in job.env { environment[name] = value }

            let request = TaskRequest(runID: job.record.runID, step: job.record.name, index: job.record.index, attempt: attempt.number,
                                      projectDirectory: project.root, config: job.config, outputsDirectory: outputsDirectory,
                                      stdoutPath: attempt.stdoutPath!, stderrPath: attempt.stderrPath!, environment: environment)
            let handle = try await executor.submit(request)
            attempt.handle = String(decoding: try JSONEncoder().encode(handle), as: UTF8.self)
            // What `mlp resume` needs to find the process; the attempt's end carries it too, so a
            // network store may send it late or not at all for a step that ends quickly.
            try store.commitSoon(StateChange(attempt: attempt))

            var timedOut = false
            let status = await withTaskCancellationHandler {
                await Self.wait(executor, handle, timeout: job.spec.timeout, timedOut: &timedOut)
            } onCancel: {
                Task.detached { try? await executor.cancel(handle) }
            }
            if Task.isCancelled { return .cancelled }
            if timedOut {
                return .failed(message: "timed out after \(job.spec.timeout!) (the whole process group was killed)", exitCode: status.exitCode, timedOut: true)
            }
            guard status.phase == .succeeded else {
                let tail = Self.tail(of: attempt.stderrPath!)
                let detail = tail.isEmpty ? "" : ": \(tail)"
                return .failed(message: (status.message.isEmpty ? "failed" : status.message) + detail, exitCode: status.exitCode, timedOut: false)
            }
            return try collectOutputs(job, from: outputsDirectory, metricsPath: metricsPath, exitCode: status.exitCode)
        } catch {
            return .failed(message: "\(error)", exitCode: nil, timedOut: false)
        }
    }

    /// Waits for the task, cancelling it when the timeout passes first.
    static func wait(_ executor: any TaskExecutor, _ handle: TaskHandle, timeout: TimeSpan?, timedOut: inout Bool) async -> TaskStatus {
        var fired = false
        let status: TaskStatus = await withTaskGroup(of: TaskStatus?.self) { group in
            group.addTask {
                (try? await executor.wait(for: handle)) ?? TaskStatus(phase: .lost, message: "the task was lost")
            }
            if let timeout {
                group.addTask {
                    try? await Task.sleep(nanoseconds: UInt64(timeout.seconds * 1e9))
                    return nil
                }
            }
            var result = TaskStatus(phase: .lost)
            while let next = await group.next() {
                if let status = next {
                    result = status
                    group.cancelAll()
                    break
                }
                if !Task.isCancelled {
                    fired = true
                    try? await executor.cancel(handle)
                }
            }
            return result
        }
        timedOut = fired
        return status
    }

    /// Adds a `path` next to every artifact inside a JSON value handed to a script.
    func withPaths(_ json: JSONValue, _ pathOf: (ArtifactRef) -> String) -> JSONValue {
        switch json {
        case .array(let items): return .array(items.map { withPaths($0, pathOf) })
        case .object(var fields):
            if case .artifact(let ref) = ValueResolver.value(of: json) {
                fields["path"] = .string(pathOf(ref))
                return .object(fields)
            }
            return .object(fields.mapValues { withPaths($0, pathOf) })
        default: return json
        }
    }

    /// The path of every artifact among a unit's inputs (also inside JSON values), by digest, each
    /// verified against its digest first (``ArtifactStore/path(for:)``).
    /// - Throws: ``ArtifactIntegrityError`` naming the input whose stored bytes changed.
    func verifiedInputPaths(_ config: [String: PortValue]) throws -> [String: String] {
        var paths: [String: String] = [:]
        for (name, value) in config.sorted(by: { $0.key < $1.key }) {
            for ref in Self.artifactRefs(in: value) where paths[ref.digest] == nil {
                do { paths[ref.digest] = try artifacts.path(for: ref) } catch let error as ArtifactIntegrityError {
                    throw ResolutionError(message: "input '\(name)' (\(ref.type.rawValue)): \(error)")
                }
            }
        }
        return paths
    }

    /// Why `name` cannot name a file in `$MLP_OUTPUTS`, or nil when it can: an output's name is a
    /// plain file name, so collecting it can never reach outside the outputs folder, whatever the
    /// pipeline says (the checker refuses such names too; this is the last line).
    static func outputNameProblem(_ name: String) -> String? {
        if name.isEmpty { return "is empty" }
        if name == "." || name == ".." { return "is '\(name)'" }
        if name.contains("/") { return "holds '/'" }
        if name.utf8.contains(0) { return "holds a NUL byte" }
        return nil
    }

    /// Why the metric log at `path` cannot be read, or nil: it must be absent or a regular file
    /// (a FIFO or a link to a device there would block or never end).
    static func metricsLogProblem(_ path: String) -> String? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        let kind = info.st_mode & S_IFMT
        if kind == S_IFREG { return nil }
        let what = kind == S_IFLNK ? "a symbolic link (to \((try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"))" : ArtifactStore.fileKind(kind)
        return "$MLP_METRICS (\(path)) is \(what); write the metric log as a regular file"
    }

    /// Reads every declared output the script wrote into `MLP_OUTPUTS`, and its metric log.
    ///
    /// Each output is looked at with `lstat` before anything opens it: a file output must be a
    /// regular file, a directory output a folder of regular files (and folders); a symbolic link,
    /// FIFO, socket or device fails the step with an error naming the output.
    func collectOutputs(_ job: UnitJob, from directory: String, metricsPath: String, exitCode: Int32?) throws -> AttemptOutcome {
        try collectOutputs(job.outputTypes, runID: job.record.runID, stepID: job.record.id, from: directory, metricsPath: metricsPath, exitCode: exitCode)
    }

    /// Reads the outputs of `outputTypes` from `directory` and the metric log, for step `stepID` of run `runID`.
    func collectOutputs(_ outputTypes: [String: PortType], runID: String, stepID: Int64?, from directory: String, metricsPath: String,
                        exitCode: Int32?) throws -> AttemptOutcome {
        var outputs: [String: PortValue] = [:]
        var newArtifacts: [ArtifactRecord] = []
        var metrics: [MetricRecord] = []
        let stamp = now()
        func failed(_ message: String) -> AttemptOutcome { .failed(message: message, exitCode: exitCode, timedOut: false) }
        for (name, type) in outputTypes.sorted(by: { $0.key < $1.key }) {
            if let problem = Self.outputNameProblem(name) {
                return failed("output name '\(name.debugDescription.dropFirst().dropLast())' \(problem): an output's name must be a plain file name in $MLP_OUTPUTS (no '/', not '.' or '..'); rename the output in mlp.yaml")
            }
            // A dataset may be written as NAME.parquet, NAME.csv or NAME.jsonl too.
            let path = type == .dataset ? DatasetExchange.outputFile(name, in: directory) ?? "\(directory)/\(name)" : "\(directory)/\(name)"
            var info = stat()
            guard lstat(path, &info) == 0 else {
                return failed("the step did not write its output '\(name)' (\(type)); write it to $MLP_OUTPUTS/\(name)")
            }
            let kind = info.st_mode & S_IFMT
            if kind == S_IFLNK {
                let target = (try? FileManager.default.destinationOfSymbolicLink(atPath: path)) ?? "?"
                return failed("output '\(name)' is a symbolic link (to \(target)); mlp stores only what the step wrote itself: copy the file (or folder) into $MLP_OUTPUTS/\(name) instead of linking it")
            }
            guard kind == S_IFREG || kind == S_IFDIR else {
                return failed("output '\(name)' is \(ArtifactStore.fileKind(kind)); an output must be a regular file or a folder of regular files")
            }
            let isDirectory = kind == S_IFDIR
            do {
                if type == .directory || (type == .model && isDirectory) {
                    guard isDirectory else { return failed("output '\(name)' must be a directory") }
                    let ref = try artifacts.ingest(directory: path, as: type)
                    outputs[name] = .artifact(ref)
                    newArtifacts.append(ArtifactRecord(digest: ref.digest, type: ref.type, size: ref.size, createdAt: stamp))
                    continue
                } else if type.isArtifact {
                    guard !isDirectory else { return failed("output '\(name)' must be a file, not a directory") }
                    let ref: ArtifactRef
                    if type == .dataset {
                        switch importDataset(output: name, path: path, in: directory) {
                        case .success(let imported): ref = imported
                        case .failure(let error): return failed(error.message)
                        }
                    } else {
                        ref = try artifacts.ingest(file: path, as: type)
                    }
                    outputs[name] = .artifact(ref)
                    newArtifacts.append(ArtifactRecord(digest: ref.digest, type: ref.type, size: ref.size, createdAt: stamp))
                    continue
                }
            } catch let error as ArtifactStoreError {
                return failed("output '\(name)': \(error)")
            }
            guard !isDirectory else { return failed("output '\(name)' (\(type)) must be a file, not a directory") }
            let text = try String(contentsOfFile: path, encoding: .utf8)
            do {
                    let value = try PortValue.parse(text, as: type)
                    outputs[name] = value
                    if type == .metrics, case .json(.object(let fields)) = value {
                        for (key, field) in fields.sorted(by: { $0.key < $1.key }) {
                            if let number = field.doubleValue {
                                metrics.append(MetricRecord(runID: runID, stepID: stepID, key: key, value: number, iteration: nil, createdAt: stamp))
                            }
                        }
                    }
            } catch {
                return .failed(message: "output '\(name)': \(error)", exitCode: exitCode, timedOut: false)
            }
        }
        if let problem = Self.metricsLogProblem(metricsPath) { return failed(problem) }
        if let log = try? String(contentsOfFile: metricsPath, encoding: .utf8) {
            for (number, line) in log.split(separator: "\n").enumerated() {
                guard let json = try? JSONValue(parsing: String(line)), let key = json["key"]?.stringValue, let value = json["value"]?.doubleValue else {
                    return .failed(message: "$MLP_METRICS line \(number + 1) is not {\"key\": …, \"value\": …}", exitCode: exitCode, timedOut: false)
                }
                let iteration = json["step"]?.doubleValue.map { Int($0) }
                metrics.append(MetricRecord(runID: runID, stepID: stepID, key: key, value: value, iteration: iteration, createdAt: stamp))
            }
        }
        return .succeeded(outputs: outputs, artifacts: newArtifacts, metrics: metrics, exitCode: exitCode)
    }

    /// Writes a per-attempt scratch file (not state: nothing reads it after the attempt), without
    /// the fsync Foundation's `Data.write` does, which cost milliseconds per step.
    static func writeScratch(_ text: String, to path: String) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw ResolutionError(message: "cannot write \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var bytes = Array(text.utf8)
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeMutableBytes { write(fd, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ResolutionError(message: "cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    /// `learning-rate` → `LEARNING_RATE`.
    static func environmentName(_ name: String) -> String {
        String(name.uppercased().map { $0.isLetter || $0.isNumber ? $0 : "_" })
    }

    /// The last non-empty line of a log, to put in an error message.
    static func tail(of path: String) -> String {
        guard let handle = FileHandle(forReadingAtPath: path) else { return "" }
        defer { try? handle.close() }
        let size = (try? handle.seekToEnd()) ?? 0
        try? handle.seek(toOffset: size > 2048 ? size - 2048 : 0)
        let text = String(decoding: handle.readDataToEndOfFile(), as: UTF8.self)
        let line = text.split(separator: "\n").last.map(String.init) ?? ""
        return line.count > 300 ? String(line.suffix(300)) : line
    }
}
