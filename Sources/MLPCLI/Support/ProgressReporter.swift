import Foundation
import MLPCore
import MLPEngine
import MLPStore
import MLPTUI

/// Shows a run as it happens: one line per step that finishes, and on a terminal a live status
/// line (done/total, what is running, elapsed time) redrawn ten times a second.
final class ProgressReporter: RunObserver, @unchecked Sendable {
    private let lock = NSLock()
    private let output: FileHandle
    private let live: Bool
    private let store: any MetadataStore
    private var runID = ""
    private var started = Date()
    private var total = 0
    private var finished = 0
    private var ran = 0
    private var cached = 0
    private var failedChildren = 0
    private var running: [String: Date] = [:]
    private var timer: DispatchSourceTimer?
    private var liveLineShown = false
    /// Dim the live line unless NO_COLOR is set.
    private let colour = ProcessInfo.processInfo.environment["NO_COLOR"] == nil

    /// - Parameter toStandardError: write to stderr (used with --json, which owns stdout).
    init(store: any MetadataStore, toStandardError: Bool) {
        self.store = store
        output = toStandardError ? FileHandle.standardError : FileHandle.standardOutput
        let fd = toStandardError ? STDERR_FILENO : STDOUT_FILENO
        live = isatty(fd) == 1 && ProcessInfo.processInfo.environment["TERM"] != "dumb"
    }

    deinit { timer?.cancel() }

    /// Writes without ever stopping the run: a closed pipe (`mlp run | head`) only loses the text.
    private func write(_ text: String) {
        try? output.write(contentsOf: Data(text.utf8))
    }

    /// Prints a line above the live status line. Its text may hold a step's stderr or names from
    /// mlp.yaml: control characters are shown as visible escapes, never obeyed by the terminal.
    private func line(_ text: String) {
        if liveLineShown { write("\r\u{1B}[K") }
        write(TerminalText.shown(text) + "\n")
        liveLineShown = false
        if live { drawLiveLine() }
    }

    private func drawLiveLine() {
        guard live, !runID.isEmpty else { return }
        let names = running.sorted { $0.value < $1.value }.prefix(3).map(\.key)
        let more = running.count > 3 ? " +\(running.count - 3)" : ""
        let doing = names.isEmpty ? "" : " ▶ " + TerminalText.oneLine(names.joined(separator: ", ")) + more
        let elapsed = Format.duration(Date().timeIntervalSince(started))
        var text = "  [\(finished)/\(max(total, finished))]\(doing) · \(elapsed)"
        if text.count > 100 { text = String(text.prefix(99)) + "…" }
        write(colour ? "\r\u{1B}[K\u{1B}[2m\(text)\u{1B}[0m" : "\r\u{1B}[K\(text)")
        liveLineShown = true
    }

