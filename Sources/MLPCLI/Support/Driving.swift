import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPEngine
import MLPStore

/// Driving a run from a command: progress, Ctrl-C, exit status, background drivers.
enum Driving {
    /// Drives a run in this process until it ends, then exits with a status that says how it ended.
    /// With `junit`, the run's record is written there as JUnit XML however the run ends.
    static func drive(engine: Engine, runID: String, json: Bool, stopAtGates: Bool = false, junit: String? = nil) async throws {
        let cancellation = CancellationSignal()
        let signals = installInterruptHandlers(cancellation)
        defer { signals.forEach { $0.cancel() } }
        let reporter = ProgressReporter(store: engine.store, toStandardError: json)
        let run: RunRecord
        do {
            run = try await engine.drive(runID: runID, observer: reporter, stopAtGates: stopAtGates, cancellation: cancellation)
        } catch {
            if let junit { _ = writeJUnit(to: junit, runID: runID, store: engine.store) }
            throw error
        }
        // A run on a shared server: the rest of its steps' logs go there before this process ends,
        // and whatever of its progress the server refused is said (the run then fails here).
        var refused: [String] = []
        if let remote = engine.store as? RemoteStore {
            remote.flushLogs()
            refused = remote.refusedChanges
            for reason in refused {
                FileHandle.standardError.write(Data("mlp: the server at \(remote.settings.url) refused a change of this run: \(reason)\n".utf8))
            }
        }
        let junitWritten = junit.map { writeJUnit(to: $0, runID: run.id, store: engine.store) } ?? true
        if json {
            let steps = try engine.store.steps(runID: run.id).filter { $0.index == nil }
            var view = JSONView.run(run)
            if case .object(var fields) = view {
                fields["steps"] = .array(steps.map(JSONView.step))
                view = .object(fields)
            }
            try Format.printJSON(view)
        }
        if !refused.isEmpty || !junitWritten { throw ExitCode(1) }
        switch run.status {
        case .succeeded, .waiting: return
        case .failed: throw ExitCode(1)
        case .rejected: throw ExitCode(3)
        case .cancelled: throw ExitCode(130)
        default: return
        }
    }

    /// Writes the run's JUnit report (`--junit`); says on standard error why it could not.
    static func writeJUnit(to path: String, runID: String, store: any MetadataStore) -> Bool {
        do {
            guard let run = try store.run(id: runID) else { throw StoreError.runNotFound(runID) }
            try RunJUnit.write(try RunJUnit.report(run: run, store: store), to: path)
            return true
        } catch {
            FileHandle.standardError.write(Data("mlp: could not write the JUnit report to \(path): \(error)\n".utf8))
            return false
        }
    }

    /// The first Ctrl-C (or SIGTERM) cancels the run cleanly; the second quits at once.
    static func installInterruptHandlers(_ cancellation: CancellationSignal) -> [DispatchSourceSignal] {
        let counter = InterruptCounter()
        return [SIGINT, SIGTERM].map { number in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler {
                if counter.increment() > 1 {
                    FileHandle.standardError.write(Data("\ninterrupted again: quitting now; `mlp resume` picks the run up\n".utf8))
                    exit(130)
                }
                cancellation.raise(number == SIGINT ? "interrupted (Ctrl-C)" : "terminated (SIGTERM)")
            }
            source.resume()
            return source
        }
    }

    /// After a decision on a gate (from `mlp approve`, `mlp reject` or the TUI): the process
    /// driving the run picks it up; when none does (a `--detach`ed run stops at its gates), one is
    /// started in the background, as `mlp resume` would. Returns a line that says what happens next
    /// (short: the TUI shows it in its status bar), and whether a background driver was started.
    static func continueRun(after decision: ApprovalRecord, engine: Engine) -> (message: String, startedInBackground: Bool) {
        let runID = decision.runID
        if engine.isDriven(runID: runID) { return ("the process driving the run picks it up now", false) }
        do {
            try startInBackground(engine: engine, runID: runID)
            return ("continuing the run in the background", true)
        } catch {
            return ("`mlp resume \(runID)` continues the run (could not start it: \(error))", false)
        }
    }

    /// Starts `mlp resume RUN --background` as a process of its own, logging to the run's folder.
    static func startInBackground(engine: Engine, runID: String) throws {
        let folder = "\(engine.project.runsDirectory)/\(runID)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        // A run on a shared server: the driver reports there too. The token goes in the
        // environment, never on the command line.
        var environment = ProcessInfo.processInfo.environment
        if let remote = engine.store as? RemoteStore { environment.merge(remote.settings.environment) { _, new in new } }
        _ = try ChildProcess.spawn(arguments: [executable, "resume", runID, "--background", "--project", engine.project.root],
                                   environment: environment, directory: engine.project.root,
                                   stdoutPath: "\(folder)/driver.log", stderrPath: "\(folder)/driver.log")
    }
}

/// Counts interrupts across signal handler invocations.
final class InterruptCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var count = 0
    func increment() -> Int {
        lock.lock()
        defer { lock.unlock() }
        count += 1
        return count
    }
}
