import CCurl

/// Why `connector/http` produced no dataset.
public enum HTTPConnectorError: Error, CustomStringConvertible, Sendable, Equatable {
    /// A `with:` input is missing or of the wrong shape.
    case input(name: String, message: String)
    /// The server answered with an HTTP error status.
    case httpStatus(url: String, status: Int, attempts: Int)
    /// The transfer failed before a whole response arrived (connection refused, reset, timed out…).
    case transfer(url: String, message: String, timedOut: Bool, attempts: Int)
    /// The download was stopped on our side (size cap, disk).
    case stopped(url: String, reason: String)
    /// The body's SHA-256 is not the one the step expects; nothing was stored.
    case checksumMismatch(url: String, expected: String, actual: String, bytes: Int64)
    /// Neither the URL nor the Content-Type says csv or jsonl.
    case unknownFormat(url: String, contentType: String?)
    /// The body is not valid in its format.
    case unreadable(url: String, format: DownloadFormat, message: String)
    /// A local file problem.
    case local(url: String, message: String)

    /// Whether another attempt might succeed: connection errors, timeouts and 5xx answers.
    public var isRetryable: Bool {
        switch self {
        case .httpStatus(_, let status, _): return status >= 500
        case .transfer: return true
        default: return false
        }
    }

    public var description: String {
        func tries(_ attempts: Int) -> String { attempts == 1 ? "" : " (after \(attempts) attempts)" }
        switch self {
        case .input(let name, let message):
            return "connector/http: input '\(name)' \(message)"
        case .httpStatus(let url, let status, let attempts):
            let hint = status >= 500 ? "the server failed; raise `retries` or try later"
                : status == 404 || status == 410 ? "check the URL" : status == 401 || status == 403 ? "the server refuses access to this URL"
                : "the request was refused; check the URL"
            return "connector/http: GET \(url) answered HTTP \(status)\(tries(attempts)); \(hint)"
        case .transfer(let url, let message, let timedOut, let attempts):
            let hint = timedOut ? "raise `timeout` or check the server" : "check the address and that the server is up"
            return "connector/http: GET \(url) failed\(tries(attempts)): \(message); \(hint)"
        case .stopped(let url, let reason):
            return "connector/http: GET \(url) stopped: \(reason)"
        case .checksumMismatch(let url, let expected, let actual, let bytes):
            return "connector/http: the download of \(url) (\(bytes) bytes) has SHA-256 \(actual), but the step expects \(expected); "
                + "nothing was stored. If the file changed on purpose, update `sha256`"
        case .unknownFormat(let url, let contentType):
            return "connector/http: cannot tell whether \(url) is CSV or JSON lines (no .csv/.jsonl/.ndjson extension, Content-Type "
                + "\(contentType.map { "'\($0)'" } ?? "absent")); add `format: csv` or `format: jsonl`"
        case .unreadable(let url, let format, let message):
            return "connector/http: the download of \(url) is not valid \(format.rawValue): \(message)"
        case .local(let url, let message):
            return "connector/http: \(url): \(message)"
        }
    }

    /// The error a finished transfer stands for, or `nil` when the body arrived whole.
    static func failure(of outcome: TransferOutcome, url: String, attempts: Int) -> HTTPConnectorError? {
        if outcome.code == CURLE_OK { return nil }
        if let reason = outcome.stoppedBecause { return .stopped(url: url, reason: reason) }
        if outcome.code == CURLE_HTTP_RETURNED_ERROR, outcome.status >= 400 {
            return .httpStatus(url: url, status: outcome.status, attempts: attempts)
        }
        let transient = [CURLE_COULDNT_RESOLVE_PROXY, CURLE_COULDNT_RESOLVE_HOST, CURLE_COULDNT_CONNECT, CURLE_OPERATION_TIMEDOUT,
                         CURLE_SEND_ERROR, CURLE_RECV_ERROR, CURLE_GOT_NOTHING, CURLE_PARTIAL_FILE, CURLE_SSL_CONNECT_ERROR,
                         CURLE_HTTP2, CURLE_HTTP2_STREAM]
        if transient.contains(outcome.code) {
            return .transfer(url: url, message: outcome.message, timedOut: outcome.code == CURLE_OPERATION_TIMEDOUT, attempts: attempts)
        }
        // Anything else (a malformed URL, a refused protocol, too many redirects, a bad certificate) will not get better.
        return .stopped(url: url, reason: outcome.message)
    }
}
