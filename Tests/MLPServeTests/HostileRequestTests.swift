import Foundation
import Glibc
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle
import Testing
@testable import MLPServe

/// What a hostile or careless client sends (issue 13, items 1 and 2): shapes that do not fit
/// their data, idle and slow connections, half bodies, more connections than the cap. Each is
/// refused or cut off with an answer, and the server keeps answering everyone else.
@Suite struct HostileRequestTests {
    // MARK: - Shapes (item 1)

    static func body(_ inputs: String, prefix: String = "") -> ByteBuffer { ByteBuffer(string: #"{\#(prefix)"inputs": [\#(inputs)]}"#) }

    /// Shapes that cannot be trusted, each with the words of its refusal, sent as a `features`
    /// input and as a per-column input (`x`), in the form the fast reader takes and in one it
    /// leaves to `JSONDecoder` (a `null` id).
    static let badShapes: [(shape: String, data: String, message: String)] = [
        ("[-1]", "[]", "has a negative dimension"),
        ("[1000000000000]", "[]", "holds 1000000000000 elements but data has 0"),
        ("[1000000000000]", "[1, 2]", "holds 1000000000000 elements but data has 2"),
        ("[-1, -1]", "[1]", "has a negative dimension"),
        ("[4611686018427387904, 4]", "[1]", "more elements than can be counted"),
        ("[3037000500, 3037000500]", "[1]", "more elements than can be counted"),
        ("[3]", "[1]", "holds 3 elements but data has 1"),
        ("[\(Array(repeating: "1", count: 40).joined(separator: ", "))]", "[1]", "40 dimensions, more than the 32 allowed"),
    ]

    @Test func everyShapeIsCheckedAgainstItsDataAsTheBodyIsRead() throws {
        for bad in Self.badShapes {
            for name in ["features", "x"] {
                for prefix in ["", #""id": null, "#] {
                    let input = #"{"name": "\#(name)", "shape": \#(bad.shape), "datatype": "FP64", "data": \#(bad.data)}"#
                    let error = try #require(throws: ServeError.self, "\(input)") { try InferenceBody.decode(Self.body(input, prefix: prefix)) }
                    #expect(error.status == .badRequest)
                    #expect(error.message.contains("input '\(name)'") && error.message.contains(bad.message), "\(error.message)")
                }
            }
        }
        // A shape that fits is untouched, an empty tensor included.
        let fine = try InferenceBody.decode(Self.body(#"{"name": "x", "shape": [0, 3], "datatype": "FP64", "data": []}"#))
        #expect(fine.inputs[0].shape == [0, 3])
    }

    /// The request that killed the server: per-column inputs whose shape says -1 or 10^12 rows.
    @Test func aColumnInputWithANegativeOrHugeShapeIsRefusedNotAllocated() async throws {
        let model = try await ColumnInputTests.model()
        for (shape, data) in [([-1], TensorData.numbers([])), ([1_000_000_000_000], .numbers([])), ([-1, 1], .numbers([]))] {
            let request = InferenceRequest(inputs: [
                .init(name: "x", shape: shape, datatype: .fp64, data: data),
                .init(name: "colour", shape: [1], datatype: .bytes, data: .strings(["red"])),
                .init(name: "flag", shape: [1], datatype: .bool, data: .bools([true])),
            ])
            let error = try #require(throws: ServeError.self) { try model.rows(from: request) }
            #expect(error.message.contains("input 'x'"), "\(error.message)")
        }
    }

    @Test func theLiveServerRefusesBadShapesOnBothPathsAndKeepsServing() async throws {
        let path = try await trainedTabularModel()
        var models = ModelRepository()
        // Version 1 answers inline (the fast path); version 2 batches, so the router answers it.
        try models.add(ModelEndpointLoader.load(name: "m", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .zero), metrics: ServeMetrics()))
        try models.add(ModelEndpointLoader.load(name: "m", version: "2", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: ServeMetrics()))
        try await LiveServer.run(models: models) { port in
            for version in ["1", "2"] {
                for bad in Self.badShapes {
                    for inputs in [#"{"name": "x", "shape": \#(bad.shape), "datatype": "FP64", "data": \#(bad.data)}, {"name": "y", "shape": [1], "datatype": "FP64", "data": [1]}"#,
                                   #"{"name": "features", "shape": \#(bad.shape), "datatype": "FP64", "data": \#(bad.data)}"#] {
                        let answer = try RawConnection(port: port).exchange(post: "/v2/models/m/versions/\(version)/infer", body: #"{"inputs": [\#(inputs)]}"#)
                        #expect(answer.hasPrefix("HTTP/1.1 400"), "version \(version), \(inputs): \(answer.prefix(300))")
                        #expect(answer.contains(bad.message), "\(answer.prefix(300))")
                    }
                }
                let good = try RawConnection(port: port).exchange(post: "/v2/models/m/versions/\(version)/infer", body: InferFastPathTests.row)
                #expect(good.hasPrefix("HTTP/1.1 200"), "\(good.prefix(300))")
            }
        }
    }

    // MARK: - Connections (item 2)

    static func inlineModels() async throws -> ModelRepository {
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: try await trainedTabularModel(),
                                                batching: BatchingOptions(maxBatchSize: 8, maxDelay: .zero), metrics: ServeMetrics()))
        return models
    }

    static let inferHead = "POST /v2/models/iris/infer HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: \(InferFastPathTests.row.utf8.count)\r\n"

    @Test func anIdleConnectionIsClosedAfterTheIdleTimeoutAndABusyOneIsNot() async throws {
        let limits = ConnectionLimits(idleTimeout: .milliseconds(400), requestReadTimeout: .seconds(10))
        try await LiveServer.run(models: try await Self.inlineModels(), limits: limits) { port in
            let idle = try RawConnection(port: port)
            let started = ContinuousClock.now
            #expect(try idle.receive(timeout: 5) == nil, "closed")
            #expect(ContinuousClock.now - started < .seconds(3))

            // Requests every 150 ms keep a connection open well past the timeout.
            let busy = try RawConnection(port: port)
            for _ in 0..<8 {
                try busy.send(Self.inferHead + "\r\n" + InferFastPathTests.row)
                let answer = try #require(try busy.receive(timeout: 5))
                #expect(answer.hasPrefix("HTTP/1.1 200"))
                Thread.sleep(forTimeInterval: 0.15)
            }
        }
    }

    @Test func aHeadSentAByteAtATimeGetsNoMoreThanTheIdleTimeout() async throws {
        let limits = ConnectionLimits(idleTimeout: .milliseconds(500), requestReadTimeout: .seconds(10))
        try await LiveServer.run(models: try await Self.inlineModels(), limits: limits) { port in
            let slow = try RawConnection(port: port)
            let started = ContinuousClock.now
            var closed = false
            for byte in Self.inferHead.utf8 {
                guard (try? slow.send([byte])) != nil else { closed = true; break }
                if try slow.receive(timeout: 0.1, untilClosed: true) == nil { closed = true; break }
                if ContinuousClock.now - started > .seconds(5) { break }
            }
            #expect(closed, "a slow head was still open after 5 s")
            #expect(ContinuousClock.now - started < .seconds(3))
        }
    }

    @Test func aBodyThatStopsHalfWayIsAnswered408() async throws {
        let limits = ConnectionLimits(idleTimeout: .seconds(10), requestReadTimeout: .milliseconds(400))
        try await LiveServer.run(models: try await Self.inlineModels(), limits: limits) { port in
            let half = try RawConnection(port: port)
            try half.send(Self.inferHead + "\r\n" + InferFastPathTests.row.prefix(20))
            let answer = try #require(try half.receive(timeout: 5, untilClosed: true))
            #expect(answer.hasPrefix("HTTP/1.1 408") && answer.contains("connection: close") && answer.contains("did not arrive within"), "\(answer)")
            // Everyone else is still answered.
            #expect(try RawConnection(port: port).exchange(post: "/v2/models/iris/infer", body: InferFastPathTests.row).hasPrefix("HTTP/1.1 200"))
        }
    }

    @Test func connectionsOverTheCapWaitUntilOneCloses() async throws {
        let limits = ConnectionLimits(maxConnections: 2, idleTimeout: .seconds(30))
        try await LiveServer.run(models: try await Self.inlineModels(), limits: limits) { port in
            let first = try RawConnection(port: port), second = try RawConnection(port: port)
            try first.send(Self.inferHead + "\r\n" + InferFastPathTests.row)
            try second.send(Self.inferHead + "\r\n" + InferFastPathTests.row)
            #expect(try first.receive(timeout: 5)?.hasPrefix("HTTP/1.1 200") == true)
            #expect(try second.receive(timeout: 5)?.hasPrefix("HTTP/1.1 200") == true)
            let third = try RawConnection(port: port)   // the kernel's backlog takes it; the server does not yet
            try third.send(Self.inferHead + "\r\n" + InferFastPathTests.row)
            #expect(try third.receive(timeout: 0.7) == "", "answered beyond the cap")
            first.close()
            #expect(try third.receive(timeout: 5)?.hasPrefix("HTTP/1.1 200") == true)
        }
    }

    @Test func expect100ContinueIsAnsweredBeforeTheBodyOnBothPaths() async throws {
        let path = try await trainedTabularModel()
        var models = ModelRepository()
        try models.add(ModelEndpointLoader.load(name: "iris", version: "1", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .zero), metrics: ServeMetrics()))
        try models.add(ModelEndpointLoader.load(name: "iris", version: "2", path: path, batching: BatchingOptions(maxBatchSize: 8, maxDelay: .milliseconds(1)), metrics: ServeMetrics()))
        try await LiveServer.run(models: models) { port in
            for uri in ["/v2/models/iris/versions/1/infer", "/v2/models/iris/versions/2/infer"] {
                let connection = try RawConnection(port: port)
                try connection.send("POST \(uri) HTTP/1.1\r\nhost: t\r\nexpect: 100-continue\r\ncontent-length: \(InferFastPathTests.row.utf8.count)\r\n\r\n")
                #expect(try connection.receive(timeout: 0.5) == "HTTP/1.1 100 Continue\r\n\r\n", "\(uri)")
                try connection.send(InferFastPathTests.row)
                let answer = try #require(try connection.receive(timeout: 5))
                #expect(answer.hasPrefix("HTTP/1.1 200"), "\(uri): \(answer)")
            }
        }
    }

    @Test func shutdownEndsWithinTheGraceWhileABodyIsStillArriving() async throws {
        let limits = ConnectionLimits(idleTimeout: .seconds(30), requestReadTimeout: .seconds(30), shutdownGrace: .milliseconds(300))
        let half = Locked<RawConnection?>(nil)
        let started = Locked<ContinuousClock.Instant?>(nil)
        try await LiveServer.run(models: try await Self.inlineModels(), limits: limits) { port in
            let connection = try RawConnection(port: port)
            try connection.send(Self.inferHead + "\r\n" + InferFastPathTests.row.prefix(10))
            Thread.sleep(forTimeInterval: 0.1)
            half.set(connection)
            started.set(.now)
        }
        let elapsed = ContinuousClock.now - (try #require(started.value))
        #expect(elapsed < .seconds(5), "shutdown took \(elapsed)")
        let connection = try #require(half.value)
        let answer = try #require(try connection.receive(timeout: 1, untilClosed: true))
        #expect(answer.hasPrefix("HTTP/1.1 503") && answer.contains("shutting down"), "\(answer)")
    }
}

/// A value shared between a test and its server's closures.
final class Locked<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func set(_ value: Value) { lock.withLock { stored = value } }
}

/// The real server on a free loopback port, in a `ServiceGroup` as `mlp serve` runs it.
enum LiveServer {
    /// Runs `body` with the port on a thread of its own (its blocking socket calls must not hold
    /// the threads the server's tasks run on), then shuts the server down gracefully and waits.
    static func run(models: ModelRepository, limits: ConnectionLimits = ConnectionLimits(),
                    _ body: @escaping @Sendable (Int) throws -> Void) async throws {
        let (ports, continuation) = AsyncStream.makeStream(of: Int.self)
        let app = buildServeApplication(ServeSettings(host: "127.0.0.1", port: 0, connectionLimits: limits), models: models, metrics: ServeMetrics(),
                                        logger: Logger(label: "test")) { port in continuation.yield(port) }
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(services: [app], logger: Logger(label: "test")))
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = ports.makeAsyncIterator()
            let port = try #require(await iterator.next())
            do { try await offThePool { try body(port) } } catch {
                await group.triggerGracefulShutdown()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}

/// Runs blocking `work` on a Dispatch thread, outside Swift's cooperative pool, and waits for it.
func offThePool<T: Sendable>(_ work: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try work() }) }
    }
}

