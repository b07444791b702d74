import Foundation
import MLPCore
import MLPStore

/// A run request's settings.
public struct RunOptions: Sendable {
    /// `--param name=value`, as typed.
    public var params: [String: String]
    /// Steps run at once at most; nil: the number of cores.
    public var parallelism: Int?
    /// Run every step even when an identical execution is cached.
    public var noCache: Bool

    public init(params: [String: String] = [:], parallelism: Int? = nil, noCache: Bool = false) {
        self.params = params
        self.parallelism = parallelism
        self.noCache = noCache
    }
}

/// A request that cannot be carried out, with what to do about it.
public struct EngineError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}

/// The local engine: loads and checks pipelines, creates runs and drives them.
public final class Engine: @unchecked Sendable {
    public let project: Project
    public let registry: PluginRegistry
    public let store: any MetadataStore
    public let artifacts: ArtifactStore
    public var checker: PipelineChecker { PipelineChecker(registry: registry) }

    public init(project: Project, registry: PluginRegistry, store: (any MetadataStore)? = nil) throws {
        self.project = project
        self.registry = registry
        self.store = try store ?? project.openStore()
        self.artifacts = try project.openArtifacts()
    }

    /// Parses and type-checks a pipeline text; throws ``PipelineError`` with every problem.
    public func load(text: String, file: String, suppliedParams: Set<String>? = nil) throws -> PipelineSpec {
        let (spec, parseDiagnostics) = PipelineParser.parseCollecting(text, file: file)
        var diagnostics = parseDiagnostics
        if let spec { diagnostics += checker.check(spec, suppliedParams: suppliedParams) }
        if !diagnostics.isEmpty || spec == nil { throw PipelineError(diagnostics) }
        return spec!
    }

    /// Reads the project's mlp.yaml.
    public func pipelineText() throws -> String {
        try Project.readPipeline(at: project.pipelineFile, shownAs: displayName(ofPipeline: project.pipelineFile))
    }

    /// The file name shown in diagnostics: relative to the current folder when it is inside it.
    public func displayName(ofPipeline path: String) -> String {
        let cwd = FileManager.default.currentDirectoryPath
        return path.hasPrefix(cwd + "/") ? String(path.dropFirst(cwd.count + 1)) : path
    }

    /// The params of a run: defaults overridden by `--param`, each parsed as its declared type.
    public func resolveParams(_ spec: PipelineSpec, supplied: [String: String]) throws -> [String: PortValue] {
        var values: [String: PortValue] = [:]
        var problems: [String] = []
        for name in supplied.keys.sorted() where spec.param(name) == nil {
            let names = spec.params.map(\.name)
            let hint = suggestion(for: name, among: names).map { " — did you mean '\($0)'?" } ?? ""
            problems.append("--param \(name): the pipeline has no param '\(name)'\(hint) (expected \(oneOf(names)))")
        }
        for param in spec.params {
            if let raw = supplied[param.name] {
                do { values[param.name] = try PortValue.parse(raw, as: param.type) } catch {
                    problems.append("--param \(param.name)=\(raw): \(error)")
                }
            } else if let value = param.defaultValue {
                values[param.name] = value
            } else {
                problems.append("param '\(param.name)' (\(param.type)) has no default; pass --param \(param.name)=VALUE")
            }
        }
        if !problems.isEmpty { throw EngineError(problems.joined(separator: "\n")) }
        return values
    }

    /// Checks the project's pipeline and records a new run with its planned steps; nothing runs yet.
    public func createRun(_ options: RunOptions) throws -> RunRecord {
        let text = try pipelineText()
        let file = displayName(ofPipeline: project.pipelineFile)
        // Param values are checked below, all at once, with what was typed.
        let spec = try load(text: text, file: file)
        let params = try resolveParams(spec, supplied: options.params)
        let git = project.gitState()
        let id = makeRunID()
        let run = RunRecord(id: id, pipeline: spec.name, projectDirectory: project.root, pipelineText: text, pipelineFile: file,
                            pipelineDigest: ArtifactStore.digest(of: Data(text.utf8)), status: .pending, gitCommit: git.commit,
                            gitDirty: git.dirty, mlpVersion: mlpVersion, host: ProcessInfo.processInfo.hostName,
                            createdAt: Date().timeIntervalSince1970,
                            parallelism: max(1, options.parallelism ?? ProcessInfo.processInfo.activeProcessorCount),
                            noCache: options.noCache)
        let paramRecords = spec.params.compactMap { param in
            params[param.name].map { ParamRecord(runID: id, name: param.name, type: param.type, value: $0.json.canonicalText) }
        }
        let steps = spec.steps.map { StepRecord(runID: id, name: $0.name, kind: $0.uses) }
        _ = try store.createRun(run, params: paramRecords, steps: steps)
        return run
    }

