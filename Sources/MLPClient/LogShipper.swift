import Foundation
import MLPStore

/// Ships the stdout and stderr files of running attempts to the server, every half second while
/// they grow, and what is left when an attempt ends: `mlp logs -f --server` follows them there.
final class LogShipper: @unchecked Sendable {
    struct Followed {
        var id: Int64
        var files: [(stream: String, path: String)]
        /// Bytes of each stream the server has.
        var sent: [String: Int64] = [:]
    }

    unowned let store: RemoteStore
    let lock = NSCondition()
    var followed: [AttemptKey: Followed] = [:]
    var running = false
    var stopping = false
    /// The most bytes one request carries.
    static let chunk = 4 << 20
    static let interval = 0.5

    init(store: RemoteStore) { self.store = store }

    /// Starts shipping the logs of an attempt (named by its step and number; `attemptID` is the
    /// server's id for it).
    func follow(_ key: AttemptKey, attemptID: Int64, stdout: String?, stderr: String?) {
        let files = [("stdout", stdout), ("stderr", stderr)].compactMap { stream, path in path.map { (stream: stream, path: $0) } }
        lock.lock()
        defer { lock.unlock() }
        guard followed[key] == nil else { return }
        followed[key] = Followed(id: attemptID, files: files)
        if !running {
            running = true
            stopping = false
            let thread = Thread { [weak self] in self?.loop() }
            thread.name = "mlp-log-shipper"
            thread.start()
        }
    }

    /// Ships the rest of an attempt's logs now and stops following it.
    func finish(_ key: AttemptKey) {
        lock.lock()
        let entry = followed.removeValue(forKey: key)
        lock.unlock()
        guard var entry else { return }
        ship(&entry)
    }

    /// Whether an attempt's logs are followed (its start reached the server).
    func isFollowing(_ key: AttemptKey) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        return followed[key] != nil
    }

    /// Whether an attempt wrote anything to its stdout or stderr file.
    static func hasOutput(_ attempt: AttemptRecord) -> Bool {
        [attempt.stdoutPath, attempt.stderrPath].contains { path in
            guard let path, let size = (try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber else { return false }
            return size.int64Value > 0
        }
    }

    /// Ships the rest of every followed log and ends the thread.
    func stop() {
        lock.lock()
        let all = followed
        followed = [:]
        stopping = true
        lock.broadcast()
        lock.unlock()
        for (_, entry) in all {
            var entry = entry
            ship(&entry)
        }
    }

    func loop() {
        while true {
            lock.lock()
            if !stopping { _ = lock.wait(until: Date().addingTimeInterval(Self.interval)) }
            if stopping || followed.isEmpty {
                running = false
                lock.unlock()
                return
            }
            let snapshot = followed
            lock.unlock()
            for (key, entry) in snapshot {
                var entry = entry
                ship(&entry)
                lock.lock()
                if followed[key] != nil { followed[key]!.sent = entry.sent }
                lock.unlock()
            }
        }
    }

    /// Sends what each file holds past what the server has. A failure is left for the next tick.
    func ship(_ entry: inout Followed) {
        for (stream, path) in entry.files {
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            var offset = entry.sent[stream] ?? 0
            while true {
                do { try handle.seek(toOffset: UInt64(offset)) } catch { break }
                guard let data = try? handle.read(upToCount: Self.chunk), !data.isEmpty else { break }
                do {
                    try store.writeLog(attemptID: entry.id, stream: stream, offset: offset, data: data)
                } catch let gap as RemoteStore.LogGap where gap.size < offset {
                    offset = gap.size  // the server lost a tail: send again from where it ends
                    entry.sent[stream] = offset
                    continue
                } catch {
                    break
                }
                offset += Int64(data.count)
                entry.sent[stream] = offset
            }
        }
    }
}
