import CZeroMQ

/// A libzmq socket, confined to the thread that created it.
///
/// libzmq sockets are not thread-safe: create, use and close a `ZMQSocket` on one thread (debug builds
/// assert it). The type is deliberately not `Sendable`; what crosses threads is a handle to the owner
/// thread (``SocketThread``) plus a ``Doorbell``.
///
/// Every socket starts with a bounded linger (``defaultLinger``), so closing it and terminating the
/// context always completes in bounded time.
public final class ZMQSocket {
    /// Linger applied at creation: long enough to flush a final reply on loopback, short enough that
    /// shutdown never waits noticeably. Override with `set(.linger(...))`.
    public static let defaultLinger: Duration = .milliseconds(100)

    public let type: SocketType
    /// Retained so the context outlives its sockets (terminate waits for them anyway).
    public let context: ZMQContext
    /// The raw `void *`; nil once closed.
    private(set) var handle: UnsafeMutableRawPointer?
    let owner = OwnerThread()
    /// Scratch message for receives; owned exclusively by this socket (P8: never copy a zmq_msg_t).
    let scratch: UnsafeMutablePointer<zmq_msg_t>

    public init(_ context: ZMQContext, type: SocketType, linger: Duration = ZMQSocket.defaultLinger) throws(ZMQError) {
        guard let s = zmq_socket(context.handle, type.rawValue) else {
            throw ZMQError.last("zmq_socket", detail: type.description)
        }
        self.type = type
        self.context = context
        self.handle = s
        self.scratch = .allocate(capacity: 1)
        do {
            try set(.linger(linger))
        } catch {
            _ = zmq_close(s)
            handle = nil
            throw error
        }
    }

    deinit {
        // Closing here rather than only asserting: a forgotten socket would otherwise make
        // zmq_ctx_term block forever. A non-Sendable object's deinit runs on its owner thread
        // in practice; the linger is bounded so nothing here blocks for long.
        if let h = handle { _ = zmq_close(h) }
        scratch.deallocate()
    }

    /// Whether ``close()`` has run.
    public var isClosed: Bool { handle == nil }

    /// Closes the socket. Unsent messages are kept for at most the linger. Idempotent.
    public func close() {
        owner.check("ZMQSocket.close")
        guard let h = handle else { return }
        handle = nil
        _ = zmq_close(h)
    }

    /// The open handle, or `ENOTSOCK` if closed.
    @inline(__always)
    func open(_ operation: String) throws(ZMQError) -> UnsafeMutableRawPointer {
        owner.check(operation)
        guard let h = handle else { throw ZMQError(code: ENOTSOCK, operation: operation, detail: "socket closed") }
        return h
    }

    // MARK: Endpoints

    /// Binds and returns the actual endpoint (`ZMQ_LAST_ENDPOINT`), so `tcp://127.0.0.1:*` yields the
    /// chosen port.
    @discardableResult
    public func bind(_ endpoint: String) throws(ZMQError) -> String {
        let h = try open("zmq_bind")
        try zmqCheck("zmq_bind", detail: endpoint) { zmq_bind(h, endpoint) }
        return try lastEndpoint()
    }

    public func connect(_ endpoint: String) throws(ZMQError) {
        let h = try open("zmq_connect")
        try zmqCheck("zmq_connect", detail: endpoint) { zmq_connect(h, endpoint) }
    }

    public func disconnect(_ endpoint: String) throws(ZMQError) {
        let h = try open("zmq_disconnect")
        try zmqCheck("zmq_disconnect", detail: endpoint) { zmq_disconnect(h, endpoint) }
    }

    public func unbind(_ endpoint: String) throws(ZMQError) {
        let h = try open("zmq_unbind")
        try zmqCheck("zmq_unbind", detail: endpoint) { zmq_unbind(h, endpoint) }
    }

    /// `ZMQ_LAST_ENDPOINT`: the endpoint of the last bind/connect, with wildcards resolved.
    public func lastEndpoint() throws(ZMQError) -> String {
        let h = try open("zmq_getsockopt")
        var buffer = [CChar](repeating: 0, count: 1024)
        var size = buffer.count
        try zmqCheck("zmq_getsockopt", detail: "ZMQ_LAST_ENDPOINT") {
            zmq_getsockopt(h, ZMQ_LAST_ENDPOINT, &buffer, &size)
        }
        return string(fromCBuffer: buffer)
    }
}
