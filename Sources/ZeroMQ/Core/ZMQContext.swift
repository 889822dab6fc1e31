import CZeroMQ
import NativeThreads
import Synchronization

/// One libzmq context per process (`inproc://` endpoints, including the ZAP handler, only connect
/// within one context).
///
/// **Shutdown rule.** Before the process exits, close every socket (on its owner thread) and then call
/// ``terminate()``. Swift does not run deinitialisers for globals at exit, so a process that simply
/// returns from `main` can exit before libzmq's I/O threads have sent the last queued message.
/// ``terminate()`` blocks until every socket of the context is closed and its linger has expired;
/// because every ``ZMQSocket`` is created with a bounded linger, it completes in bounded time once
/// the sockets are closed. To unblock owner threads first, call ``shutdown()`` (any thread): their
/// blocking calls then fail with `ETERM` and their loops end.
public final class ZMQContext: @unchecked Sendable {
    // @unchecked Sendable: a libzmq context is documented thread-safe (doc/zmq.adoc); the only
    // mutable Swift state is `state`, which is a Mutex.

    /// The raw `void *` for libzmq calls. Valid until ``terminate()``.
    let handle: UnsafeMutableRawPointer
    private let state = Mutex(State.open)

    private enum State { case open, shutDown, terminated }

    /// - Parameter ioThreads: libzmq background I/O threads (`ZMQ_IO_THREADS`); 1 handles about a
    ///   gigabyte per second of traffic, which is plenty for a control channel.
    public init(ioThreads: Int32 = 1) throws(ZMQError) {
        guard let ctx = zmq_ctx_new() else { throw ZMQError.last("zmq_ctx_new") }
        handle = ctx
        try zmqCheck("zmq_ctx_set", detail: "ZMQ_IO_THREADS") { zmq_ctx_set(ctx, ZMQ_IO_THREADS, ioThreads) }
    }

    /// Makes every blocking call on every socket of this context fail with `ETERM`. Thread-safe,
    /// non-blocking; idempotent. Sockets must still be closed and ``terminate()`` called.
    public func shutdown() {
        let doIt = state.withLock { s -> Bool in
            guard case .open = s else { return false }
            s = .shutDown
            return true
        }
        if doIt { _ = zmq_ctx_shutdown(handle) }
    }

    /// Destroys the context. Blocks until all sockets are closed and their (bounded) linger expired.
    /// Call it once, after the owner threads closed their sockets. Idempotent.
    public func terminate() {
        let doIt = state.withLock { s -> Bool in
            if case .terminated = s { return false }
            s = .terminated
            return true
        }
        guard doIt else { return }
        while zmq_ctx_term(handle) != 0 && zmq_errno() == EINTR {}
    }

    /// ``terminate()`` on a dedicated thread, so async code (a `Service.run()`) can await it without
    /// parking a cooperative thread for the linger period.
    public func terminateOffPool() async {
        do {
            try await runOffPool { self.terminate() }
        } catch {
            // No thread available: terminate here rather than leak the context.
            terminate()
        }
    }

    /// True once ``terminate()`` ran.
    public var isTerminated: Bool {
        state.withLock { if case .terminated = $0 { true } else { false } }
    }

    deinit {
        // A context that was never terminated is leaked rather than terminated here: zmq_ctx_term
        // blocks, and a deinit may run on any thread (including the cooperative pool).
    }
}
