#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCurl
import Crypto
import Foundation

/// `write(2)`, named apart from ``TransferSink/write(_:_:)``.
private func systemWrite(_ fd: Int32, _ data: UnsafeRawPointer, _ count: Int) -> Int {
    write(fd, data, count)
}

/// How one HTTP GET through libcurl ended.
struct TransferOutcome: Sendable {
    /// libcurl's result code (`CURLE_OK` when the body arrived whole with a status below 400).
    var code: CURLcode
    /// libcurl's message for a failure.
    var message: String
    /// The last HTTP status received, 0 when none arrived.
    var status: Int
    /// The response's `Content-Type`, if any.
    var contentType: String?
    /// The URL after redirects.
    var effectiveURL: String?
    /// The SHA-256 of the body, hex, when it arrived whole.
    var sha256: String?
    /// The body's length in bytes.
    var bytes: Int64
    /// Why the transfer was stopped from our side (the size cap was passed, the file could not be written).
    var stoppedBecause: String?
    /// Whether it stopped because the task was cancelled.
    var cancelled: Bool
}

/// What a transfer may do, read by libcurl's callbacks on the transfer's thread.
final class TransferSink: @unchecked Sendable {
    let fd: Int32
    let maxBytes: Int64?
    var hasher = SHA256()
    var bytes: Int64 = 0
    var stoppedBecause: String?
    private let lock = NSLock()
    private var cancelRequested = false

    init(fd: Int32, maxBytes: Int64?) {
        self.fd = fd
        self.maxBytes = maxBytes
    }

    var isCancelled: Bool {
        lock.lock()
        defer { lock.unlock() }
        return cancelRequested
    }

    func cancel() {
        lock.lock()
        cancelRequested = true
        lock.unlock()
    }

    /// Appends a chunk of the body to the file and the hash; returns how many bytes it took
    /// (anything but `count` makes libcurl stop with `CURLE_WRITE_ERROR`).
    func write(_ data: UnsafeRawPointer, _ count: Int) -> Int {
        let (total, overflow) = bytes.addingReportingOverflow(Int64(count))
        if overflow || (maxBytes.map { total > $0 } ?? false) {
            stoppedBecause = "the response is larger than max_bytes (\(maxBytes ?? Int64.max) bytes)"
            return 0
        }
        var offset = 0
        while offset < count {
            let written = systemWrite(fd, data + offset, count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                stoppedBecause = "cannot write the download to disk: \(String(cString: strerror(errno)))"
                return 0
            }
            offset += written
        }
        hasher.update(bufferPointer: UnsafeRawBufferPointer(start: data, count: count))
        bytes = total
        return count
    }
}

/// One GET of `url` into the file open at `fd`, run on its own thread so a slow download never
/// holds one of Swift's cooperative threads; cancelling the calling task stops it.
struct CurlTransfer: Sendable {
    var url: String
    /// The whole transfer's time limit, seconds; `nil` for none.
    var timeout: Double?
    var maxBytes: Int64?

    /// libcurl's global set-up, done once before the first handle.
    static let globalSetup: CURLcode = curl_global_init(Int(CURL_GLOBAL_DEFAULT))

    func run(into fd: Int32) async -> TransferOutcome {
        let sink = TransferSink(fd: fd, maxBytes: maxBytes)
        return await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<TransferOutcome, Never>) in
                let thread = Thread { continuation.resume(returning: perform(sink)) }
                thread.name = "mlp-http-download"
                thread.start()
            }
        } onCancel: {
            sink.cancel()
        }
    }

    /// Runs the transfer synchronously on the current thread.
    func perform(_ sink: TransferSink) -> TransferOutcome {
        var outcome = TransferOutcome(code: CURLE_OK, message: "", status: 0, contentType: nil, effectiveURL: nil, sha256: nil,
                                      bytes: 0, stoppedBecause: nil, cancelled: false)
        guard Self.globalSetup == CURLE_OK, let handle = curl_easy_init() else {
            outcome.code = CURLE_FAILED_INIT
            outcome.message = "libcurl could not start"
            return outcome
        }
        defer { curl_easy_cleanup(handle) }
        let errorBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: Int(CURL_ERROR_SIZE) + 1)
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE) + 1)
        defer { errorBuffer.deallocate() }
        let context = Unmanaged.passUnretained(sink).toOpaque()

        var setup = [
            mlp_curl_set_string(handle, CURLOPT_URL, url),
            mlp_curl_set_string(handle, CURLOPT_PROTOCOLS_STR, "http,https"),
            mlp_curl_set_string(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https"),
            mlp_curl_set_long(handle, CURLOPT_FOLLOWLOCATION, 1),
            mlp_curl_set_long(handle, CURLOPT_MAXREDIRS, 10),
            mlp_curl_set_long(handle, CURLOPT_FAILONERROR, 1),
            mlp_curl_set_long(handle, CURLOPT_NOSIGNAL, 1),
            mlp_curl_set_string(handle, CURLOPT_USERAGENT, "mlp connector/http"),
            mlp_curl_set_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer),
            mlp_curl_set_write_callback(handle) { data, size, count, context in
                guard let data, let context else { return 0 }
                let (total, overflow) = size.multipliedReportingOverflow(by: count)
                guard !overflow else { return 0 }
                return Unmanaged<TransferSink>.fromOpaque(context).takeUnretainedValue().write(data, total)
            },
            mlp_curl_set_pointer(handle, CURLOPT_WRITEDATA, context),
            mlp_curl_set_long(handle, CURLOPT_NOPROGRESS, 0),
            mlp_curl_set_progress_callback(handle) { context, _, _, _, _ in
                guard let context else { return 0 }
                return Unmanaged<TransferSink>.fromOpaque(context).takeUnretainedValue().isCancelled ? 1 : 0
            },
            mlp_curl_set_pointer(handle, CURLOPT_XFERINFODATA, context),
        ]
        if let timeout {
            let milliseconds = Int(max(1, (timeout * 1000).rounded()))
            setup.append(mlp_curl_set_long(handle, CURLOPT_TIMEOUT_MS, milliseconds))
        }
        if let failed = setup.first(where: { $0 != CURLE_OK }) {
            outcome.code = failed
            outcome.message = "libcurl refused an option: \(String(cString: curl_easy_strerror(failed)))"
            return outcome
        }

        outcome.code = curl_easy_perform(handle)
        let detail = String(cString: errorBuffer)
        outcome.message = detail.isEmpty ? String(cString: curl_easy_strerror(outcome.code)) : detail
        var status = 0
        if mlp_curl_get_long(handle, CURLINFO_RESPONSE_CODE, &status) == CURLE_OK { outcome.status = status }
        var text: UnsafeMutablePointer<CChar>?
        if mlp_curl_get_string(handle, CURLINFO_CONTENT_TYPE, &text) == CURLE_OK, let text { outcome.contentType = String(cString: text) }
        text = nil
        if mlp_curl_get_string(handle, CURLINFO_EFFECTIVE_URL, &text) == CURLE_OK, let text { outcome.effectiveURL = String(cString: text) }
        outcome.bytes = sink.bytes
        outcome.stoppedBecause = sink.stoppedBecause
        outcome.cancelled = sink.isCancelled
        if outcome.code == CURLE_OK {
            outcome.sha256 = sink.hasher.finalize().map { String(format: "%02x", $0) }.joined()
        }
        return outcome
    }
}
