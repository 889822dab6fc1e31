import NIOCore
import NIOHTTP1

/// `drover serve`'s HTTP/1.1 on NIO's channel pipeline (after `configureHTTPServerPipeline`,
/// which parses, answers malformed requests with 400 and orders pipelined answers): collects a
/// request's body up to `maxBodyBytes` (413 beyond, and the connection is closed), routes it, and
/// writes the answer on the connection's event loop — on the spot for a small prediction, from a
/// task for the rest.
///
/// Why not Hummingbird, as the rest of Drover's HTTP: its per-connection tasks cost 72 µs of CPU
/// for a `GET /healthz` at 10,000 requests/s on the 2-core benchmark machine, 130 µs for a
/// one-row prediction, against the p99 < 2 ms at that rate (docs/performance.md,
/// session 23). Here a prediction never leaves the event loop that read it.
final class ServeHTTPHandler: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let routes: ServingRoutes
    private let maxBodyBytes: Int
    /// The request being read; nil between requests and after a refusal (its remaining parts are dropped).
    private var head: HTTPRequestHead?
    private var body: ByteBuffer?
    /// Answers being computed on tasks (the connection is not idle while one is owed).
    private var owed = 0

    init(routes: ServingRoutes, maxBodyBytes: Int) {
        self.routes = routes
        self.maxBodyBytes = maxBodyBytes
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let h):
            head = h
            body = nil
            let length = h.headers.first(name: "content-length").flatMap { Int($0) }
            if let length, length > maxBodyBytes {
                return refuse(context, h, length: length)
            }
            if h.headers[canonicalForm: "expect"].contains(where: { $0.lowercased() == "100-continue" }) {
                context.writeAndFlush(wrapOutboundOut(.head(HTTPResponseHead(version: h.version, status: .continue))), promise: nil)
            }
        case .body(var chunk):
            guard let h = head else { return }
            guard (body?.readableBytes ?? 0) + chunk.readableBytes <= maxBodyBytes else { return refuse(context, h, length: nil) }
            if body == nil { body = chunk } else { body!.writeBuffer(&chunk) }  // most bodies arrive in one piece
        case .end:
            guard let h = head else { return }
            head = nil
            let path = h.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? h.uri
            let request = ServeRequest(method: h.method, path: path, headers: h.headers, body: body ?? ByteBuffer())
            body = nil
            switch routes.route(request) {
            case .now(let response):
                write(response, to: h, context)
            case .later(let work):
                let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
                owed += 1
                context.eventLoop.makeFutureWithTask(work).whenSuccess { response in
                    let (handler, context) = bound.value
                    handler.owed -= 1
                    handler.write(response, to: h, context)
                }
            }
        }
    }

    /// Answers 413 and closes the connection (the rest of the body is not read).
    private func refuse(_ context: ChannelHandlerContext, _ h: HTTPRequestHead, length: Int?) {
        head = nil
        body = nil
        write(routes.tooLarge(length: length), to: h, context, close: true)
    }

    private func write(_ response: ServeResponse, to request: HTTPRequestHead, _ context: ChannelHandlerContext, close: Bool = false) {
        let keepAlive = request.isKeepAlive && !close
        var headers = HTTPHeaders()
        headers.reserveCapacity(4 + response.headers.count)
        headers.add(name: "Content-Type", value: response.contentType)
        headers.add(name: "Content-Length", value: String(response.body.count))
        for (name, value) in response.headers { headers.add(name: name, value: value) }
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: request.version, status: .init(statusCode: response.status),
                                                             headers: headers))), promise: nil)
        if request.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: response.body)))), promise: nil)
        }
        if keepAlive {
            context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        } else {
            let bound = NIOLoopBound(context, eventLoop: context.eventLoop)
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in bound.value.close(promise: nil) }
        }
    }

    /// `IdleStateHandler`'s read timeout (`--idle-timeout`): closes a connection that is between
    /// requests and owed nothing.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent {
            if head == nil, owed == 0 { context.close(promise: nil) }
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
