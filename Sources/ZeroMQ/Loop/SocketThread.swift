import NativeThreads
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A dedicated thread that owns sockets and runs a poll loop, with a `Sendable` handle for other
/// threads and async tasks.
///
/// - Other threads talk to it with ``submit(_:)`` (a message for the handler) or ``execute(_:)``
///   (a closure run on the socket thread). Both go through a bounded, `Mutex`-protected queue and
///   ring the ``doorbell``; when the queue is full they return ``SubmitResult/full`` (never block,
///   never drop silently).
/// - The loop polls the watched sockets, the doorbell and any raw fds, with a timeout that wakes it
///   for ``SocketLoopHandler/onTick(now:loop:)``.
/// - ``stop()`` (async) or ``requestStop()`` + ``join()`` (sync) end it. Commands accepted before the
///   stop request are still delivered; then ``SocketLoopHandler/onStop(loop:)`` runs and every socket
///   made through the loop is closed with its bounded linger, so stopping never hangs on libzmq.
///   The context is *not* terminated: the process does that once all socket threads are stopped.
///
/// No blocking libzmq call ever runs on the Swift cooperative pool: everything is on this thread.
public final class SocketThread<Handler: SocketLoopHandler>: Sendable {
    public struct Configuration: Sendable {
        /// Maximum queued commands; ``submit(_:)`` answers `.full` beyond this.
        public var queueCapacity: Int
        /// Period of ``SocketLoopHandler/onTick(now:loop:)``; `nil` disables ticks.
        public var tickInterval: Duration?

        public init(queueCapacity: Int = 4096, tickInterval: Duration? = .milliseconds(100)) {
            precondition(queueCapacity > 0, "queueCapacity must be positive")
            self.queueCapacity = queueCapacity
            self.tickInterval = tickInterval
        }
    }

    enum Command: Sendable {
        case message(Handler.Message)
        /// `drop` runs instead of `run` if the loop ends before reaching it.
        case work(run: @Sendable (Handler, SocketLoop) throws -> Void, drop: (@Sendable () -> Void)?)
    }

    private enum Phase { case idle, running, stopping, stopped }

    private struct State: ~Copyable {
        var phase: Phase = .idle
        var queue: [Command] = []
        var thread: NativeThread?
        var joined = false
        var failure: (any Error)?
        var waiters: [CheckedContinuation<Void, Never>] = []
    }

    public let context: ZMQContext
    public let configuration: Configuration
    /// Ring it to make the loop call ``SocketLoopHandler/onDoorbell(loop:)`` (e.g. after pushing to a
    /// queue of your own). ``submit(_:)`` rings it for you.
    public let doorbell: Doorbell
    private let makeHandler: @Sendable (SocketLoop) throws -> Handler
    private let onDropped: @Sendable (Handler.Message) -> Void
    private let state = Mutex(State())

    /// Prepares the thread; nothing runs until ``start()``.
    /// - Parameters:
    ///   - makeHandler: runs on the socket thread; create and bind sockets here through the
    ///     ``SocketLoop`` so they are owned by that thread. If it throws, the loop ends at once.
    ///   - onDropped: receives, on the socket thread as the loop ends, every accepted message that
    ///     was not delivered (only possible when a callback threw or the context terminated), so
    ///     e.g. a continuation inside it can still be resumed. Accepted work is never lost silently.
    public init(
        context: ZMQContext,
        configuration: Configuration = Configuration(),
        onDropped: @escaping @Sendable (Handler.Message) -> Void = { _ in },
        makeHandler: @escaping @Sendable (SocketLoop) throws -> Handler
    ) throws(ZMQError) {
        self.context = context
        self.configuration = configuration
        self.doorbell = try Doorbell()
        self.onDropped = onDropped
        self.makeHandler = makeHandler
    }

