import Crypto
import Foundation
import MLPCore
import MLPData
import Testing
@testable import HTTPConnector

/// The CSV body `test_server.py` serves.
let servedCSV = "id,name,score\n1,ann,0.5\n2,bob,1.5\n3,cy,\n"

func hex(_ text: String) -> String { SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined() }

func scratchFolder() throws -> String {
    let path = NSTemporaryDirectory() + "mlp-httpc-\(UUID().uuidString)"
    try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    return path
}

/// Every test talks to a real HTTP server on 127.0.0.1 (plain http; https is not tested here).
@Suite struct HTTPConnectorTests {
    func read(_ config: [String: PortValue]) async throws -> (ConnectorResult, String, String) {
        let folder = try scratchFolder()
        let destination = folder + "/data"
        let result = try await HTTPConnector().read(ConnectorRequest(config: config, projectDirectory: folder, destination: destination))
        return (result, destination, folder)
    }

    func failure(_ config: [String: PortValue]) async throws -> (HTTPConnectorError, String) {
        let folder = try scratchFolder()
        let destination = folder + "/data"
        let error = try await #require(throws: HTTPConnectorError.self) {
            try await HTTPConnector().read(ConnectorRequest(config: config, projectDirectory: folder, destination: destination))
        }
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder).isEmpty, "nothing is stored and no partial download is left")
        return (error, folder)
    }

    @Test func registersAsConnectorHTTP() throws {
        let registry = PluginRegistry()
        try HTTPConnector.register(into: registry)
        #expect(registry.keys.map(\.description) == ["connector/http"])
        #expect(registry.stepKind(uses: "connector/http")?.outputs == ["data": .dataset, "rows": .int])
        #expect(registry.stepKind(uses: "connector/http")?.input(named: "url")?.required == true)
    }

    @Test func downloadsACSVWhoseChecksumMatches() async throws {
        let server = try sharedServer.get()
        let path = server.unique("/data.csv")
        let (result, destination, folder) = try await read(["url": .string(server.url(path)), "sha256": .string(hex(servedCSV))])
        #expect(result.rows == 3)
        let dataset = try DatasetFile.read(destination)
        #expect(dataset.columnNames == ["id", "name", "score"])
        #expect(dataset["id"]?.type == .int && dataset["score"]?.type == .float)
        #expect(dataset["name"]?[1] == .string("bob"))
        #expect(dataset["score"]?[2] == nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["data"], "the temporary download is removed")
        #expect(server.requests(path) == 1)
    }

    @Test func theFormatComesFromTheContentTypeOrTheURLAfterRedirects() async throws {
        let server = try sharedServer.get()
        let (feed, feedPath, _) = try await read(["url": .string(server.url("/feed"))])
        #expect(feed.rows == 2)
        #expect(try DatasetFile.read(feedPath)["tag"]?[0] == .string("a"))
        let token = server.unique("")
        let (moved, movedPath, _) = try await read(["url": .string(server.url("/moved" + token))])
        #expect(moved.rows == 2, "the redirect to /data.jsonl was followed and its extension used")
        #expect(try DatasetFile.read(movedPath)["id"]?[1] == .int(2))
        #expect(server.requests("/data.jsonl" + token) == 1)
        let (explicit, _, _) = try await read(["url": .string(server.url("/blob")), "format": .string("csv")])
        #expect(explicit.rows == 3)
        let (unknown, _) = try await failure(["url": .string(server.url("/blob"))])
        #expect(unknown == .unknownFormat(url: server.url("/blob"), contentType: "application/octet-stream"))
        #expect(unknown.description.contains("add `format: csv` or `format: jsonl`"))
    }

    @Test func aChecksumMismatchFailsAndStoresNothing() async throws {
        let server = try sharedServer.get()
        let wrong = String(repeating: "0", count: 64)
        let path = server.unique("/data.csv")
        let (error, _) = try await failure(["url": .string(server.url(path)), "sha256": .string(wrong), "retries": .int(3)])
        #expect(error == .checksumMismatch(url: server.url(path), expected: wrong, actual: hex(servedCSV), bytes: Int64(servedCSV.utf8.count)))
        #expect(error.description.contains("nothing was stored"))
        #expect(server.requests(path) == 1, "a checksum mismatch is not retried")
    }

    @Test func aNotFoundIsNotRetried() async throws {
        let server = try sharedServer.get()
        let path = server.unique("/missing.csv")
        let (error, _) = try await failure(["url": .string(server.url(path)), "retries": .int(3), "retry_delay": .float(0.01)])
        #expect(error == .httpStatus(url: server.url(path), status: 404, attempts: 1))
        #expect(error.description.contains("HTTP 404"))
        #expect(server.requests(path) == 1)
    }

    @Test func aServerErrorIsRetriedWithBackoffUntilItSucceeds() async throws {
        let server = try sharedServer.get()
        let path = server.unique("/flaky.csv?fail=2")
        let started = ContinuousClock.now
        let (result, _, _) = try await read(["url": .string(server.url(path)), "retries": .int(2), "retry_delay": .float(0.1)])
        #expect(result.rows == 3)
        #expect(server.requests(path) == 3)
        #expect(ContinuousClock.now - started >= .milliseconds(300), "waits 0.1 s, then 0.2 s")

        let exhausted = server.unique("/flaky.csv?fail=5")
        let (error, _) = try await failure(["url": .string(server.url(exhausted)), "retries": .int(1), "retry_delay": .float(0.01)])
        #expect(error == .httpStatus(url: server.url(exhausted), status: 500, attempts: 2))
        #expect(error.description.contains("after 2 attempts"))
        #expect(server.requests(exhausted) == 2)
    }

    @Test func aSlowServerTimesOut() async throws {
        let server = try sharedServer.get()
        // The server answers after 120 s; giving up well before that shows the 0.5 s timeout acted.
        // (The bound is loose because a loaded machine can delay the test itself by seconds.)
        let path = server.unique("/slow.csv?delay=120")
        let started = ContinuousClock.now
        let (error, _) = try await failure(["url": .string(server.url(path)), "timeout": .float(0.5), "retries": .int(0)])
        #expect(ContinuousClock.now - started < .seconds(60))
        guard case .transfer(_, let message, let timedOut, let attempts) = error else {
            Issue.record("expected a transfer error, got \(error)")
            return
        }
        #expect(timedOut && attempts == 1)
        #expect(message.lowercased().contains("timed out"))
        #expect(error.description.contains("raise `timeout`"))
    }

    @Test func aRefusedConnectionIsRetriedThenReported() async throws {
        // A port that is bound but not listening refuses connections, and stays this test's until the
        // socket is closed (a port freed by stopping a server could be taken by a test running beside it).
        #if os(Linux)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #else
        let fd = socket(AF_INET, SOCK_STREAM, 0)
        #endif
        try #require(fd >= 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(named)
        let url = "http://127.0.0.1:\(UInt16(bigEndian: address.sin_port))/data.csv"
        let (error, _) = try await failure(["url": .string(url), "retries": .int(1), "retry_delay": .float(0.01)])
        guard case .transfer(_, _, let timedOut, let attempts) = error else {
            Issue.record("expected a transfer error, got \(error)")
            return
        }
        #expect(!timedOut && attempts == 2)
    }

    @Test func aBodyPastMaxBytesIsStoppedAndNotRetried() async throws {
        let server = try sharedServer.get()
        let path = server.unique("/data.csv")
        let (error, _) = try await failure(["url": .string(server.url(path)), "max_bytes": .int(10), "retries": .int(2)])
        #expect(error == .stopped(url: server.url(path), reason: "the response is larger than max_bytes (10 bytes)"))
        #expect(server.requests(path) == 1)
        let (fits, _, _) = try await read(["url": .string(server.url(server.unique("/data.csv"))), "max_bytes": .int(Int(servedCSV.utf8.count))])
        #expect(fits.rows == 3, "a body of exactly max_bytes is accepted")
    }

    @Test func badInputsSayWhatIsWrong() async throws {
        let cases: [([String: PortValue], String)] = [
            ([:], "url"),
            (["url": .string("ftp://example.org/x.csv")], "url"),
            (["url": .string("http://127.0.0.1:1/x.csv"), "sha256": .string("abc")], "sha256"),
            (["url": .string("http://127.0.0.1:1/x.csv"), "format": .string("parquet")], "format"),
            (["url": .string("http://127.0.0.1:1/x.csv"), "retries": .int(-1)], "retries"),
            (["url": .string("http://127.0.0.1:1/x.csv"), "timeout": .float(0)], "timeout"),
        ]
        for (config, input) in cases {
            let (error, _) = try await failure(config)
            guard case .input(let name, _) = error else {
                Issue.record("expected an input error for \(input), got \(error)")
                continue
            }
            #expect(name == input)
        }
    }

    @Test func onlyAChecksumMakesTheStepCacheable() {
        let connector = HTTPConnector()
        #expect(!connector.isCacheable(for: ["url": .string("http://x/a.csv")]))
        #expect(connector.isCacheable(for: ["url": .string("http://x/a.csv"), "sha256": .string(hex(servedCSV))]))
        #expect(connector.sourceFiles(for: ["url": .string("http://x/a.csv")]).isEmpty)
    }

    @Test func formatDetection() throws {
        #expect(DownloadFormat.fromExtension("https://h/p/data.CSV?x=1#top") == .csv)
        #expect(DownloadFormat.fromExtension("https://h/p/events.ndjson") == .jsonl)
        #expect(DownloadFormat.fromExtension("https://h.example/p/data") == nil)
        #expect(DownloadFormat.fromContentType("text/csv; charset=utf-8") == .csv)
        #expect(DownloadFormat.fromContentType("application/json") == nil)
    }
}
