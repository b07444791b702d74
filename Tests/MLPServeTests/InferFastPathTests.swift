import Foundation
import Glibc
import Hummingbird
import HummingbirdTesting
import NIOCore
import NIOEmbedded
import NIOHTTP1
import Testing
@testable import MLPServe

/// A tabular model version that counts which path answered it: inline (the fast path on the
/// event loop) or async (the router).
final class CountingInlineEndpoint: InlineModelEndpoint, @unchecked Sendable {
    let base: BatchedModelEndpoint<TabularServedModel>
    private let lock = NSLock()
    private var inlineCalls = 0
    private var asyncCalls = 0

    init(version: String, path: String, metrics: ServeMetrics) throws {
        base = BatchedModelEndpoint(name: "iris", version: version, model: try TabularServedModel(path: path), batching: BatchingOptions(maxBatchSize: 8, maxDelay: .zero),
                                    onBatch: { rows, seconds in metrics.recordBatch(model: "iris", version: version, rows: rows, seconds: seconds) })
    }

    var counts: (inline: Int, async: Int) { lock.withLock { (inlineCalls, asyncCalls) } }
    var name: String { base.name }
    var version: String { base.version }
    var metadata: ModelMetadata { base.metadata }
    var isReady: Bool { true }
    var answersInline: Bool { base.answersInline }

    func infer(_ request: InferenceRequest) async throws -> InferenceResponse {
        lock.withLock { asyncCalls += 1 }
        return try await base.infer(request)
    }

    func inferInline(_ request: InferenceRequest) throws -> InferenceResponse {
        lock.withLock { inlineCalls += 1 }
        return try base.inferInline(request)
    }
}

@Suite struct InferFastPathTests {
    static let row = #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1.9, 0.8]}]}"#

    // MARK: - The same answers as the router

    struct Exchange: Equatable, CustomStringConvertible {
        let status: Int
        let contentType: String?
        let body: String
        var description: String { "\(status) \(body.prefix(160))" }
    }