    deinit {
        // The running thread retains `self`, so reaching deinit means the thread is done or never
        // started; a thread nobody joined is detached so its resources are released.
        state.withLock { s in
            if let t = s.thread, !s.joined { t.detach() }
        }
    }

    /// Starts the socket thread. Call once.
    public func start() throws(ZMQError) {
        let ok = state.withLock { s -> Bool in
            guard case .idle = s.phase else { return false }
            s.phase = .running
            return true
        }
        guard ok else { throw ZMQError(code: EINVAL, operation: "SocketThread.start", detail: "already started") }
        do {
            let thread = try NativeThread.start { self.run() }
            state.withLock { $0.thread = thread }
        } catch {
            state.withLock { $0.phase = .stopped }
            throw ZMQError(code: error.code, operation: "pthread_create")
        }
    }

    /// Queues a message for ``SocketLoopHandler/onMessage(_:loop:)`` and rings the doorbell. Any thread.
    @discardableResult
    public func submit(_ message: Handler.Message) -> SubmitResult {
        enqueue(.message(message))
    }

    /// Queues a closure to run on the socket thread with the handler. Any thread. If the closure
    /// throws, the loop ends with that error (use ``perform(_:)`` to get errors back instead).
    @discardableResult
    public func execute(_ work: @escaping @Sendable (Handler, SocketLoop) throws -> Void) -> SubmitResult {
        enqueue(.work(run: work, drop: nil))
    }

