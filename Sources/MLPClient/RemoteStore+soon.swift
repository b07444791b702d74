import Foundation
import MLPStore

// A change whose answer nobody reads (an attempt's process handle, an item's end) costs a round
// trip when sent alone: a shell item would make three commits instead of one. Such changes are
// held here for a moment and go out ahead of the next commit (in its transaction), or on their own
// after `SoonChanges.delay`, or at the next read; a handle is dropped when the attempt's next
// change, which carries the newer record, comes first.
extension RemoteStore {
    public func commitSoon(_ change: StateChange) throws {
        if let attempt = change.attempt, attempt.outcome != .running, artifactSource != nil,
           !logs.isFollowing(AttemptKey(attempt)), LogShipper.hasOutput(attempt) {
            // Its start is still held: it goes first, so that the attempt's output can reach the
            // server before its end does (`mlp logs -f` stops at the end).
            flushSoon()
        }
        if soon.hold(change) {
            DispatchQueue.global().asyncAfter(deadline: .now() + SoonChanges.delay) { [self] in flushSoon() }
        }
    }

    /// Sends what is held now, on its own (the timer, a read, the end of a run).
    func flushSoon() {
        let held = soon.take(supersededBy: [])
        defer { scheduleFlushIfHolding() }
        guard !held.isEmpty else { return }
        do {
            try sendHeld(held)
        } catch {
            // Not sent (the server stayed away): held again, for the next commit or flush.
            if policy.warnings {
                FileHandle.standardError.write(Data("mlp: could not send a run's progress to \(settings.url) yet: \(error)\n".utf8))
            }
        }
    }

    /// Sends what is still held (left behind while an older change of its attempt was on its
    /// way) a moment from now.
    func scheduleFlushIfHolding() {
        if soon.isHolding {
            DispatchQueue.global().asyncAfter(deadline: .now() + SoonChanges.delay) { [self] in flushSoon() }
        }
    }

    /// Sends changes taken from ``soon`` as one group and marks them sent. A refusal by the
    /// server is kept (``refusedChanges``); any other failure holds them again and is thrown.
    func sendHeld(_ held: [StateChange]) throws {
        defer { soon.markSent(held) }
        try sendAlone(held)
    }

    /// Sends held changes as one group: a refusal is kept, any other failure holds them again
    /// and is thrown.
    private func sendAlone(_ group: [StateChange]) throws {
        do {
            _ = try send(group, key: UUID().uuidString)
        } catch let refusal as StoreError {
            soon.refused(group, refusal)
        } catch {
            soon.putBack(group)
            throw error
        }
    }

    /// Sends held changes whose group the server refused: together first, then, if refused
    /// again, each alone, so only the change at fault is kept as refused.
    func settleHeld(_ held: [StateChange]) {
        defer { soon.markSent(held) }
        var pending = [held]
        if held.count > 1 { pending = held.map { [$0] } }
        for group in pending { try? sendAlone(group) }
    }

    /// What the server refused of the changes this client held back (an item's end it would
    /// not take), each with the server's reason; said at the end of the run.
    public var refusedChanges: [String] { soon.refusals }
}

/// The changes a ``RemoteStore`` holds back (see ``RemoteStore/commitSoon(_:)``).
final class SoonChanges: @unchecked Sendable {
    /// How long a change is held at most before it is sent on its own.
    static let delay = 0.25
    private let condition = NSCondition()
    private var held: [StateChange] = []
    /// Attempts with a change on its way, and how many.
    private var sending: [AttemptKey: Int] = [:]

    private var refused: [String] = []
    /// What the server said about held changes it refused, in order.
    var refusals: [String] {
        condition.lock()
        defer { condition.unlock() }
        return refused
    }

    /// Holds a change (dropping a held handle of the same attempt, which it supersedes); true when
    /// nothing was held before (a send must be scheduled).
    func hold(_ change: StateChange) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        if let key = change.attempt.map(AttemptKey.init) {
            held.removeAll { $0.attempt.map(AttemptKey.init) == key && Self.onlyUpdatesAttempt($0) }
        }
        held.append(change)
        return held.count == 1
    }

    /// Keeps what the server said about held changes it refused.
    func refused(_ changes: [StateChange], _ refusal: StoreError) {
        let steps = changes.flatMap { $0.steps.map(\.displayName) }
        condition.lock()
        refused.append((steps.isEmpty ? "" : "\(steps.joined(separator: ", ")): ") + "\(refusal)")
        condition.unlock()
    }

    /// Takes what is held, leaving out changes that only update an attempt a change of `changes`
    /// carries (that change holds the newer record). First waits while a held change of an
    /// attempt that `changes` carry is on its way, so an older record of an attempt never lands
    /// after a newer one; for the same reason a held change of an attempt that has one on its way
    /// stays held (for the next send). What is taken counts as on its way until ``markSent(_:)``.
    func take(supersededBy changes: [StateChange]) -> [StateChange] {
        let keys = changes.compactMap { $0.attempt.map(AttemptKey.init) }
        condition.lock()
        defer { condition.unlock() }
        while keys.contains(where: { sending[$0] != nil }) { condition.wait() }
        guard !held.isEmpty else { return [] }
        let newer = Set(keys)
        var taken: [StateChange] = []
        var waiting: [StateChange] = []
        for change in held {
            guard let key = change.attempt.map(AttemptKey.init) else {
                taken.append(change)
                continue
            }
            if newer.contains(key), Self.onlyUpdatesAttempt(change) { continue }
            if sending[key] != nil { waiting.append(change) } else { taken.append(change) }
        }
        held = waiting
        for key in taken.compactMap({ $0.attempt.map(AttemptKey.init) }) { sending[key, default: 0] += 1 }
        return taken
    }

    /// Whether anything is held.
    var isHolding: Bool {
        condition.lock()
        defer { condition.unlock() }
        return !held.isEmpty
    }

    /// Puts changes back after their send failed (they go with the next commit).
    func putBack(_ changes: [StateChange]) {
        guard !changes.isEmpty else { return }
        condition.lock()
        held = changes + held
        condition.unlock()
    }

    /// Changes taken by ``take(supersededBy:)`` have been sent (or failed).
    func markSent(_ changes: [StateChange]) {
        guard !changes.isEmpty else { return }
        condition.lock()
        for key in changes.compactMap({ $0.attempt.map(AttemptKey.init) }) {
            sending[key, default: 1] -= 1
            if sending[key] == 0 { sending[key] = nil }
        }
        condition.broadcast()
        condition.unlock()
    }

    static func onlyUpdatesAttempt(_ change: StateChange) -> Bool {
        change.run == nil && change.steps.isEmpty && change.newSteps.isEmpty && change.artifacts.isEmpty && change.lineage.isEmpty
            && change.metrics.isEmpty && change.approval == nil && change.registration == nil
    }
}
