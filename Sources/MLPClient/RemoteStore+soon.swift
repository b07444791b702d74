import Foundation
import MLPStore

// Changes that nothing waits on (an attempt's process handle) cost a round trip each when sent
// alone: a shell item would make three commits instead of two. They are held here for a moment
// and go out with the next commit, or on their own after `SoonChanges.delay`, or not at all when
// the attempt's next change (which carries the same record, newer) comes first.
extension RemoteStore {
    public func commitSoon(_ change: StateChange) throws {
        if soon.hold(change) {
            DispatchQueue.global().asyncAfter(deadline: .now() + SoonChanges.delay) { [self] in flushSoon() }
        }
    }

    /// Sends what is held now, on its own (the timer, and the end of a run).
    func flushSoon() {
        let held = soon.take(supersededBy: [])
        guard !held.isEmpty else { return }
        do {
            try sendHeld(held)
        } catch {
            // A handle that did not reach the server only makes `mlp resume` unable to find that
            // process; the run goes on.
            if policy.warnings {
                FileHandle.standardError.write(Data("mlp: could not record a running process on \(settings.url): \(error)\n".utf8))
            }
        }
    }

    /// Sends changes taken from ``soon`` as one group and marks them sent; when that fails they
    /// are held again (for the next commit).
    func sendHeld(_ held: [StateChange]) throws {
        defer { soon.markSent(held) }
        do {
            _ = try send(held, key: UUID().uuidString)
        } catch {
            soon.putBack(held)
            throw error
        }
    }
}

/// The changes a ``RemoteStore`` holds back (see ``RemoteStore/commitSoon(_:)``).
final class SoonChanges: @unchecked Sendable {
    /// How long a change is held at most before it is sent on its own.
    static let delay = 0.25
    private let condition = NSCondition()
    private var held: [StateChange] = []
    private var sending: [Int64: Int] = [:]

    /// Holds a change; true when nothing was held before (a send must be scheduled).
    func hold(_ change: StateChange) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        held.append(change)
        return held.count == 1
    }

    /// Takes what is held, leaving out changes that only update an attempt a change of `changes`
    /// carries (that change holds the newer record). First waits while a held change of an
    /// attempt that `changes` carry is on its way, so an older record of an attempt never lands
    /// after a newer one; what is taken counts as on its way until ``markSent(_:)``.
    func take(supersededBy changes: [StateChange]) -> [StateChange] {
        let ids = changes.compactMap { $0.attempt?.id }
        condition.lock()
        defer { condition.unlock() }
        while ids.contains(where: { sending[$0] != nil }) { condition.wait() }
        guard !held.isEmpty else { return [] }
        let newer = Set(ids)
        let taken = held.filter { change in
            guard let id = change.attempt?.id, Self.onlyUpdatesAttempt(change) else { return true }
            return !newer.contains(id)
        }
        held = []
        for id in taken.compactMap({ $0.attempt?.id }) { sending[id, default: 0] += 1 }
        return taken
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
        for id in changes.compactMap({ $0.attempt?.id }) {
            sending[id, default: 1] -= 1
            if sending[id] == 0 { sending[id] = nil }
        }
        condition.broadcast()
        condition.unlock()
    }

    static func onlyUpdatesAttempt(_ change: StateChange) -> Bool {
        change.run == nil && change.steps.isEmpty && change.newSteps.isEmpty && change.artifacts.isEmpty && change.lineage.isEmpty
            && change.metrics.isEmpty && change.approval == nil && change.registration == nil
    }
}
