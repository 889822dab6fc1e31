/// The code that runs on a ``SocketThread``: it owns sockets and reacts to readiness, commands from
/// other threads, and periodic ticks. Every method is called on the socket thread only, so a
/// handler may hold non-`Sendable` state (sockets, state machines) without locks.
///
/// A coordinator can run its whole event loop here: create and bind its ROUTER and the ZAP handler in
/// the factory passed to ``SocketThread/init(context:configuration:makeHandler:)``, `watch` them,
/// then react in these callbacks.
///
/// Throwing from any callback ends the loop; the error is returned by ``SocketThread/stop()``.
///
/// `SendableMetatype`: the handler *type* is named by the `Sendable` ``SocketThread`` across threads;
/// instances never leave the socket thread. Any class that is not isolated to a global actor qualifies.
public protocol SocketLoopHandler: AnyObject, SendableMetatype {
    /// What other threads send to this handler through ``SocketThread/submit(_:)``.
    associatedtype Message: Sendable

    /// A watched socket is readable. Receive with `dontWait: true` until `nil` (or up to a budget);
    /// a socket left readable makes the next poll return at once.
    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws

    /// A socket watched with `.writable` can take a message again (e.g. after `send(dontWait:)`
    /// returned `false` at the high-water mark). Watch `.writable` only while you have something
    /// queued: a writable socket is almost always writable, so leaving it on spins the loop.
    func onWritable(_ socket: ZMQSocket, loop: SocketLoop) throws

    /// A watched raw file descriptor (other than the thread's own doorbell) is readable.
    func onReadable(fd: Int32, loop: SocketLoop) throws

    /// A message submitted with ``SocketThread/submit(_:)``, in submission order.
    func onMessage(_ message: Message, loop: SocketLoop) throws

    /// The doorbell rang and all queued messages/closures have been delivered. Useful when the handler
    /// keeps its own queue and rings ``SocketThread/doorbell`` itself.
    func onDoorbell(loop: SocketLoop) throws

    /// Called about every ``SocketThread/Configuration/tickInterval`` (never early; later if a callback
    /// is slow). `now` is the loop's reading of `ContinuousClock`.
    func onTick(now: ContinuousClock.Instant, loop: SocketLoop) throws

    /// The loop is ending (stop requested, a callback threw, or the context terminated). Close or flush
    /// what you own; sockets made with ``SocketLoop/makeSocket(_:options:)`` that are still open are
    /// closed right after this, with their bounded linger.
    func onStop(loop: SocketLoop)
}

extension SocketLoopHandler {
    public func onWritable(_ socket: ZMQSocket, loop: SocketLoop) throws {}
    public func onReadable(fd: Int32, loop: SocketLoop) throws {}
    public func onMessage(_ message: Message, loop: SocketLoop) throws {}
    public func onDoorbell(loop: SocketLoop) throws {}
    public func onTick(now: ContinuousClock.Instant, loop: SocketLoop) throws {}
    public func onStop(loop: SocketLoop) {}
}
