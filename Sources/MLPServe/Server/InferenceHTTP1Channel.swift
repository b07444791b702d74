import HummingbirdCore
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes
import NIOHTTPTypesHTTP1

/// The server's HTTP/1 connection: Hummingbird's `HTTP1Channel` pipeline with
/// ``InferFastPathHandler`` right after NIO's HTTP/1 decoder, before the conversion to the
/// router's request types. Requests the fast path does not take go on through the same handlers,
/// in the same order, as in `HTTP1Channel` (the conversion, the connection-state handler that
/// makes graceful shutdown wait for requests in flight, and the router's async channel).
struct InferenceHTTP1Channel: ServerChildChannel, HTTPChannelHandler {
    typealias Value = NIOAsyncChannel<HTTPRequestPart, HTTPResponsePart>

    let responder: HTTPChannelHandler.Responder
    let fastPath: InferFastPathHandler.Settings

    func setup(channel: any Channel, logger: Logger) -> EventLoopFuture<Value> {
        channel.eventLoop.makeCompletedFuture {
            let pipeline = channel.pipeline.syncOperations
            // As HTTP1Channel's `configureHTTPServerPipeline` (no pipelining assistance, errors
            // handled by the router, no header validation), except that the request decoder is
            // not paired with the response encoder: paired, the decoder queues every request's
            // method in the encoder and the encoder takes one off per response head it encodes, but
            // the fast path writes its answers past the encoder, so the queue would grow by one
            // method per answer for as long as the connection lasts. The fast path keeps the
            // pairing's one job, answering HEAD and CONNECT without a body, for the router's answers.
            try pipeline.addHandler(HTTPResponseEncoder(configuration: .init()))
            try pipeline.addHandler(ByteToMessageHandler(HTTPRequestDecoder(leftOverBytesStrategy: .dropBytes)))
            try pipeline.addHandler(InferFastPathHandler(settings: fastPath))
            try pipeline.addHandler(HTTP1ToHTTPServerCodec(secure: false))
            try pipeline.addHandler(HTTPConnectionStateHandler(idleTimeout: nil, logger: logger))
            return try NIOAsyncChannel(wrappingChannelSynchronously: channel, configuration: .init(isOutboundHalfClosureEnabled: true))
        }
    }

    func handle(value asyncChannel: Value, logger: Logger) async {
        await handleHTTP(asyncChannel: asyncChannel, logger: logger)
    }
}