/// A plain TCP connection to the server, for bytes no HTTP client would send.
final class RawConnection: @unchecked Sendable {
    private var socket: Int32

    init(port: Int) throws {
        socket = Glibc.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(socket, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        try #require(connected == 0, "connect: errno \(errno)")
    }

    deinit { close() }

    func close() {
        if socket >= 0 { Glibc.close(socket) }
        socket = -1
    }

    func send(_ text: some StringProtocol) throws { try send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) throws {
        let sent = bytes.withUnsafeBytes { Glibc.send(socket, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
        guard sent == bytes.count else { throw POSIXError(.EPIPE) }
    }

    /// What arrives within `timeout` seconds: "" when nothing did, nil when the server closed the
    /// connection with nothing more. With `untilClosed`, reads on until the server closes it (or
    /// the time is up) and returns what came (nil when nothing came before the close).
    func receive(timeout: Double, untilClosed: Bool = false) throws -> String? {
        var received: [UInt8] = []
        let deadline = ContinuousClock.now + .milliseconds(Int64(timeout * 1000))
        var chunk = [UInt8](repeating: 0, count: 65536)
        while ContinuousClock.now < deadline {
            var poller = pollfd(fd: socket, events: Int16(POLLIN), revents: 0)
            let left = deadline - ContinuousClock.now
            let ready = poll(&poller, 1, Int32(max(1, left.components.seconds * 1000 + left.components.attoseconds / 1_000_000_000_000_000)))
            if ready <= 0 { continue }
            let count = chunk.withUnsafeMutableBytes { recv(socket, $0.baseAddress, $0.count, 0) }
            if count < 0, errno == EINTR || errno == EAGAIN { continue }
            if count < 0 { Issue.record("recv: errno \(errno)") }
            if count <= 0 { return received.isEmpty ? nil : String(decoding: received, as: UTF8.self) }
            received.append(contentsOf: chunk[..<count])
            if !untilClosed, Self.isWhole(received) { break }
        }
        return String(decoding: received, as: UTF8.self)
    }

    /// Whether `bytes` hold a whole response (a head, and the body its content-length says).
    private static func isWhole(_ bytes: [UInt8]) -> Bool {
        let text = String(decoding: bytes, as: UTF8.self)
        guard let end = text.range(of: "\r\n\r\n") else { return false }
        let head = text[..<end.lowerBound].lowercased()
        guard let line = head.split(separator: "\r\n").first(where: { $0.hasPrefix("content-length:") }),
              let length = Int(line.dropFirst("content-length:".count).trimmingCharacters(in: .whitespaces)) else { return true }
        return text.utf8.count - text[..<end.upperBound].utf8.count >= length
    }

    /// Posts `body` to `uri` with `connection: close` and returns the whole answer.
    func exchange(post uri: String, body: String) throws -> String {
        try send("POST \(uri) HTTP/1.1\r\nhost: t\r\ncontent-type: application/json\r\ncontent-length: \(body.utf8.count)\r\nconnection: close\r\n\r\n\(body)")
        return try receive(timeout: 10, untilClosed: true) ?? ""
    }
}