    func handle(_ event: RunEvent) {
        lock.lock()
        defer { lock.unlock() }
        switch event {
        case .started(let run, let resumed):
            runID = run.id
            started = Date()
            let steps = (try? store.steps(runID: run.id)) ?? []
            total = steps.filter { !($0.index == nil && ($0.childCount ?? 0) > 0) }.count
            finished = steps.filter { $0.status.isFinished && !($0.index == nil && ($0.childCount ?? 0) > 0) }.count
            let parallel = "parallelism \(run.parallelism)" + (run.noCache ? " · no cache" : "")
            line("\(resumed ? "↻ resuming" : "▶") run \(run.id) · pipeline \(run.pipeline) · \(steps.filter { $0.index == nil }.count) steps · \(parallel)")
            if live {
                let timer = DispatchSource.makeTimerSource(queue: .global())
                timer.schedule(deadline: .now() + 0.1, repeating: 0.1)
                timer.setEventHandler { [weak self] in
                    guard let self else { return }
                    self.lock.lock()
                    self.drawLiveLine()
                    self.lock.unlock()
                }
                timer.resume()
                self.timer = timer
            }
        case .fannedOut(let step, let count):
            total += count - 1
            line("  ⇉ \(step): \(count) items")
        case .stepStarted(let step, let attempt):
            running[step.displayName] = Date()
            if attempt > 1 + 0, step.index == nil { line("  ↻ \(step.displayName): attempt \(attempt)") }
        case .stepFinished(let step):
            running[step.displayName] = nil
            let isParent = step.index == nil && (step.childCount ?? 0) > 0
            if !isParent {
                finished += 1
                if step.status == .cached { cached += 1 } else if step.status == .succeeded { ran += 1 }
            }
            if step.index != nil {
                if !step.status.isDone, step.status != .cancelled, step.status != .skipped {
                    failedChildren += 1
                    if failedChildren <= 10 { line("  \(step.status.symbol) \(step.displayName) \(step.status.rawValue): \(step.error ?? "")") }
                    if failedChildren == 11 { line("  … more items failed; see `mlp show \(runID) --all`") }
                }
                return
            }
            // A decided gate was already reported by .gateDecided.
            if step.kind == "approval", step.status == .succeeded || step.status == .rejected { return }
            line("  " + describe(step))
        case .attemptFailed(let step, let attempt, let message, let retryIn):
            if let retryIn, step.index == nil || failedChildren < 10 {
                line("  ↻ \(step.displayName): attempt \(attempt) failed (\(message)); retrying in \(Format.duration(retryIn))")
            }
        case .gateWaiting(let approval):
            let shows = approval.shown.map { " — shows \(Format.value(JSONView.parse($0), limit: 80))" } ?? ""
            line("  ⏸ \(approval.step): waiting for approval\(shows)")
            if let note = approval.comment { line("    \(note)") }
            line("    decide with: mlp approve \(approval.runID) \(approval.step) --comment \"…\"   (or mlp reject …)")
        case .gateDecided(let approval):
            let verb = approval.status == .approved ? "approved" : "rejected"
            if approval.decidedBy == "auto" {
                line("  ✓ \(approval.step): auto-approved — \(approval.comment ?? "")")
            } else {
                line("  \(approval.status == .approved ? "✓" : "✗") \(approval.step): \(verb) by \(approval.decidedBy ?? "?")" + (approval.comment.map { ": \($0)" } ?? ""))
            }
        case .cancelling(let reason):
            line("  ⊘ cancelling: \(reason)")
        case .finished(let run):
            timer?.cancel()
            timer = nil
            // No live line after the summary.
            if liveLineShown { write("\r\u{1B}[K") }
            liveLineShown = false
            runID = ""
            let elapsed = Format.duration(Date().timeIntervalSince(started))
            let counts = "\(ran) ran, \(cached) cached"
            switch run.status {
            case .succeeded: line("✓ run \(run.id) succeeded in \(elapsed) · \(counts)")
            case .waiting: line("⏸ run \(run.id) is waiting for approval; `mlp approvals` lists what to decide, and `mlp approve` continues the run")
            default:
                line("\(run.status == .cancelled ? "⊘" : "✗") run \(run.id) \(run.status.rawValue) after \(elapsed) · \(counts)" + (run.error.map { "\n  \($0)" } ?? ""))
                if run.status == .failed { line("  fix the cause, then `mlp resume \(run.id)` re-runs what did not finish") }
            }
            if liveLineShown { write("\r\u{1B}[K") }
            liveLineShown = false
        }
    }

    private func describe(_ step: StepRecord) -> String {
        let took = Format.duration(from: step.startedAt, to: step.finishedAt)
        let children = step.childCount.map { " (\($0) items)" } ?? ""
        switch step.status {
        case .succeeded: return "✓ \(step.name)\(children)  \(took)" + (step.attempts > 1 ? " · attempt \(step.attempts)" : "")
        case .cached: return "≡ \(step.name)\(children)  cached"
        case .failed: return "✗ \(step.name)\(children) failed: \(step.error ?? "")"
        case .skipped: return "- \(step.name) skipped (\((step.error ?? "").replacingOccurrences(of: "not run: ", with: "")))"
        case .cancelled: return "⊘ \(step.name) cancelled"
        case .rejected: return "✗ \(step.name) rejected"
        default: return "\(step.status.symbol) \(step.name) \(step.status.rawValue)"
        }
    }
}