    /// Drives a run until it finishes — or, with `stopAtGates`, until only approval gates are left.
    ///
    /// Safe to call on a run whose previous driver died at any point: unfinished attempts are
    /// marked interrupted (their processes killed), finished steps are kept, the rest runs again.
    public func drive(runID: String, observer: (any RunObserver)? = nil, stopAtGates: Bool = false,
                      cancellation: CancellationSignal = CancellationSignal()) async throws -> RunRecord {
        guard let run = try store.run(id: runID) else { throw StoreError.runNotFound(runID) }
        guard run.status.isResumable else { throw EngineError("run \(runID) is \(run.status.rawValue); there is nothing left to run") }
        let lock = try RunLock(directory: project.locksDirectory, run: runID)
        defer { withExtendedLifetime(lock) {} }
        let driver = try RunDriver(engine: self, run: run, observer: observer, stopAtGates: stopAtGates, cancellation: cancellation)
        return try await driver.drive()
    }

    /// Which pipeline definition resuming `run` runs: always the one recorded when the run was
    /// created (named by its digest), never the file as it is now. When mlp.yaml has been edited
    /// since, the note says so and how to run the edited pipeline.
    public func resumeNote(for run: RunRecord) -> String {
        let recorded = "sha256:" + run.pipelineDigest.prefix(12)
        var note = "resuming run \(run.id) with the pipeline recorded when it started (\(run.pipelineFile), \(recorded))"
        if let text = try? Project.readPipeline(at: project.pipelineFile) {
            let current = ArtifactStore.digest(of: Data(text.utf8))
            if current != run.pipelineDigest {
                note += "\n\(displayName(ofPipeline: project.pipelineFile)) has changed since (now sha256:\(current.prefix(12))): "
                    + "`mlp resume` does not read your edits; to run the edited pipeline, start a new run with `mlp run`"
            }
        }
        return note
    }

    /// Whether a process is driving the run now.
    public func isDriven(runID: String) -> Bool {
        RunLock.isHeld(directory: project.locksDirectory, run: runID)
    }

    /// Cancels a run: asks its driving process to stop, or, when none drives it, stops what it
    /// left behind and marks it cancelled here.
    public func cancel(runID: String) throws -> RunRecord {
        guard let run = try store.run(id: runID) else { throw StoreError.runNotFound(runID) }
        guard !run.status.isFinished else { return run }
        if isDriven(runID: runID) {
            try store.requestCancel(runID: runID)
            return run
        }
        let lock = try RunLock(directory: project.locksDirectory, run: runID)
        defer { withExtendedLifetime(lock) {} }
        try stopLeftovers(runID: runID)
        let now = Date().timeIntervalSince1970
        let open = try store.steps(runID: runID).filter { !$0.status.isFinished }.map { step -> StepRecord in
            var step = step
            step.status = .cancelled
            step.finishedAt = now
            step.error = "cancelled"
            return step
        }
        try store.commit(StateChange(run: .init(id: runID, status: .cancelled, error: "cancelled"), steps: open))
        return try store.run(id: runID)!
    }

    /// Marks attempts left running by a dead driver as interrupted and kills their processes.
    func stopLeftovers(runID: String) throws {
        for attempt in try store.prepareResume(runID: runID) {
            guard let text = attempt.handle, let handle = try? JSONDecoder().decode(TaskHandle.self, from: Data(text.utf8)) else { continue }
            let name = handle.executor.hasPrefix("executor/") ? String(handle.executor.dropFirst(9)) : handle.executor
            if let executor = registry.executor(named: name) {
                let semaphore = DispatchSemaphore(value: 0)
                Task.detached {
                    try? await executor.cancel(handle)
                    semaphore.signal()
                }
                semaphore.wait()
            }
        }
        // Steps started by a driver that died before it could store their handle.
        ChildProcess.terminateProcesses(withEnvironment: "MLP_RUN_ID=\(runID)")
        artifacts.sweepTemporaryFiles()
    }
}

/// A flag a caller raises to cancel a run (Ctrl-C), read by the driver.
public final class CancellationSignal: @unchecked Sendable {
    private let lock = NSLock()
    private var raised: String?

    public init() {}

    /// Asks the driver to stop, saying why.
    public func raise(_ reason: String) {
        lock.lock()
        if raised == nil { raised = reason }
        lock.unlock()
    }

    public var reason: String? {
        lock.lock()
        defer { lock.unlock() }
        return raised
    }
}