    /// Every request below through a server in `setup`, with what came back.
    static func exchanges(_ setup: TestingSetup, counting endpoint: inout CountingInlineEndpoint?, metrics: inout ServeMetrics?) async throws -> [Exchange] {
        let path = try await trainedTabularModel()
        let serveMetrics = ServeMetrics()
        let inline = try CountingInlineEndpoint(version: "1", path: path, metrics: serveMetrics)
        var models = ModelRepository()
        try models.add(inline)
        // Version 2 batches with a delay, so it never answers inline: the router answers it in both setups.
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: serveMetrics))
        let app = buildServeApplication(ServeSettings(port: 0, token: "s3cret", maxBodyBytes: 4096), models: models, metrics: serveMetrics)
        let token: HTTPFields = [.authorization: "Bearer s3cret"]
        let requests: [(uri: String, headers: HTTPFields, body: String)] = [
            ("/v2/models/iris/infer", token, row),
            ("/v2/models/iris/infer?trace=1", token, row),
            ("/v2/models/iris/versions/1/infer", token, #"{"id": "q7", "inputs": [{"name": "features", "shape": [3, 2], "datatype": "FP32", "data": [[-1.8, -0.9], [0.1, 0.0], [1.9, 0.8]]}], "outputs": [{"name": "label"}]}"#),
            ("/v2/models/iris/versions/2/infer", token, row),
            ("/v2/models/iris/infer", token, "{not json"),
            ("/v2/models/iris/infer", token, ""),
            ("/v2/models/iris/infer", token, #"{"inputs": [{"name": "features", "shape": [1, 3], "datatype": "FP64", "data": [1, 2, 3]}]}"#),
            ("/v2/models/iris/infer", token, #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "INT64", "data": [1, 2]}]}"#),
            ("/v2/models/iris/infer", token, #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}], "outputs": [{"name": "score"}]}"#),
            ("/v2/models/iris/infer", token, #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64"}]}"#),
            ("/v2/models/iris/infer", token, #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "FP64", "data": [1, 2]}], "pad": "\#(String(repeating: "x", count: 5000))"}"#),
            ("/v2/models/iris/versions/9/infer", token, row),
            ("/v2/models/nope/infer", token, row),
            ("/v2/models/iris/infer", [.authorization: "Bearer wrong"], row),
            ("/v2/models/iris/infer", [:], row),
        ]
        let exchanges = try await app.test(setup) { client in
            var exchanges: [Exchange] = []
            for request in requests {
                exchanges.append(try await client.execute(uri: request.uri, method: .post, headers: request.headers, body: ByteBuffer(string: request.body)) { response in
                    Exchange(status: Int(response.status.code), contentType: response.headers[.contentType], body: String(buffer: response.body))
                })
            }
            return exchanges
        }
        endpoint = inline
        metrics = serveMetrics
        return exchanges
    }

    /// The request and error counters of an exposition (durations differ run to run).
    static func counters(_ metrics: ServeMetrics) -> [String] {
        String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n").map(String.init)
            .filter { $0.hasPrefix("mlp_inference_requests_total") || $0.hasPrefix("mlp_inference_errors_total") || $0.hasPrefix("mlp_batch_size_count") }.sorted()
    }

    @Test func theFastPathAnswersEveryRequestExactlyAsTheRouterDoes() async throws {
        var routed: CountingInlineEndpoint?, live: CountingInlineEndpoint?
        var routedMetrics: ServeMetrics?, liveMetrics: ServeMetrics?
        // `.router` runs the router alone; `.live` runs the real server, whose fast path answers version 1.
        let viaRouter = try await Self.exchanges(.router, counting: &routed, metrics: &routedMetrics)
        let viaServer = try await Self.exchanges(.live, counting: &live, metrics: &liveMetrics)
        #expect(viaServer.count == viaRouter.count)
        for (server, router) in zip(viaServer, viaRouter) { #expect(server == router) }
        #expect(viaRouter[0].status == 200 && viaRouter[2].body.contains(#""id":"q7""#) && viaRouter[10].status == 413)
        #expect(viaRouter[4].status == 400 && viaRouter[11].status == 404 && viaRouter[13].status == 401)
        // The router answered version 1 through `infer`, the server's fast path through `inferInline`.
        let routerCounts = try #require(routed).counts, serverCounts = try #require(live).counts
        #expect(routerCounts.inline == 0 && routerCounts.async == 6)
        #expect(serverCounts.inline == 6 && serverCounts.async == 0)
        let liveCounters = Self.counters(try #require(liveMetrics)), routedCounters = Self.counters(try #require(routedMetrics))
        #expect(liveCounters == routedCounters, "\(Set(liveCounters).symmetricDifference(routedCounters).sorted())")
    }

    // MARK: - The connection, request by request

    struct Harness {
        let channel: EmbeddedChannel
        let passed: PassedOn
        let endpoint: CountingInlineEndpoint

        /// A channel with the fast path in front of a handler that records what is passed on.
        init(models: ModelRepository? = nil, metrics: ServeMetrics = ServeMetrics(), events: EventLog? = nil) async throws {
            let path = try await trainedTabularModel()
            endpoint = try CountingInlineEndpoint(version: "1", path: path, metrics: metrics)
            var repository = models ?? ModelRepository()
            if models == nil { try repository.add(endpoint) }
            let settings = InferFastPathHandler.Settings(models: repository, metrics: metrics, requestLogs: nil, maxBodyBytes: 1 << 16,
                                                         authorization: nil, serverName: "mlp", logger: .init(label: "test"))
            passed = PassedOn()
            channel = EmbeddedChannel()
            if let events { try channel.pipeline.syncOperations.addHandler(events) }
            try channel.pipeline.syncOperations.addHandler(HTTPResponseEncoder())
            try channel.pipeline.syncOperations.addHandler(InferFastPathHandler(settings: settings))
            try channel.pipeline.syncOperations.addHandler(passed)
            try channel.connect(to: SocketAddress(ipAddress: "127.0.0.1", port: 8080)).wait()
        }

        func send(_ method: HTTPMethod, _ uri: String, body: String = InferFastPathTests.row, headers: HTTPHeaders = [:], version: HTTPVersion = .http1_1) throws {
            try channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: version, method: method, uri: uri, headers: headers)))
            try channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: body)))
            try channel.writeInbound(HTTPServerRequestPart.end(nil))
        }

        /// The next answer on the wire (the fast path's or the router's), read from the bytes
        /// written; nil when no whole answer has been written.
        func answer(toHEAD: Bool = false) throws -> WrittenResponse? {
            while let data = try channel.readOutbound(as: IOData.self) {
                guard case .byteBuffer(let buffer) = data else { Issue.record("a file region was written"); return nil }
                written.append(contentsOf: buffer.readableBytesView)
            }
            return written.next(toHEAD: toHEAD)
        }

        /// Writes the router's answer to a request it was passed, as the router would.
        func routerAnswers(_ status: HTTPResponseStatus) throws {
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: ["content-length": "0"])))
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
        }

        /// Writes the router's answer with a body; the body write's outcome.
        func routerAnswers(_ status: HTTPResponseStatus, body: String, headers: HTTPHeaders? = nil) throws -> Result<Void, any Error> {
            let headers = headers ?? ["content-length": "\(body.utf8.count)"]
            try channel.writeOutbound(HTTPServerResponsePart.head(HTTPResponseHead(version: .http1_1, status: status, headers: headers)))
            let written = channel.eventLoop.makePromise(of: Void.self)
            channel.writeAndFlush(HTTPServerResponsePart.body(.byteBuffer(ByteBuffer(string: body))), promise: written)
            try channel.writeOutbound(HTTPServerResponsePart.end(nil))
            var outcome: Result<Void, any Error>?
            written.futureResult.whenComplete { outcome = $0 }
            channel.embeddedEventLoop.run()
            return try #require(outcome)
        }

        let written = WrittenBytes()
    }

    /// Bytes written to the socket, read back one HTTP/1 response (with a content-length) at a time.
    final class WrittenBytes: @unchecked Sendable {
        private var bytes: [UInt8] = []
        func append(contentsOf more: some Sequence<UInt8>) { bytes.append(contentsOf: more) }

        /// The next response; one `toHEAD` has no body whatever its content-length says.
        func next(toHEAD: Bool = false) -> WrittenResponse? {
            let separator: [UInt8] = Array("\r\n\r\n".utf8)
            guard let end = (0..<max(0, bytes.count - 3)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator }) else { return nil }
            let lines = String(decoding: bytes[..<end], as: UTF8.self).components(separatedBy: "\r\n")
            let statusLine = lines[0].split(separator: " ", maxSplits: 2)
            var headers: [String: String] = [:]
            for line in lines.dropFirst() {
                guard let colon = line.firstIndex(of: ":") else { continue }
                headers[line[..<colon].lowercased()] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            }
            let length = toHEAD ? 0 : Int(headers["content-length"] ?? "0") ?? 0
            guard bytes.count >= end + 4 + length else { return nil }
            let body = String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self)
            bytes.removeFirst(end + 4 + length)
            return WrittenResponse(version: String(statusLine[0]), status: Int(statusLine[1]) ?? 0, headers: headers, body: body)
        }
    }

    /// One response as it went over the wire.
    struct WrittenResponse {
        let version: String
        let status: Int
        let headers: [String: String]
        let body: String
    }

    /// Records the parts and events the fast path hands on towards the router.
    final class PassedOn: ChannelInboundHandler, @unchecked Sendable {
        typealias InboundIn = HTTPServerRequestPart
        private let lock = NSLock()
        private var seen: (heads: [String], parts: Int, quiesced: Bool) = ([], 0, false)
        var heads: [String] { lock.withLock { seen.heads } }
        var parts: Int { lock.withLock { seen.parts } }
        var quiesced: Bool { lock.withLock { seen.quiesced } }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let part = unwrapInboundIn(data)
            lock.withLock {
                seen.parts += 1
                if case .head(let head) = part { seen.heads.append(head.uri) }
            }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelShouldQuiesceEvent { lock.withLock { seen.quiesced = true } }
        }
    }

    /// Records flushes on their way to the socket, in one log with other events.
    final class EventLog: ChannelOutboundHandler, @unchecked Sendable {
        typealias OutboundIn = HTTPServerResponsePart
        private let lock = NSLock()
        private var entries: [String] = []
        var log: [String] { lock.withLock { entries } }
        func append(_ entry: String) { lock.withLock { entries.append(entry) } }

        func flush(context: ChannelHandlerContext) {
            append("flush")
            context.flush()
        }
    }

    @Test func inferPathsAreRecognisedAndEverythingElseIsLeftToTheRouter() {
        #expect(InferFastPathHandler.inferTarget("/v2/models/iris/infer")! == ("iris", nil))
        #expect(InferFastPathHandler.inferTarget("/v2/models/iris/infer?x=1&y=/infer")! == ("iris", nil))
        #expect(InferFastPathHandler.inferTarget("/v2/models/iris/versions/3/infer")! == ("iris", "3"))
        for path in ["/v2/models/iris", "/v2/models//infer", "/v2/models/iris/versions//infer", "/v2/models/iris/versions/3/ready",
                     "/v2/models/a%20b/infer", "/v2/models/iris/infer/", "/v2/models/iris/x/3/infer", "/v2/models/a/b/infer", "/v2/models/infer",
                     "/v3/models/iris/infer", "v2/models/iris/infer", "/v2/models/iris/versions/3/extra/infer", ""] {
            #expect(InferFastPathHandler.inferTarget(path) == nil, "\(path)")
        }
    }

    @Test func aTakenRequestIsAnsweredOnTheEventLoopAndOthersArePassedOn() async throws {
        let harness = try await Harness()
        try harness.send(.POST, "/v2/models/iris/infer")
        let answer = try #require(try harness.answer())
        #expect(answer.version == "HTTP/1.1" && answer.status == 200 && answer.headers["content-type"] == "application/json")
        #expect(answer.headers["content-length"] == "\(answer.body.utf8.count)" && answer.headers["server"] == "mlp" && answer.headers["date"] != nil)
        let expected = try await harness.endpoint.base.infer(try JSONDecoder().decode(InferenceRequest.self, from: Data(InferFastPathTests.row.utf8)))
        #expect(answer.body == String(decoding: try #require(expected.jsonBytes()), as: UTF8.self))
        #expect(harness.passed.parts == 0 && harness.endpoint.counts.inline == 1)

        // Not infer, not POST, not a model here: the router's.
        try harness.send(.GET, "/v2/models/iris/infer")
        try harness.routerAnswers(.methodNotAllowed)
        try harness.send(.POST, "/v2/models/nope/infer")
        try harness.routerAnswers(.notFound)
        try harness.send(.POST, "/v2/models/iris/ready")
        try harness.routerAnswers(.notFound)
        #expect(harness.passed.heads == ["/v2/models/iris/infer", "/v2/models/nope/infer", "/v2/models/iris/ready"])
        #expect(harness.passed.parts == 9)
    }

    @Test func whileTheRouterOwesAnAnswerLaterRequestsGoToItSoAnswersKeepTheirOrder() async throws {
        let harness = try await Harness()
        // A pipelined client: a request for the router, then an infer the fast path could take.
        try harness.send(.GET, "/v2")
        try harness.send(.POST, "/v2/models/iris/infer")
        #expect(harness.passed.heads == ["/v2", "/v2/models/iris/infer"])
        #expect(try harness.answer() == nil)
        try harness.routerAnswers(.ok)
        try harness.routerAnswers(.accepted)
        #expect(try harness.answer()?.status == 200 && harness.answer()?.status == 202)
        // Nothing owed any more: the next infer is answered here.
        try harness.send(.POST, "/v2/models/iris/infer")
        #expect(try harness.answer()?.status == 200)
        #expect(harness.passed.heads.count == 2 && harness.endpoint.counts.inline == 1)
    }

    @Test func theRoutersAnswerToHEADCarriesNoBodyAndTheAnswersAroundItStayWhole() async throws {
        let harness = try await Harness()
        try harness.send(.POST, "/v2/models/iris/infer")
        try harness.send(.HEAD, "/v2/health/live")
        let bodyWrite = try harness.routerAnswers(.notFound, body: #"{"error": "no route"}"#)
        #expect(throws: NIOHTTPResponseEncoderError.responseBodyNotAllowed) { try bodyWrite.get() }
        // Without a length the encoder would frame it chunked and end it with an empty chunk.
        try harness.send(.HEAD, "/v2")
        _ = try harness.routerAnswers(.ok, body: "{}", headers: [:])
        try harness.send(.GET, "/v2")
        #expect((try? harness.routerAnswers(.ok, body: #"{"name": "mlp"}"#).get()) != nil)
        try harness.send(.POST, "/v2/models/iris/infer")

        let first = try #require(try harness.answer())
        #expect(first.status == 200 && first.body.hasPrefix("{"))
        let head = try #require(try harness.answer(toHEAD: true))
        #expect(head.status == 404 && head.headers["content-length"] == "21")
        let lengthless = try #require(try harness.answer(toHEAD: true))
        #expect(lengthless.status == 200 && lengthless.headers["content-length"] == "0" && lengthless.headers["transfer-encoding"] == nil)
        #expect(try harness.answer()?.body == #"{"name": "mlp"}"#)
        let last = try #require(try harness.answer())
        #expect(last.status == 200 && last.body == first.body)
        #expect(try harness.answer() == nil && harness.endpoint.counts.inline == 2)
    }

    /// The server's own pipeline (decoder and encoder not paired), over one connection: HEAD
    /// requests after answers the fast path wrote past the encoder are still answered without a
    /// body, and the answers after them arrive whole.
    @Test func headRequestsAfterFastPathAnswersGetNoBodyOnTheLiveServer() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        var models = ModelRepository()
        let inline = try CountingInlineEndpoint(version: "1", path: path, metrics: metrics)
        try models.add(inline)
        let app = buildServeApplication(ServeSettings(port: 0), models: models, metrics: metrics)
        let infer = "POST /v2/models/iris/infer HTTP/1.1\r\nhost: t\r\ncontent-length: \(Self.row.utf8.count)\r\n\r\n\(Self.row)"
        let request = String(repeating: infer, count: 3) + "HEAD /v2/health/live HTTP/1.1\r\nhost: t\r\n\r\n"
            + "HEAD /v2/nothing HTTP/1.1\r\nhost: t\r\n\r\n" + infer + "GET /v2/health/live HTTP/1.1\r\nhost: t\r\nconnection: close\r\n\r\n"
        let written = WrittenBytes()
        try await app.test(.live) { client in
            // Off Swift's cooperative pool: the blocking reads must not hold the threads the router's tasks need.
            let port = try #require(client.port)
            written.append(contentsOf: try await offThePool { try Self.exchangeOverOneConnection(port: port, Array(request.utf8)) })
        }
        var answers: [WrittenResponse] = []
        for toHEAD in [false, false, false, true, true, false, false] { answers.append(try #require(written.next(toHEAD: toHEAD))) }
        #expect(written.next() == nil)
        // The router has no HEAD routes: its 404 says how long the error would be, and sends none of it.
        #expect(answers.map(\.status) == [200, 200, 200, 404, 404, 200, 200])
        for head in answers[3...4] { #expect(head.body.isEmpty && Int(head.headers["content-length"] ?? "") ?? 0 > 0) }
        #expect(answers[5].body == answers[0].body && answers[6].body == #"{"live":true}"#)
        // The last infer, pipelined behind the router's answers, is the router's when it is read
        // before they are written (one read takes all these bytes, unless the kernel splits them).
        #expect((3...4).contains(inline.counts.inline))
    }

    /// Sends `bytes` on one new connection to 127.0.0.1:`port` and reads until the server closes it.
    static func exchangeOverOneConnection(port: Int, _ bytes: [UInt8]) throws -> [UInt8] {
        let socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        #expect(socket >= 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "connect: errno \(errno)")
        var timeout = timeval(tv_sec: 30, tv_usec: 0)
        setsockopt(socket, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        try #require(bytes.withUnsafeBytes { send(socket, $0.baseAddress, $0.count, 0) } == bytes.count)
        var received: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            try #require(count >= 0, "recv: errno \(errno)")
            if count == 0 { return received }
            received.append(contentsOf: chunk[..<count])
        }
    }

    @Test func aClientThatDoesNotKeepTheConnectionAliveIsAnsweredThenClosed() async throws {
        let harness = try await Harness()
        try harness.send(.POST, "/v2/models/iris/infer", headers: ["Connection": "close"])
        let answer = try #require(try harness.answer())
        #expect(answer.status == 200 && answer.headers["connection"] == "close")
        #expect(!harness.channel.isActive)

        let old = try await Harness()
        try old.send(.POST, "/v2/models/iris/infer", headers: ["Connection": "keep-alive"], version: .http1_0)
        let kept = try #require(try old.answer())
        #expect(kept.version == "HTTP/1.0" && kept.headers["connection"] == "keep-alive" && old.channel.isActive)
        try old.send(.POST, "/v2/models/iris/infer", version: .http1_0)
        #expect(try old.answer()?.headers["connection"] == "close")
        #expect(!old.channel.isActive)
    }

    @Test func aBodyOverTheLimitOrMalformedGetsTheRoutersWords() async throws {
        let harness = try await Harness()
        try harness.send(.POST, "/v2/models/iris/infer", body: "{\"inputs\": " + String(repeating: " ", count: 70_000) + "[]}")
        let tooLarge = try #require(try harness.answer())
        #expect(tooLarge.status == 413)
        #expect(tooLarge.body.contains("larger than the server's limit of 65536 bytes"))
        try harness.send(.POST, "/v2/models/iris/infer", body: #"{"inputs": [{"name": "features", "shape": [1, 2], "datatype": "BYTES", "data": ["a", "b"]}]}"#)
        let wrongType = try #require(try harness.answer())
        #expect(wrongType.status == 400 && wrongType.body.contains("has datatype BYTES"))
        #expect(harness.channel.isActive)
    }

    @Test func shutdownWaitsForTheRequestBeingRead() async throws {
        let harness = try await Harness()
        try harness.channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v2/models/iris/infer")))
        harness.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(!harness.passed.quiesced)
        try harness.channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: InferFastPathTests.row)))
        try harness.channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(try harness.answer()?.status == 200)
        #expect(harness.passed.quiesced)
        // Between requests the event goes straight on.
        let idle = try await Harness()
        idle.channel.pipeline.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        #expect(idle.passed.quiesced)
    }

    @Test func aShadowsMirroredRunHappensAfterTheAnswerIsFlushed() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics(), events = EventLog()
        let stable = try CountingInlineEndpoint(version: "1", path: path, metrics: metrics)
        let candidate = try CountingInlineEndpoint(version: "2", path: path, metrics: metrics)
        let deployment = DeploymentEndpoint(name: "iris", plan: RoutePlan(stable: stable, candidate: candidate, mode: .shadow, generation: 1), metrics: metrics,
                                            onShadow: { comparison in events.append("shadow \(comparison.outcome.rawValue)") })
        var models = ModelRepository()
        try models.addDeployment(deployment)
        let harness = try await Harness(models: models, metrics: metrics, events: events)
        for _ in 0..<3 { try harness.send(.POST, "/v2/models/iris/infer") }
        for _ in 0..<3 {
            let answer = try #require(try harness.answer())
            #expect(answer.status == 200 && answer.body.contains(#""model_version":"1""#))
        }
        #expect(events.log == ["flush", "shadow agree", "flush", "shadow agree", "flush", "shadow agree"])
        #expect(stable.counts == (3, 0) && candidate.counts == (3, 0))
        #expect(metricValue(metrics, #"mlp_shadow_requests_total{deployment="iris",outcome="agree"}"#) == 3)
    }

    @Test func aCanarySplitsAndFallsBackToStableInline() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let stable = try CountingInlineEndpoint(version: "1", path: path, metrics: metrics)
        let candidate = try CountingInlineEndpoint(version: "2", path: path, metrics: metrics)
        let deployment = DeploymentEndpoint(name: "iris", plan: RoutePlan(stable: stable, candidate: candidate, mode: .canary(percent: 30, stickyHeader: "X-User"), generation: 1),
                                            metrics: metrics, randomSeed: 7)
        var models = ModelRepository()
        try models.addDeployment(deployment)
        let harness = try await Harness(models: models, metrics: metrics)
        var versions: [String: Set<String>] = [:]
        for round in 0..<2 {
            for user in 0..<200 {
                try harness.send(.POST, "/v2/models/iris/infer", headers: [round == 0 ? "X-User" : "x-user": "u\(user)"])
                let answer = try JSONDecoder().decode(InferenceResponse.self, from: Data(try #require(try harness.answer()).body.utf8))
                versions["u\(user)", default: []].insert(try #require(answer.modelVersion))
            }
        }
        #expect(versions.values.allSatisfy { $0.count == 1 }, "a user moved between versions")
        let onCandidate = versions.values.filter { $0 == ["2"] }.count
        #expect((40...80).contains(onCandidate), "\(onCandidate) of 200 users on the 30% candidate")
        #expect(stable.counts.async == 0 && candidate.counts.async == 0 && stable.counts.inline + candidate.counts.inline == 400)
    }

    @Test func aPlanThatStopsAnsweringInlineMidRequestIsAnsweredByATaskAndLaterRequestsWait() async throws {
        let path = try await trainedTabularModel()
        let metrics = ServeMetrics()
        let tabular = try CountingInlineEndpoint(version: "1", path: path, metrics: metrics)
        let deployment = DeploymentEndpoint(name: "iris", plan: RoutePlan(stable: tabular, generation: 1), metrics: metrics)
        var models = ModelRepository()
        try models.addDeployment(deployment)
        let settings = InferFastPathHandler.Settings(models: models, metrics: metrics, requestLogs: nil, maxBodyBytes: 1 << 16,
                                                     authorization: nil, serverName: "mlp", logger: .init(label: "test"))
        let passed = PassedOn()
        let channel = try await NIOAsyncTestingChannel { channel in
            try channel.pipeline.syncOperations.addHandlers([HTTPResponseEncoder(), InferFastPathHandler(settings: settings), passed])
        }
        try await channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .POST, uri: "/v2/models/iris/infer")))
        // While the body is read, the deployment moves to a version that only answers asynchronously (and is held).
        let scripted = ScriptedVersion(name: "iris", version: "3", held: true)
        deployment.apply(RoutePlan(stable: scripted, generation: 2))
        try await channel.writeInbound(HTTPServerRequestPart.body(ByteBuffer(string: #"{"inputs": [{"name": "x", "shape": [1], "datatype": "FP64", "data": [2.5]}]}"#)))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        // A pipelined request behind it waits: passing it on now could answer it first.
        try await channel.writeInbound(HTTPServerRequestPart.head(HTTPRequestHead(version: .http1_1, method: .GET, uri: "/v2")))
        try await channel.writeInbound(HTTPServerRequestPart.end(nil))
        #expect(passed.heads.isEmpty)
        scripted.release()
        // The answer comes out of the encoder as a head and a body write.
        let written = WrittenBytes()
        var read: WrittenResponse?
        while read == nil {
            guard case .byteBuffer(let bytes) = try await channel.waitForOutboundWrite(as: IOData.self) else {
                Issue.record("a file region was written")
                return
            }
            written.append(contentsOf: bytes.readableBytesView)
            read = written.next()
        }
        let answer = try #require(read)
        #expect(answer.status == 200 && answer.body.contains(#""model_version":"3""#))
        let deadline = ContinuousClock.now + .seconds(30)
        while passed.heads.isEmpty, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }
        #expect(passed.heads == ["/v2"])
        #expect(scripted.callCount == 1 && tabular.counts.inline == 0 && tabular.counts.async == 0)
    }
}