    /// Runs `body` on the socket thread and returns its result to the awaiting task, without blocking
    /// a cooperative thread. Errors thrown by `body` go to the caller; the loop keeps running.
    /// - Throws: ``SocketThreadError/busy`` if the queue is full, ``SocketThreadError/stopped`` if the
    ///   thread is not running or ends before `body` runs. The continuation is resumed exactly once.
    ///   Task cancellation does not withdraw an accepted `body`.
    public func perform<T: Sendable>(_ body: @escaping @Sendable (Handler, SocketLoop) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (c: CheckedContinuation<T, any Error>) in
            let result = enqueue(.work(
                run: { handler, loop in c.resume(with: Result { try body(handler, loop) }) },
                drop: { c.resume(throwing: SocketThreadError.stopped) }
            ))
            switch result {
            case .accepted: break
            case .full: c.resume(throwing: SocketThreadError.busy)
            case .stopped: c.resume(throwing: SocketThreadError.stopped)
            }
        }
    }

    /// Asks the loop to end after delivering what is already queued. Any thread; non-blocking.
    public func requestStop() {
        let ring = state.withLock { s -> Bool in
            switch s.phase {
            case .idle:
                s.phase = .stopped
                return false
            case .running:
                s.phase = .stopping
                return true
            case .stopping, .stopped:
                return false
            }
        }
        if ring { doorbell.ring() }
    }

    /// Requests a stop and waits (without blocking a cooperative thread) until the loop has ended and
    /// its sockets are closed. Returns the error that ended the loop, if any (`ETERM` is a clean end).
    @discardableResult
    public func stop() async -> (any Error)? {
        requestStop()
        return await finished()
    }

    /// Waits (without blocking a cooperative thread, and without requesting a stop) until the loop
    /// has ended — because of ``requestStop()``, `loop.stop()`, a throwing callback or `ETERM` — and
    /// returns the error that ended it, if any. Lets a service notice a loop that died on its own.
    @discardableResult
    public func finished() async -> (any Error)? {
        await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
            let finished = state.withLock { s -> Bool in
                if case .stopped = s.phase { return true }
                s.waiters.append(c)
                return false
            }
            if finished { c.resume() }
        }
        // The thread has run its last line; joining now returns at once and frees it.
        joinThread()
        return state.withLock { $0.failure }
    }

    /// Blocks the calling thread until the loop ends (it does not request a stop). Not for use on the
    /// cooperative pool or on the socket thread itself.
    @discardableResult
    public func join() -> (any Error)? {
        joinThread()
        return state.withLock { $0.failure }
    }

    /// Whether the loop is running (started and not yet ended).
    public var isRunning: Bool {
        state.withLock { s in
            switch s.phase {
            case .running, .stopping: true
            case .idle, .stopped: false
            }
        }
    }

    private func joinThread() {
        let thread = state.withLock { s -> NativeThread? in
            guard let t = s.thread, !s.joined else { return nil }
            s.joined = true
            return t
        }
        guard let thread else { return }
        precondition(!thread.isCurrent, "SocketThread joined from its own thread")
        thread.join()
    }

    private func enqueue(_ command: Command) -> SubmitResult {
        let result = state.withLock { s -> SubmitResult in
            guard case .running = s.phase else { return .stopped }
            guard s.queue.count < configuration.queueCapacity else { return .full }
            s.queue.append(command)
            return .accepted
        }
        if result == .accepted { doorbell.ring() }
        return result
    }

    // MARK: The loop (socket thread only)

    private func run() {
        let loop = SocketLoop(context: context, doorbellFD: doorbell.fileDescriptor)
        var failure: (any Error)?
        var handler: Handler?
        var batch: [Command] = []
        batch.reserveCapacity(64)
        do {
            let h = try makeHandler(loop)
            handler = h
            try runLoop(h, loop, batch: &batch)
        } catch let error as ZMQError where error.isContextTerminated {
            failure = nil
        } catch {
            failure = error
        }
        handler?.onStop(loop: loop)
        loop.closeAll()
        handler = nil
        // No new commands after this; hand back what was accepted but not delivered.
        let leftover = state.withLock { s -> [Command] in
            s.phase = .stopped
            s.failure = failure
            defer { s.queue.removeAll() }
            return s.queue
        }
        for command in batch + leftover {
            switch command {
            case .message(let m): onDropped(m)
            case .work(_, let drop): drop?()
            }
        }
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            defer { s.waiters.removeAll() }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    /// The poll loop. `batch` holds the commands being delivered; on a throw, the undelivered rest
    /// stays in it for ``run()`` to drop.
    private func runLoop(_ handler: Handler, _ loop: SocketLoop, batch: inout [Command]) throws {
        let clock = ContinuousClock()
        let tick = configuration.tickInterval
        var nextTick = tick.map { clock.now + $0 }
        while !loop.stopRequested {
            var timeoutMs = -1
            if let due = nextTick {
                let remaining = clock.now.duration(to: due)
                timeoutMs = remaining <= .zero ? 0 : Int(remaining.wholeMilliseconds) + 1
            }
            try loop.poller.poll(timeoutMs: timeoutMs)

            if loop.poller.events(forFD: doorbell.fileDescriptor).contains(.readable) {
                doorbell.drain()
                let stopping = state.withLock { s -> Bool in
                    swap(&s.queue, &batch)
                    if case .stopping = s.phase { return true }
                    return false
                }
                var next = 0
                while next < batch.count {
                    let command = batch[next]
                    next += 1
                    do {
                        switch command {
                        case .message(let m): try handler.onMessage(m, loop: loop)
                        case .work(let run, _): try run(handler, loop)
                        }
                    } catch {
                        batch.removeFirst(next)
                        throw error
                    }
                }
                batch.removeAll(keepingCapacity: true)
                try handler.onDoorbell(loop: loop)
                if stopping { break }
            }
            for (socket, events) in loop.poller.readySockets() {
                if events.contains(.readable) && !socket.isClosed { try handler.onReadable(socket, loop: loop) }
                if events.contains(.writable) && !socket.isClosed { try handler.onWritable(socket, loop: loop) }
            }
            for fd in loop.readableFDs() {
                try handler.onReadable(fd: fd, loop: loop)
            }
            if let due = nextTick, let tick {
                let now = clock.now
                if now >= due {
                    try handler.onTick(now: now, loop: loop)
                    nextTick = now + tick
                }
            }
        }
    }
}
