/// The socket thread's side of a ``SocketThread``: creates sockets on the owner thread, chooses what
/// is polled, and can end the loop. Passed to every ``SocketLoopHandler`` callback; not `Sendable`.
public final class SocketLoop {
    public let context: ZMQContext
    let poller = ZMQPoller()
    let doorbellFD: Int32
    private var owned: [ZMQSocket] = []
    private var watchedFDs: [Int32] = []
    private(set) var stopRequested = false

    init(context: ZMQContext, doorbellFD: Int32) {
        self.context = context
        self.doorbellFD = doorbellFD
        poller.add(fd: doorbellFD)
    }

    /// Creates a socket on this thread. The loop closes it when it ends if the handler has not.
    public func makeSocket(_ type: SocketType, options: [SocketOption] = []) throws(ZMQError) -> ZMQSocket {
        let socket = try ZMQSocket(context, type: type)
        owned.append(socket)
        do {
            try socket.set(options)
        } catch {
            socket.close()
            throw error
        }
        return socket
    }

    /// Makes the loop close `socket` when it ends (for sockets created directly, such as a
    /// ``ZAPHandler``'s or a ``ZMQMonitor``'s). Create it on this thread.
    public func own(_ socket: ZMQSocket) {
        if !owned.contains(where: { $0 === socket }) { owned.append(socket) }
    }

    /// Polls `socket` for `events`; readiness is delivered to ``SocketLoopHandler/onReadable(_:loop:)``.
    public func watch(_ socket: ZMQSocket, events: PollEvents = .readable) throws(ZMQError) {
        try poller.add(socket, events: events)
    }

    /// Stops polling `socket` (do this before closing it).
    public func unwatch(_ socket: ZMQSocket) {
        poller.remove(socket)
    }

    /// Polls a raw file descriptor; readiness is delivered to ``SocketLoopHandler/onReadable(fd:loop:)``.
    public func watch(fd: Int32) {
        precondition(fd != doorbellFD, "the loop already watches its doorbell")
        poller.add(fd: fd)
        if !watchedFDs.contains(fd) { watchedFDs.append(fd) }
    }

    public func unwatch(fd: Int32) {
        poller.remove(fd: fd)
        watchedFDs.removeAll { $0 == fd }
    }

    /// Ends the loop after the current callback returns.
    public func stop() { stopRequested = true }

    /// Watched raw fds that the last poll reported readable.
    func readableFDs() -> [Int32] {
        watchedFDs.filter { poller.events(forFD: $0).contains(.readable) }
    }

    /// Unwatches and closes every socket made here (bounded linger each), newest first so that
    /// monitors and ZAP handlers go before the sockets they serve.
    func closeAll() {
        for socket in owned.reversed() {
            poller.remove(socket)
            socket.close()
        }
        owned.removeAll()
    }
}
