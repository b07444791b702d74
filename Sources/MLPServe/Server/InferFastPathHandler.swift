import Foundation
import Logging
import NIOCore
import NIOHTTP1

/// Answers infer requests for models that answer inline (``InlineModelEndpoint``, and
/// deployments of such models) on the connection's event loop, so such a request never leaves
/// the NIO thread that read it: no task, no actor hop, no router. Every other request, and an
/// infer request this handler cannot take (no such model, a wrong token, a percent-encoded
/// path, a model that batches), goes on down the pipeline to the router unchanged. It sits
/// right after NIO's HTTP/1 decoder (``InferenceHTTP1Channel``), so a request it answers is
/// never converted to the router's request types either.
///
/// The answers are the router's, byte for byte in their bodies: the same body reader
/// (``InferenceBody``), the same errors as `{"error": ...}` with the same status, the same
/// metrics and request log. Responses stay in request order on a pipelined connection: while the
/// router owes an answer, later requests go to the router too. A shadow's mirrored run happens
/// once the answer is flushed (``DeploymentEndpoint/routeInline(_:routingKey:)``).
///
/// It also keeps the connection's clock (``ConnectionLimits``), since it is the one handler that
/// sees every request and every answer: a connection waiting for a request's head too long is
/// closed, a body that does not arrive in time is answered 408, and once shutdown begins a body
/// still being read gets a short grace. One timer per connection, rescheduled only when it
/// fires, so a request costs no timer work; the clock is read where a request already reads it.
/// A request sent with `Expect: 100-continue` is answered `100 Continue` as its head arrives.
final class InferFastPathHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias InboundOut = HTTPServerRequestPart
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// What every connection's handler shares.
    struct Settings: Sendable {
        let models: ModelRepository
        let metrics: ServeMetrics
        let requestLogs: RequestLogs?
        let maxBodyBytes: Int
        /// `Bearer <token>` when the server has a token.
        let authorization: [UInt8]?
        let serverName: String
        let logger: Logger
        /// The connection's timeouts.
        var limits = ConnectionLimits()
    }

    /// Who answers a request taken here.
    private enum Target {
        case model(any InlineModelEndpoint)
        case deployment(DeploymentEndpoint, routingKey: String?)
    }

    private struct Taken {
        let target: Target
        let name: String
        let version: String
        let httpVersion: HTTPVersion
        let keepAlive: Bool
        let started: ContinuousClock.Instant
        /// The `Inference-Header-Content-Length` header: a binary-data body (``BinaryTensorData``).
        let binaryHeaderLength: String?
    }

    private enum State {
        /// Between requests.
        case idle
        /// A request's parts go on to the router.
        case passing
        /// A request taken here; its body is being read.
        case reading(Taken)
        /// A taken request whose deployment changed to a version that cannot answer inline is
        /// being answered by a task; reads wait until it is written.
        case answering
    }

    private let settings: Settings
    private var state = State.idle
    private var body: ByteBuffer?
    private var bodyTooLarge = false
    /// Requests passed to the router whose response has not ended yet, oldest first: true for
    /// one whose answer carries no body (HEAD, CONNECT). The response encoder is not paired with
    /// the request decoder (``InferenceHTTP1Channel``), so this handler drops such a body.
    private var routerAnswersOwed = CircularBuffer<Bool>(initialCapacity: 2)
    /// The router's answer being written is one to a HEAD or CONNECT request.
    private var routerAnswerBodyless = false
    private var needsFlush = false
    private var mirrors: [() -> Void] = []
    private var held: [HTTPServerRequestPart] = []
    private var readHeld = false
    private var quiesceHeld = false
    /// The metric series of the endpoint answered last (a connection mostly asks one model).
    private var recorder: ServeMetrics.EndpointRecorder?

    /// The context of NIO's HTTP/1 response encoder in this pipeline: answers written through it
    /// go to the socket as they are (nil without one: they go on from this handler).
    private var responseEncoder: ChannelHandlerContext?

    /// When the connection began waiting for what it waits for now: a request's head (from the
    /// connection's start or its last answer), or the body of the request whose head was read.
    private var waitingSince = ContinuousClock.now
    /// When shutdown began (a `ChannelShouldQuiesceEvent`), if it has.
    private var quiescingSince: ContinuousClock.Instant?
    /// The connection's one timer (``ConnectionLimits``).
    private var timer: Scheduled<Void>?

    init(settings: Settings) { self.settings = settings }

    func handlerAdded(context: ChannelHandlerContext) {
        responseEncoder = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        if context.channel.isActive { startTimer(context: context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        responseEncoder = nil
        timer?.cancel()
        timer = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        startTimer(context: context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        timer = nil
        context.fireChannelInactive()
    }

    // MARK: - Inbound

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if case .answering = state {
            held.append(part)
            return
        }
        handle(part, context: context)
    }

    private func handle(_ part: HTTPServerRequestPart, context: ChannelHandlerContext) {
        switch (state, part) {
        case (.idle, .head(let head)):
            if routerAnswersOwed.isEmpty {
                if head.version.major == 1, head.version.minor >= 1, Self.expectsContinue(head, maxBodyBytes: settings.maxBodyBytes) {
                    writeContinue(context: context)
                }
                if let taken = take(head) {
                    state = .reading(taken)
                    waitingSince = taken.started
                    body = nil
                    bodyTooLarge = false
                    return
                }
            }
            routerAnswersOwed.append(head.method == .HEAD || head.method == .CONNECT)
            state = .passing
            waitingSince = .now
            context.fireChannelRead(wrapInboundOut(part))
        case (.passing, .end):
            state = .idle
            context.fireChannelRead(wrapInboundOut(part))
        case (.reading, .body(let chunk)):
            guard !bodyTooLarge else { return }
            if (body?.readableBytes ?? 0) + chunk.readableBytes > settings.maxBodyBytes {
                bodyTooLarge = true
                body = nil
            } else if body == nil {
                body = chunk
            } else {
                body!.writeImmutableBuffer(chunk)
            }
        case (.reading(let taken), .end):
            state = .idle
            let bytes = body ?? ByteBuffer()
            body = nil
            answer(taken, bytes, context: context)
        default:
            // Anything else (parts the decoder never sends out of order) is the router's to judge.
            context.fireChannelRead(wrapInboundOut(part))
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushAndMirror(context: context)
        context.fireChannelReadComplete()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent {
            if quiescingSince == nil {
                quiescingSince = .now
                // A body still being read gets the grace, not the whole read timeout.
                if isReadingBody { schedule(in: settings.limits.shutdownGrace, context: context) }
            }
            switch state {
            case .reading, .answering:
                // Let the request being read finish first; the event goes on once it is answered.
                quiesceHeld = true
                return
            case .idle, .passing:
                break
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    // MARK: - Outbound

    /// The router's answers on their way to the encoder: what the encoder would do when paired
    /// with the decoder — no body in an answer to HEAD or CONNECT (a body part's write fails with
    /// the encoder's own error, as it would there) — is done here.
    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .head(var head):
            routerAnswerBodyless = routerAnswersOwed.first ?? false
            if routerAnswerBodyless && !head.headers.contains(name: "content-length") && !head.headers.contains(name: "transfer-encoding") {
                // Without a length the encoder would frame the answer as chunked and end it with an
                // empty chunk, bytes an answer to HEAD must not carry.
                head.headers.add(name: "content-length", value: "0")
                context.write(wrapOutboundOut(.head(head)), promise: promise)
                return
            }
        case .body where routerAnswerBodyless:
            promise?.fail(NIOHTTPResponseEncoderError.responseBodyNotAllowed)
            return
        case .body:
            break
        case .end:
            routerAnswerBodyless = false
            _ = routerAnswersOwed.popFirst()
            if routerAnswersOwed.isEmpty, case .idle = state { waitingSince = .now }
        }
        context.write(data, promise: promise)
    }

    func read(context: ChannelHandlerContext) {
        if case .answering = state {
            readHeld = true
            return
        }
        context.read()
    }

    // MARK: - Taking a request

    /// The request as one this handler answers, or nil to pass it on.
    private func take(_ head: HTTPRequestHead) -> Taken? {
        guard head.method == .POST, let (name, version) = Self.inferTarget(head.uri) else { return nil }
        if let expected = settings.authorization {
            guard let given = head.headers.first(name: "authorization"),
                  BearerToken.equalInConstantTime(Array(given.utf8), expected) else { return nil }
        }
        let target: Target, endpoint: any ModelEndpoint
        if version == nil, let deployment = settings.models.deployment(name) {
            guard deployment.answersInline else { return nil }
            target = .deployment(deployment, routingKey: deployment.stickyHeader.flatMap { head.headers.first(name: $0) })
            endpoint = deployment
        } else if let inline = settings.models.inlineEndpoint(name, version: version) {
            target = .model(inline)
            endpoint = inline
        } else {
            return nil
        }
        return Taken(target: target, name: endpoint.name, version: endpoint.version, httpVersion: head.version,
                     keepAlive: head.isKeepAlive, started: .now, binaryHeaderLength: head.headers.first(name: BinaryTensorData.headerName))
    }

    /// The model name and version of `/v2/models/{name}[/versions/{v}]/infer` (a query string
    /// ignored); nil for any other path, and for a percent-encoded one, which the router decodes.
    static func inferTarget(_ uri: String) -> (name: String, version: String?)? {
        var uri = uri
        return uri.withUTF8 { bytes -> (String, String?)? in
            let end = bytes.firstIndex(of: UInt8(ascii: "?")) ?? bytes.endIndex
            let path = UnsafeBufferPointer(rebasing: bytes[..<end])
            let prefix = Array("/v2/models/".utf8), suffix = Array("/infer".utf8)
            guard path.count > prefix.count + suffix.count, path.starts(with: prefix), path.reversed().starts(with: suffix.reversed()),
                  !path.contains(UInt8(ascii: "%")) else { return nil }
            // Between the prefix and the suffix: NAME or NAME/versions/V.
            let middle = path[prefix.count..<(path.count - suffix.count)].split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false)
            switch middle.count {
            case 1 where !middle[0].isEmpty:
                return (String(decoding: middle[0], as: UTF8.self), nil)
            case 3 where !middle[0].isEmpty && middle[1].elementsEqual("versions".utf8) && !middle[2].isEmpty:
                return (String(decoding: middle[0], as: UTF8.self), String(decoding: middle[2], as: UTF8.self))
            default:
                return nil
            }
        }
    }

    // MARK: - Answering

    private func answer(_ taken: Taken, _ bytes: ByteBuffer, context: ChannelHandlerContext) {
        var version = taken.version
        do {
            if bodyTooLarge { throw InferenceBody.tooLarge(limit: settings.maxBodyBytes) }
            let request = try InferenceBody.decode(bytes, binaryHeaderLength: taken.binaryHeaderLength)
            let response: InferenceResponse
            switch taken.target {
            case .model(let model):
                response = try model.inferInline(request)
            case .deployment(let deployment, let key):
                guard let routed = deployment.routeInline(request, routingKey: key) else {
                    answerLater(taken, request: request, deployment: deployment, routingKey: key, context: context)
                    return
                }
                version = routed.answer.version
                response = try routed.answer.result.get()
                if let mirror = routed.mirror { mirrors.append(mirror) }
            }
            respond(taken, request: request, response: response, version: version, context: context)
        } catch {
            fail(taken, error, version: version, context: context)
        }
    }

    private func respond(_ taken: Taken, request: InferenceRequest, response: InferenceResponse, version: String, context: ChannelHandlerContext) {
        let version = response.modelVersion ?? version
        do {
            if BinaryTensorData.mayWantBinary(request), let (bytes, headerLength) = BinaryTensorData.answer(response, to: request) {
                settings.requestLogs?.record(model: taken.name, request: request, response: response, version: version)
                write(.ok, bytes, taken: taken, binaryHeaderLength: headerLength, context: context)
                record(taken, version: version, errorStatus: nil)
                return
            }
            let bytes = try JSONAnswer.inferenceBytes(response)
            settings.requestLogs?.record(model: taken.name, request: request, response: response, version: version)
            write(.ok, bytes, taken: taken, context: context)
            record(taken, version: version, errorStatus: nil)
        } catch {
            fail(taken, error, version: version, context: context)
        }
    }

    private func fail(_ taken: Taken, _ error: any Error, version: String, context: ChannelHandlerContext) {
        let status: HTTPResponseStatus
        let message: String
        if let error = error as? ServeError {
            (status, message) = (HTTPResponseStatus(statusCode: error.status.code, reasonPhrase: error.status.reasonPhrase), error.message)
        } else {
            status = .internalServerError
            settings.logger.error("request failed", metadata: ["model": "\(taken.name)", "error": "\(error)"])
            message = "the server failed: \(error)"
        }
        write(status, Array(JSONAnswer.errorBytes(message)), taken: taken, context: context)
        record(taken, version: version, errorStatus: Int(status.code))
    }

    private func record(_ taken: Taken, version: String, errorStatus: Int?) {
        if recorder?.model != taken.name || recorder?.version != version {
            recorder = settings.metrics.recorder(model: taken.name, version: version)
        }
        let now = ContinuousClock.now
        waitingSince = now   // answered: the connection waits for its next request from now
        recorder!.recordRequest(seconds: Self.seconds(from: taken.started, to: now), errorStatus: errorStatus)
    }

    /// Writes the whole answer, head and body, as one buffer straight to the socket side of NIO's
    /// HTTP/1 response encoder (the router's answers still go through it): one allocation and one
    /// `write` instead of a head, a body and an end part for the encoder to turn into bytes.
    /// With `binaryHeaderLength`, the body is JSON and binary outputs (``BinaryTensorData``).
    private func write(_ status: HTTPResponseStatus, _ bytes: [UInt8], taken: Taken, binaryHeaderLength: Int? = nil, context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: bytes.count + 192)
        buffer.writeString("HTTP/\(taken.httpVersion.major).\(taken.httpVersion.minor) \(status.code) \(status.reasonPhrase)\r\n")
        if let binaryHeaderLength {
            buffer.writeStaticString("content-type: application/octet-stream\r\ninference-header-content-length: ")
            buffer.writeString(String(binaryHeaderLength))
            buffer.writeStaticString("\r\ncontent-length: ")
        } else {
            buffer.writeStaticString("content-type: application/json\r\ncontent-length: ")
        }
        buffer.writeString(String(bytes.count))
        buffer.writeStaticString("\r\ndate: ")
        buffer.writeString(HTTPDate.now())
        buffer.writeStaticString("\r\nserver: ")
        buffer.writeString(settings.serverName)
        if !taken.keepAlive {
            buffer.writeStaticString("\r\nconnection: close")
        } else if taken.httpVersion.major == 1 && taken.httpVersion.minor == 0 {
            buffer.writeStaticString("\r\nconnection: keep-alive")
        }
        buffer.writeStaticString("\r\n\r\n")
        buffer.writeBytes(bytes)
        (responseEncoder ?? context).write(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
        needsFlush = true
        if !taken.keepAlive {
            flushAndMirror(context: context)
            context.close(promise: nil)
        } else if quiesceHeld {
            quiesceHeld = false
            flushAndMirror(context: context)
            context.fireUserInboundEventTriggered(ChannelShouldQuiesceEvent())
        }
    }

    /// Flushes written answers, then runs the shadows' mirrored calls (their callers already have
    /// their answers).
    private func flushAndMirror(context: ChannelHandlerContext) {
        if needsFlush {
            needsFlush = false
            context.flush()
        }
        var next = 0
        while next < mirrors.count {   // a mirror never adds one, but if it did it would run too
            mirrors[next]()
            next += 1
        }
        mirrors.removeAll(keepingCapacity: true)   // reused: no array allocated per request
    }

    /// Answers through the deployment's async route (its plan changed to a version that cannot
    /// answer inline while the body was read); later requests wait, so answers keep their order.
    private func answerLater(_ taken: Taken, request: InferenceRequest, deployment: DeploymentEndpoint, routingKey: String?,
                             context: ChannelHandlerContext) {
        state = .answering
        let loop = context.eventLoop
        let bound = NIOLoopBound((self, context), eventLoop: loop)
        let routed = loop.makeFutureWithTask { await deployment.route(request, routingKey: routingKey) }
        routed.whenSuccess { routed in
            let (handler, context) = bound.value
            handler.state = .idle
            switch routed.result {
            case .success(let response): handler.respond(taken, request: request, response: response, version: routed.version, context: context)
            case .failure(let error): handler.fail(taken, error, version: routed.version, context: context)
            }
            handler.resumeAfterAnswer(context: context)
        }
    }

    /// Handles the parts that arrived while a task answered, and the read that was held.
    private func resumeAfterAnswer(context: ChannelHandlerContext) {
        while !held.isEmpty {
            if case .answering = state { return }
            handle(held.removeFirst(), context: context)
        }
        flushAndMirror(context: context)
        if case .answering = state { return }
        if readHeld {
            readHeld = false
            context.read()
        }
    }

    private static func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let elapsed = end - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    // MARK: - Expect: 100-continue

    /// Whether the head asks for `100 Continue` before its body (and the body it announces is not
    /// over the limit: that one is refused once read, as without the header).
    static func expectsContinue(_ head: HTTPRequestHead, maxBodyBytes: Int) -> Bool {
        guard let expect = head.headers.first(name: "expect"), expect.lowercased() == "100-continue" else { return false }
        if let length = head.headers.first(name: "content-length").flatMap({ Int($0) }), length > maxBodyBytes { return false }
        return true
    }

    private static let continueBytes = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// Sends `100 Continue` now (no earlier answer is owed, so it cannot land inside one).
    private func writeContinue(context: ChannelHandlerContext) {
        var buffer = context.channel.allocator.buffer(capacity: Self.continueBytes.count)
        buffer.writeBytes(Self.continueBytes)
        (responseEncoder ?? context).writeAndFlush(NIOAny(IOData.byteBuffer(buffer)), promise: nil)
    }

    // MARK: - Timeouts

    /// Whether a request's body is being read (by this handler or on its way to the router).
    private var isReadingBody: Bool {
        switch state {
        case .reading, .passing: return true
        case .idle, .answering: return false
        }
    }

    /// What the connection waits for, and until when; nil while the server owes an answer.
    private func deadline() -> (at: ContinuousClock.Instant, reason: TimeoutReason)? {
        let limits = settings.limits
        switch state {
        case .answering:
            return nil
        case .reading, .passing:
            let read = waitingSince + limits.requestReadTimeout
            if let quiescingSince, quiescingSince + limits.shutdownGrace < read { return (quiescingSince + limits.shutdownGrace, .shutdown) }
            return (read, .body)
        case .idle:
            guard routerAnswersOwed.isEmpty else { return nil }
            return (waitingSince + limits.idleTimeout, .idle)
        }
    }

    private enum TimeoutReason { case idle, body, shutdown }

    /// How far ahead the timer is set at most: any new deadline (a head's, an answer's) is at
    /// least this far off, so a timer set no later than this never fires after one.
    private var checkInterval: Duration { min(settings.limits.idleTimeout, settings.limits.requestReadTimeout) }

    private func startTimer(context: ChannelHandlerContext) {
        guard timer == nil else { return }
        waitingSince = .now
        schedule(in: checkInterval, context: context)
    }

    private func schedule(in delay: Duration, context: ChannelHandlerContext) {
        timer?.cancel()
        let (seconds, attoseconds) = delay.components
        let nanoseconds = seconds >= Int64.max / 1_000_000_000 - 1 ? Int64.max : max(0, seconds * 1_000_000_000 + attoseconds / 1_000_000_000)
        timer = context.eventLoop.assumeIsolated().scheduleTask(in: .nanoseconds(nanoseconds)) { [self] in
            timer = nil
            timerFired(context: context)
        }
    }

    private func timerFired(context: ChannelHandlerContext) {
        guard context.channel.isActive else { return }
        let now = ContinuousClock.now
        guard let (deadline, reason) = deadline() else {
            // The server owes an answer: that is its work, not the client's wait; look again later.
            schedule(in: checkInterval, context: context)
            return
        }
        guard deadline <= now else {
            schedule(in: min(deadline - now, checkInterval), context: context)
            return
        }
        switch (state, reason) {
        case (.reading(let taken), .body), (.reading(let taken), .shutdown):
            // No earlier answer is owed (the request was taken), so the refusal goes out whole.
            state = .idle
            body = nil
            quiesceHeld = false
            let closing = Taken(target: taken.target, name: taken.name, version: taken.version, httpVersion: taken.httpVersion, keepAlive: false, started: taken.started,
                                binaryHeaderLength: nil)
            let error = reason == .body
                ? ServeError(.requestTimeout, "the request body did not arrive within \(settings.limits.requestReadTimeout) of its head; send it whole, faster")
                : ServeError(.serviceUnavailable, "the server is shutting down and the request body had not arrived; send the request again")
            fail(closing, error, version: taken.version, context: context)
        default:
            // Idle, or a body on its way to the router (whose answer cannot be written from here).
            context.close(promise: nil)
        }
    }
}
