import CZeroMQ

/// Which conditions to wait for / which occurred.
public struct PollEvents: OptionSet, Sendable, Hashable {
    public let rawValue: Int16
    public init(rawValue: Int16) { self.rawValue = rawValue }

    public static let readable = PollEvents(rawValue: Int16(ZMQ_POLLIN))
    public static let writable = PollEvents(rawValue: Int16(ZMQ_POLLOUT))
    /// Only reported for raw file descriptors.
    public static let error = PollEvents(rawValue: Int16(ZMQ_POLLERR))
}

/// `zmq_poll` over sockets and raw file descriptors (such as a ``Doorbell``), owned by one thread.
///
/// Items are kept in insertion order; ``poll(timeoutMs:)`` fills in what is ready, read it back
/// with ``events(for:)`` / ``events(forFD:)``. A registered socket that has been closed is dropped
/// from the set at the next poll.
public final class ZMQPoller {
    private enum Key: Equatable {
        case socket(ObjectIdentifier)
        case fd(Int32)
    }

    private var items: [zmq_pollitem_t] = []
    private var keys: [Key] = []
    /// Retains registered sockets so their handles stay valid while in `items`.
    private var sockets: [ObjectIdentifier: ZMQSocket] = [:]
    private let owner = OwnerThread()

    public init() {}

    /// Number of registered items.
    public var count: Int { items.count }

    /// Registers (or re-registers with new events) a socket.
    public func add(_ socket: ZMQSocket, events: PollEvents = .readable) throws(ZMQError) {
        owner.check("ZMQPoller.add")
        let handle = try socket.open("zmq_poll")
        let key = Key.socket(ObjectIdentifier(socket))
        let item = zmq_pollitem_t(socket: handle, fd: 0, events: events.rawValue, revents: 0)
        sockets[ObjectIdentifier(socket)] = socket
        upsert(key, item)
    }

    /// Registers (or re-registers) a raw file descriptor, e.g. ``Doorbell/fileDescriptor``.
    public func add(fd: Int32, events: PollEvents = .readable) {
        owner.check("ZMQPoller.add")
        upsert(.fd(fd), zmq_pollitem_t(socket: nil, fd: fd, events: events.rawValue, revents: 0))
    }

    public func remove(_ socket: ZMQSocket) {
        owner.check("ZMQPoller.remove")
        sockets[ObjectIdentifier(socket)] = nil
        remove(.socket(ObjectIdentifier(socket)))
    }

    public func remove(fd: Int32) {
        owner.check("ZMQPoller.remove")
        remove(.fd(fd))
    }

    /// Waits until at least one item is ready or the timeout expires.
    ///
    /// - Parameter timeoutMs: milliseconds; 0 returns immediately, -1 waits forever.
    /// - Returns: the number of ready items (0 on timeout or on a signal interruption).
    /// - Throws: ``ZMQError``; `ETERM` means the context is shutting down.
    @discardableResult
    public func poll(timeoutMs: Int) throws(ZMQError) -> Int {
        owner.check("ZMQPoller.poll")
        // A socket closed while registered would make zmq_poll fail with ENOTSOCK: drop it instead.
        for socket in sockets.values where socket.isClosed { remove(socket) }
        for i in items.indices { items[i].revents = 0 }
        let rc = items.withUnsafeMutableBufferPointer { zmq_poll($0.baseAddress, Int32($0.count), timeoutMs) }
        if rc >= 0 { return Int(rc) }
        let code = zmq_errno()
        // EINTR: report "nothing ready"; the caller's loop recomputes its timeout and polls again.
        if code == EINTR { return 0 }
        throw ZMQError(code: code, operation: "zmq_poll")
    }

    /// What the last ``poll(timeoutMs:)`` reported for `socket` (empty if not registered).
    public func events(for socket: ZMQSocket) -> PollEvents {
        events(.socket(ObjectIdentifier(socket)))
    }

    /// What the last ``poll(timeoutMs:)`` reported for `fd` (empty if not registered).
    public func events(forFD fd: Int32) -> PollEvents {
        events(.fd(fd))
    }

    /// The registered sockets that the last poll reported readable, in registration order.
    public func readableSockets() -> [ZMQSocket] {
        readySockets().compactMap { $0.events.contains(.readable) ? $0.socket : nil }
    }

    /// The registered sockets for which the last poll reported anything, with what it reported.
    public func readySockets() -> [(socket: ZMQSocket, events: PollEvents)] {
        var result: [(socket: ZMQSocket, events: PollEvents)] = []
        for (i, key) in keys.enumerated() where items[i].revents != 0 {
            if case .socket(let id) = key, let s = sockets[id] { result.append((s, PollEvents(rawValue: items[i].revents))) }
        }
        return result
    }

    private func events(_ key: Key) -> PollEvents {
        guard let i = keys.firstIndex(of: key) else { return [] }
        return PollEvents(rawValue: items[i].revents)
    }

    private func upsert(_ key: Key, _ item: zmq_pollitem_t) {
        if let i = keys.firstIndex(of: key) {
            items[i] = item
        } else {
            keys.append(key)
            items.append(item)
        }
    }

    private func remove(_ key: Key) {
        guard let i = keys.firstIndex(of: key) else { return }
        keys.remove(at: i)
        items.remove(at: i)
    }
}
