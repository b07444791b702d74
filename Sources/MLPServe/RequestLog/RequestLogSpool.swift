import CoreMetrics
import Foundation
import Logging
#if canImport(Glibc)
import Glibc
#endif

/// Writes one model's logged rows into segment files in its spool folder.
///
/// The open segment is `.<model>-<pid>-<id>.partial`; sealing flushes it, fsyncs it, renames it
/// to `<model>-<first ms>-<last ms>-<rows>-<pid>-<id>.csv` (so no reader ever sees a partial file
/// under a final name) and hands it to `onSeal`. At start, the files of processes that are gone
/// are dealt with: sealed ones (a crash between the rename and the handover) are handed over,
/// partial ones removed; another running server's files on the same folder are left alone. Rows that would take the
/// folder past its byte budget are dropped and counted.
actor RequestLogSpool {
    /// Where the segments are written.
    let folder: String
    let model: String
    let schema: RequestLogSchema
    let options: RequestLogOptions
    private let onSeal: @Sendable (SealedRequestLogSegment) async throws -> Void
    private let counters: RequestLogCounters
    private let logger: Logger

    private struct OpenSegment {
        let descriptor: Int32
        let temporaryPath: String
        let opened: ContinuousClock.Instant
        var pending: [UInt8] = []
        var bytes: Int64 = 0
        var rows = 0
        var firstAt = 0.0
        var lastAt = 0.0
    }

    private var open: OpenSegment?
    /// Bytes of sealed segments still in the folder (not yet taken by `onSeal`).
    private var sealedBytes: Int64 = 0
    private let headerLine: [UInt8]

    init(folder: String, model: String, schema: RequestLogSchema, options: RequestLogOptions, counters: RequestLogCounters,
         logger: Logger, onSeal: @escaping @Sendable (SealedRequestLogSegment) async throws -> Void) throws {
        self.folder = folder
        self.model = model
        self.schema = schema
        self.options = options
        self.counters = counters
        self.logger = logger
        self.onSeal = onSeal
        headerLine = Array(RequestLogCSV.line(schema.header).utf8)
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
    }

    /// Removes partial segments a stopped process left and hands over sealed ones it did not.
    func recover() async {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
        for name in names where name.hasPrefix(".\(model)-") && name.hasSuffix(".partial") {
            let fields = name.dropFirst(model.count + 2).split(separator: "-")
            if let pid = fields.first.flatMap({ Int32($0) }), Self.isRunning(pid) { continue }
            unlink("\(folder)/\(name)")
        }
        for name in names where name.hasSuffix(".csv") {
            guard let (segment, pid) = Self.parse(name: name, folder: folder, model: model), !Self.isRunning(pid) else { continue }
            await handOver(segment)
        }
    }

    /// Whether another process with this id is running (ours does not count: its files are leftovers
    /// of an earlier run only if the id was reused, and this process has written nothing yet).
    static func isRunning(_ pid: Int32) -> Bool {
        pid != getpid() && pid > 0 && (kill(pid, 0) == 0 || errno == EPERM)
    }

    /// Writes the rows of `entries`, sealing whenever a segment fills up.
    func append(_ entries: [RequestLogEntry]) async {
        for entry in entries {
            let rows = schema.rows(time: entry.time, version: entry.version, request: entry.request, response: entry.response)
            for fields in rows {
                let line = Array(RequestLogCSV.line(fields).utf8)
                let openBytes = open?.bytes ?? Int64(headerLine.count)
                guard sealedBytes + openBytes + Int64(line.count) <= options.maxBytes else {
                    counters.dropped.increment()
                    continue
                }
                guard openSegmentIfNeeded() else {
                    counters.dropped.increment()
                    continue
                }
                if open!.rows == 0 { open!.firstAt = entry.time }
                open!.pending += line
                open!.bytes += Int64(line.count)
                open!.rows += 1
                open!.lastAt = entry.time
                counters.logged.increment()
                if open!.rows >= options.segmentRows || open!.bytes >= Int64(options.segmentBytes) { await seal() }
            }
        }
        flushPending()
    }

    /// Seals the open segment when its first row is at least ``RequestLogOptions/sealAfter`` old.
    func sealIfDue() async {
        guard let open, open.rows > 0, ContinuousClock.now - open.opened >= options.sealAfter else { return }
        await seal()
    }

    /// Seals the open segment (if it has rows) and hands it over.
    func seal() async {
        guard var segment = open else { return }
        open = nil
        guard segment.rows > 0 else {
            close(segment.descriptor)
            unlink(segment.temporaryPath)
            return
        }
        let written = Self.write(segment.pending, to: segment.descriptor)
        segment.pending = []
        let synced = written && fsync(segment.descriptor) == 0
        close(segment.descriptor)
        let name = "\(model)-\(Int64(segment.firstAt * 1000))-\(Int64(segment.lastAt * 1000))-\(segment.rows)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased()).csv"
        let path = "\(folder)/\(name)"
        guard synced, rename(segment.temporaryPath, path) == 0 else {
            logger.error("request log: cannot seal a segment", metadata: ["model": "\(model)", "path": "\(segment.temporaryPath)", "error": "\(String(cString: strerror(errno)))"])
            unlink(segment.temporaryPath)
            counters.dropped.increment(by: Int64(segment.rows))
            return
        }
        Self.syncFolder(folder)
        await handOver(SealedRequestLogSegment(model: model, path: path, rows: segment.rows, bytes: segment.bytes,
                                               firstAt: segment.firstAt, lastAt: segment.lastAt))
    }

    private func handOver(_ segment: SealedRequestLogSegment) async {
        do {
            try await onSeal(segment)
        } catch {
            logger.error("request log: the sealed segment was not taken; it stays in the spool folder", metadata: ["model": "\(model)", "path": "\(segment.path)", "error": "\(error)"])
        }
        if FileManager.default.fileExists(atPath: segment.path) { sealedBytes += segment.bytes }
    }

    private func openSegmentIfNeeded() -> Bool {
        if open != nil { return true }
        let path = "\(folder)/.\(model)-\(getpid())-\(UUID().uuidString.prefix(8).lowercased()).partial"
        let descriptor = Glibc.open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else {
            logger.error("request log: cannot open a segment", metadata: ["path": "\(path)", "error": "\(String(cString: strerror(errno)))"])
            return false
        }
        open = OpenSegment(descriptor: descriptor, temporaryPath: path, opened: .now, pending: headerLine, bytes: Int64(headerLine.count))
        return true
    }

    private func flushPending() {
        guard let segment = open, !segment.pending.isEmpty else { return }
        open!.pending = []
        if !Self.write(segment.pending, to: segment.descriptor) {
            logger.error("request log: cannot write a segment; its rows are dropped", metadata: ["path": "\(segment.temporaryPath)", "error": "\(String(cString: strerror(errno)))"])
            close(segment.descriptor)
            unlink(segment.temporaryPath)
            counters.dropped.increment(by: Int64(segment.rows))
            open = nil
        }
    }

    private static func write(_ bytes: [UInt8], to descriptor: Int32) -> Bool {
        var offset = 0
        return bytes.withUnsafeBytes { raw in
            while offset < raw.count {
                let written = Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    return false
                }
                offset += written
            }
            return true
        }
    }

    private static func syncFolder(_ path: String) {
        let descriptor = Glibc.open(path, O_RDONLY | O_DIRECTORY)
        guard descriptor >= 0 else { return }
        fsync(descriptor)
        close(descriptor)
    }

    /// A sealed segment, and the process that wrote it, from its file name
    /// (`<model>-<first ms>-<last ms>-<rows>-<pid>-<id>.csv`).
    static func parse(name: String, folder: String, model: String) -> (SealedRequestLogSegment, Int32)? {
        guard name.hasPrefix("\(model)-") else { return nil }
        let parts = name.dropFirst(model.count + 1).dropLast(4).split(separator: "-")
        guard parts.count == 5, let first = Int64(parts[0]), let last = Int64(parts[1]), let rows = Int(parts[2]), let pid = Int32(parts[3]),
              let size = (try? FileManager.default.attributesOfItem(atPath: "\(folder)/\(name)"))?[.size] as? NSNumber else { return nil }
        return (SealedRequestLogSegment(model: model, path: "\(folder)/\(name)", rows: rows, bytes: size.int64Value,
                                        firstAt: Double(first) / 1000, lastAt: Double(last) / 1000), pid)
    }
}

/// One answered request waiting to be written.
struct RequestLogEntry: Sendable {
    let time: Double
    let version: String
    let request: InferenceRequest
    let response: InferenceResponse
}

/// A model's `mlp_request_log_rows_total` series.
struct RequestLogCounters: Sendable {
    let logged: CoreMetrics.Counter
    let dropped: CoreMetrics.Counter
    let unsampled: CoreMetrics.Counter
}
