import ArgumentParser
import Foundation
import MLPClient
import MLPCore
import MLPStore

extension MLPCommandLine {
    struct Logs: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print a step's output; -f follows it while the step runs.",
            discussion: """
                STEP is a step name, or NAME[INDEX] for one item of a fan-out step.
                The log's bytes are printed as the step wrote them, terminal escape sequences included: this is the way to
                the raw log. Everything else mlp shows (run progress, `mlp show`, the TUI) makes control characters visible instead.
                """)

        @OptionGroup var project: ProjectOptions
        @OptionGroup var server: ServerOptions

        @Argument(help: "The run id, a unique prefix of it, or `latest`.")
        var run: String

        @Argument(help: "The step (or NAME[INDEX]).")
        var step: String

        @Option(help: "Which attempt (default: the latest).")
        var attempt: Int?

        @Option(help: "stdout, stderr or both.")
        var stream: String = "both"

        @Flag(name: [.customShort("f"), .long], help: "Keep printing new output until the step finishes.")
        var follow = false

        func validate() throws {
            guard ["stdout", "stderr", "both"].contains(stream) else { throw ValidationError("--stream must be stdout, stderr or both") }
        }

        func parseStep() -> (String, Int?) {
            if step.hasSuffix("]"), let open = step.lastIndex(of: "["), let index = Int(step[step.index(after: open)..<step.index(before: step.endIndex)]) {
                return (String(step[..<open]), index)
            }
            return (step, nil)
        }

        func run() async throws {
            let location = try server.open(project)
            let store = location.store
            let record = try store.findRun(run)
            let (name, index) = parseStep()
            var printed: [String: UInt64] = [:]
            var waitedForStart = false
            while true {
                let steps = try store.steps(runID: record.id).filter { $0.name == name }
                guard let target = steps.first(where: { $0.index == index }) else {
                    if steps.isEmpty { throw RuntimeError("run \(record.id) has no step '\(name)'") }
                    throw RuntimeError("step '\(name)' of run \(record.id) has no item \(index.map(String.init) ?? "") (it has \(steps.count - 1) items; use \(name)[0]…)")
                }
                if index == nil, target.childCount != nil {
                    throw RuntimeError("'\(name)' fans out; its items have the logs: \(name)[0] … \(name)[\(max(0, (target.childCount ?? 1) - 1))]")
                }
                let attempts = try store.attempts(stepID: target.id!)
                let chosen = attempt.flatMap { number in attempts.first { $0.number == number } } ?? (attempt == nil ? attempts.last : nil)
                if let number = attempt, chosen == nil, !follow { throw RuntimeError("step \(step) has no attempt \(number) (it has \(attempts.count))") }
                if let chosen {
                    if chosen.stdoutPath == nil { print("step \(step) runs inside mlp (\(target.kind)) and writes no log"); return }
                    if let remote = location.remote, let id = chosen.id {
                        // A server's run: the logs its driver shipped there.
                        for name in stream == "both" ? ["stdout", "stderr"] : [stream] {
                            let key = "\(id)/\(name)"
                            printed[key] = try emit(remote, attemptID: id, stream: name, from: printed[key] ?? 0, isError: name == "stderr" && stream == "both")
                        }
                    } else {
                        let files = stream == "both" ? [chosen.stdoutPath!, chosen.stderrPath!] : [stream == "stdout" ? chosen.stdoutPath! : chosen.stderrPath!]
                        for file in files { printed[file] = emit(file, from: printed[file] ?? 0, isError: file == chosen.stderrPath && stream == "both") }
                    }
                    let finished = chosen.outcome != .running && target.status != .running
                    if !follow || finished { return }
                } else if !follow {
                    print("step \(step) has not started (\(target.status.rawValue))")
                    return
                } else if target.status.isFinished {
                    print("step \(step) ended without running (\(target.status.rawValue))")
                    return
                } else if !waitedForStart {
                    FileHandle.standardError.write(Data("waiting for \(step) to start…\n".utf8))
                    waitedForStart = true
                }
                try await Task.sleep(nanoseconds: 200_000_000)
            }
        }

        /// Prints a log stored on a server from `offset` on and returns the new offset.
        func emit(_ remote: RemoteStore, attemptID: Int64, stream: String, from offset: UInt64, isError: Bool) throws -> UInt64 {
            var offset = offset
            while true {  // the server answers a bounded chunk at a time
                let data = try remote.readLog(attemptID: attemptID, stream: stream, offset: Int64(offset))
                if data.isEmpty { return offset }
                (isError ? FileHandle.standardError : FileHandle.standardOutput).write(data)
                offset += UInt64(data.count)
            }
        }

        /// Prints a file from `offset` on and returns the new offset.
        func emit(_ path: String, from offset: UInt64, isError: Bool) -> UInt64 {
            guard let handle = FileHandle(forReadingAtPath: path) else { return offset }
            defer { try? handle.close() }
            try? handle.seek(toOffset: offset)
            let data = handle.readDataToEndOfFile()
            if !data.isEmpty {
                (isError ? FileHandle.standardError : FileHandle.standardOutput).write(data)
            }
            return offset + UInt64(data.count)
        }
    }
}
