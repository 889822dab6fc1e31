import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A response body sent straight from a file with `sendfile(2)`: a route names it in a header
/// of its response (`FileBodyHandler` takes the header out and sends the bytes), instead of
/// reading the file into buffers it writes. Hummingbird's response writer takes only
/// `ByteBuffer`s; NIO sends a `FileRegion` with `sendfile`, and this is how one gets there.
public struct FileBody: Sendable, Equatable {
    public var path: String
    /// Bytes `range` of the file.
    public var range: Range<Int64>

    public init(path: String, range: Range<Int64>) {
        self.path = path
        self.range = range
    }

    /// The response header naming it (server-internal: never sent).
    public static let header = "x-drover-file-body"

    var headerValue: String { "\(range.lowerBound) \(range.upperBound) \(path)" }

    init?(headerValue: String) {
        let parts = headerValue.split(separator: " ", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3, let lower = Int64(parts[0]), let upper = Int64(parts[1]), 0 <= lower, lower <= upper,
              !parts[2].isEmpty else { return nil }
        self.init(path: String(parts[2]), range: lower..<upper)
    }
}

/// Sits between NIO's HTTP/1.1 encoder and Hummingbird's codec (`HTTP1FileChannel`). A response
/// head naming a `FileBody` is held back while the file opens on the thread pool; then the head,
/// the file's bytes as a `FileRegion` and whatever the responder wrote after the head (its empty
/// body's end) go out in order. The route sets Content-Length. The file is closed once its bytes
/// are sent or the connection fails; a file that cannot be opened, or is shorter than the range,
/// closes the connection (the client sees a short body, as when a read fails mid-stream).
final class FileBodyHandler: ChannelOutboundHandler, RemovableChannelHandler {
    typealias OutboundIn = HTTPServerResponsePart
    typealias OutboundOut = HTTPServerResponsePart

    /// Bytes this process has sent from files (what the tests read to know this path was taken).
    static let bytesSent = Atomic<Int64>(0)

    private let fileIO: NonBlockingFileIO
    /// Writes held back while a file opens, its response head first.
    private var held: [(part: HTTPServerResponsePart, promise: EventLoopPromise<Void>?)]?
    private var flushHeld = false
    /// A close asked for while writes were held (Hummingbird closes the output right after a
    /// `Connection: close` response's end): it follows them.
    private var closeHeld: (mode: CloseMode, promise: EventLoopPromise<Void>?)?

    init(threadPool: NIOThreadPool) {
        fileIO = NonBlockingFileIO(threadPool: threadPool)
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        let part = unwrapOutboundIn(data)
        if held != nil {
            held!.append((part, promise))
            return
        }
        guard case .head(var head) = part, let value = head.headers.first(name: FileBody.header) else {
            context.write(data, promise: promise)
            return
        }
        head.headers.remove(name: FileBody.header)
        guard let body = FileBody(headerValue: value) else {
            promise?.fail(ChannelError.inappropriateOperationForState)
            context.close(promise: nil)
            return
        }
        held = [(.head(head), promise)]
        let bound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        // NIO's FileRegion takes a NIOFileHandle only (its replacement, NIOFileSystem, has no sendfile path).
        fileIO.openFile(_deprecatedPath: body.path, eventLoop: context.eventLoop).whenComplete { result in
            let (handler, context) = bound.value
            handler.opened(result.flatMap { handle, whole in
                // A file shorter than the range (damaged since the route sized it) would leave
                // sendfile with nothing to send and the channel waiting: refuse it here.
                guard body.range.upperBound <= Int64(whole.endIndex) else {
                    try? handle.close()
                    return .failure(ChannelError.inputClosed)
                }
                return .success(handle)
            }, body: body, context: context)
        }
    }

    func flush(context: ChannelHandlerContext) {
        if held != nil { flushHeld = true } else { context.flush() }
    }

    func close(context: ChannelHandlerContext, mode: CloseMode, promise: EventLoopPromise<Void>?) {
        guard held != nil else { return context.close(mode: mode, promise: promise) }
        guard let earlier = closeHeld else { return closeHeld = (mode, promise) }
        if let promise {
            if let first = earlier.promise { first.futureResult.cascade(to: promise) } else { closeHeld!.promise = promise }
        }
    }

    private func opened(_ result: Result<NIOFileHandle, any Error>, body: FileBody, context: ChannelHandlerContext) {
        var writes = held ?? []
        held = nil
        switch result {
        case .success(let handle):
            let head = writes.removeFirst()
            context.write(wrapOutboundOut(head.part), promise: head.promise)
            let sent = context.eventLoop.makePromise(of: Void.self)
            sent.futureResult.whenComplete { result in
                try? handle.close()
                if case .success = result { Self.bytesSent.add(Int64(body.range.count), ordering: .relaxed) }
            }
            let region = FileRegion(fileHandle: handle, readerIndex: Int(body.range.lowerBound), endIndex: Int(body.range.upperBound))
            context.write(wrapOutboundOut(.body(.fileRegion(region))), promise: sent)
            // The rest in order, through `write` again: a pipelined response may name a file too.
            for (part, promise) in writes { write(context: context, data: wrapOutboundOut(part), promise: promise) }
        case .failure(let error):
            for (_, promise) in writes { promise?.fail(error) }
            let close = closeHeld
            closeHeld = nil
            return context.close(promise: close?.promise)
        }
        if flushHeld {
            // What went down is flushed now; writes held for a next file stay owed a flush.
            flushHeld = held != nil
            context.flush()
        }
        if held == nil, let close = closeHeld {
            closeHeld = nil
            context.close(mode: close.mode, promise: close.promise)
        }
    }
}
