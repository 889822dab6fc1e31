import DroverArtifacts
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// One HTTP/1.1 request on a connection of its own (`Connection: close`), over SwiftNIO, which
/// the server side (Hummingbird) already builds. Artifact transfers are few and large, so a
/// connection per request costs nothing measurable, and AsyncHTTPClient with its TLS stack
/// (a second BoringSSL) is not needed. See docs/performance.md for the figures.
struct HTTPExchange {
    var host: String
    var port: Int
    var method: HTTPMethod
    var uri: String
    var headers: HTTPHeaders = [:]

    /// What came back: the head, and for a non-2xx answer its body as text (at most 64 KiB).
    struct Answer {
        var head: HTTPResponseHead
        var errorText: String
        var status: HTTPResponseStatus { head.status }
        var isSuccess: Bool { (200..<300).contains(head.status.code) }
    }

    /// Sends the request (its body produced by `send`, which must write exactly the announced
    /// Content-Length) and hands each body chunk of a 2xx answer to `receive`, in order.
    func perform(send: (@Sendable (NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) async throws -> Void)? = nil,
                 receive: (ByteBuffer) async throws -> Void = { _ in }) async throws -> Answer {
        let channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>
        do {
            channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connectTimeout(.seconds(10))
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                // Large reads: fewer, bigger body chunks for the consumer.
                .channelOption(.recvAllocator, value: AdaptiveRecvByteBufferAllocator(minimum: 64 << 10, initial: 256 << 10, maximum: 1 << 20))
                .connect(host: host, port: port) { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHTTPClientHandlers()
                        return try NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>(wrappingChannelSynchronously: channel)
                    }
                }
        } catch {
            throw ArtifactError.unavailable("cannot reach the artifact server http://\(host):\(port): \(error); check --artifacts and that the coordinator serves artifacts")
        }
        var headers = self.headers
        headers.replaceOrAdd(name: "Host", value: "\(host):\(port)")
        headers.replaceOrAdd(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: uri, headers: headers)
        do {
            return try await exchange(on: channel, head: head, send: send, receive: receive)
        } catch let error as ArtifactError {
            throw error
        } catch is CancellationError {
            throw CancellationError()
        } catch {
            throw ArtifactError.unavailable("\(method) http://\(host):\(port)\(uri) broke off: \(error)")
        }
    }

    private func exchange(on channel: NIOAsyncChannel<HTTPClientResponsePart, HTTPClientRequestPart>, head: HTTPRequestHead,
                          send: (@Sendable (NIOAsyncChannelOutboundWriter<HTTPClientRequestPart>) async throws -> Void)?,
                          receive: (ByteBuffer) async throws -> Void) async throws -> Answer {
        try await channel.executeThenClose { inbound, outbound in
            try await outbound.write(.head(head))
            // The body goes out while the answer is read: a server may answer (413, 422) before
            // it has read everything, and that answer is what the caller needs.
            let sendFailure = FailureBox()
            let sender = Task {
                do {
                    if let send { try await send(outbound) }
                    try await outbound.write(.end(nil))
                } catch {
                    sendFailure.set(error)
                }
            }
            defer { sender.cancel() }
            var answer: Answer?
            var text = ByteBuffer()
            for try await part in inbound {
                switch part {
                case .head(let h):
                    answer = Answer(head: h, errorText: "")
                case .body(let chunk):
                    if answer?.isSuccess == true {
                        try await receive(chunk)
                    } else if text.readableBytes < 64 << 10 {
                        var chunk = chunk
                        text.writeBuffer(&chunk)
                    }
                case .end:
                    guard var done = answer else { break }
                    done.errorText = String(buffer: text)
                    if done.isSuccess {
                        await sender.value
                        if let failure = sendFailure.value { throw failure }
                    }
                    return done
                }
            }
            await sender.value
            if let failure = sendFailure.value { throw failure }
            throw ArtifactError.unavailable("the artifact server http://\(host):\(port) closed the connection before the answer to \(method) \(uri) was complete")
        }
    }
}

/// The first error of the request body's sender, read after it finished.
final class FailureBox: Sendable {
    private let state = Mutex<(any Error)?>(nil)
    func set(_ error: any Error) { state.withLock { $0 = $0 ?? error } }
    var value: (any Error)? { state.withLock { $0 } }
}
