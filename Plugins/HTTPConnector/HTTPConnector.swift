#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CCurl
import Foundation
import MLPCore
import MLPData

/// `uses: connector/http` — downloads a CSV or JSON-lines file over HTTP(S) with libcurl and writes
/// it as a dataset artifact.
///
/// The body streams to a temporary file (hashed on the way), is checked against `sha256` when one
/// is given, then parsed. Connection errors, timeouts and 5xx answers are retried with exponential
/// backoff; 4xx answers are not. Without `sha256` the step is not cached (see the README).
public struct HTTPConnector: DataConnector {
    public init() {}

    public var descriptor: StepKindDescriptor {
        StepKindDescriptor(
            uses: "connector/http", version: "1", summary: "downloads a CSV or JSON-lines file over HTTP into a dataset",
            inputs: [
                .init("url", [.string], required: true, summary: "the http:// or https:// address"),
                .init("sha256", [.string], summary: "the file's SHA-256 (hex); a mismatch fails the step and stores nothing"),
                .init("format", [.string], summary: "csv or jsonl (default: from the URL's extension, else the Content-Type)"),
                .init("retries", [.int], summary: "extra attempts after a connection error, a timeout or a 5xx answer (default 2)"),
                .init("retry_delay", [.float], summary: "seconds before the first retry, doubled for each next one (default 1)"),
                .init("timeout", [.float], summary: "seconds one attempt may take, connection included (default: no limit)"),
                .init("max_bytes", [.int], summary: "refuse a response larger than this many bytes"),
                .init("delimiter", [.string], summary: "csv only: the field separator, one character (default ',')"),
            ],
            outputs: ["data": .dataset, "rows": .int])
    }

    /// Nothing in the project: the URL and checksum are inputs, so they are already in the key.
    public func sourceFiles(for config: [String: PortValue]) -> [String] { [] }

    /// Cacheable only when a checksum pins the content: a URL alone may answer differently tomorrow.
    public func isCacheable(for config: [String: PortValue]) -> Bool {
        if case .string(let checksum)? = config["sha256"], !checksum.isEmpty { return true }
        return false
    }

    /// Downloads, checks and parses `url`, and writes the dataset to `request.destination`.
    ///
    /// - Throws: ``HTTPConnectorError``; `CancellationError` when cancelled.
    public func read(_ request: ConnectorRequest) async throws -> ConnectorResult {
        let options = try DownloadOptions(request.config)
        let folder = (request.destination as NSString).deletingLastPathComponent
        let transfer = CurlTransfer(url: options.url, timeout: options.timeout, maxBytes: options.maxBytes)
        var attempt = 1
        while true {
            try Task.checkCancellation()
            let partial = "\(folder)/.download-\(UUID().uuidString).part"
            let fd = open(partial, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
            guard fd >= 0 else {
                throw HTTPConnectorError.local(url: options.url, message: "cannot create \(partial): \(String(cString: strerror(errno)))")
            }
            defer { unlink(partial) }
            let outcome = await transfer.run(into: fd)
            close(fd)
            if outcome.cancelled || Task.isCancelled { throw CancellationError() }

            if let failure = HTTPConnectorError.failure(of: outcome, url: options.url, attempts: attempt) {
                guard failure.isRetryable, attempt <= options.retries else { throw failure }
                let delay = options.retryDelay * pow(2, Double(attempt - 1))
                try await Task.sleep(nanoseconds: UInt64(min(delay, DownloadOptions.longestRetryDelay) * 1e9))
                attempt += 1
                continue
            }
            if let expected = options.sha256, let actual = outcome.sha256, expected != actual {
                throw HTTPConnectorError.checksumMismatch(url: options.url, expected: expected, actual: actual, bytes: outcome.bytes)
            }
            let format = try options.format ?? DownloadFormat.detect(url: options.url, effectiveURL: outcome.effectiveURL,
                                                                      contentType: outcome.contentType)
            let dataset: Dataset
            do {
                switch format {
                case .csv: dataset = try CSVReader.read(path: partial, options: options.csv)
                case .jsonl: dataset = try JSONLinesReader.read(path: partial)
                }
            } catch {
                throw HTTPConnectorError.unreadable(url: options.url, format: format, message: "\(error)".replacingOccurrences(of: partial, with: "the download"))
            }
            try Task.checkCancellation()
            try dataset.writeArtifact(to: request.destination)
            return ConnectorResult(rows: dataset.rowCount, schema: dataset.schemaJSON)
        }
    }

    /// Adds this plugin to a registry as `connector/http`.
    public static func register(into registry: PluginRegistry) throws {
        try registry.register(connector: HTTPConnector(), as: "http")
    }
}
