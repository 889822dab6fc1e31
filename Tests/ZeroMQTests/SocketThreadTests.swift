import Synchronization
import Testing
@testable import ZeroMQ

#if canImport(Glibc)
import Glibc
#endif

/// Lets another thread run while a test holds the socket thread busy.
func sched_yield_() { _ = sched_yield() }

/// An echo server on a socket thread: a ROUTER that echoes, plus messages submitted from tasks that
/// are sent out to a fixed peer.
final class EchoHandler: SocketLoopHandler {
    typealias Message = [[UInt8]]
    let router: ZMQSocket
    let endpoint: String
    let events: EventLog

    init(loop: SocketLoop, events: EventLog) throws {
        router = try loop.makeSocket(.router, options: [.routerMandatory(true)])
        endpoint = try router.bind("tcp://127.0.0.1:*")
        self.events = events
        try loop.watch(router)
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        while let frames = try socket.receive(dontWait: true) {
            _ = try socket.send(frames, dontWait: true)
        }
    }

    func onMessage(_ message: [[UInt8]], loop: SocketLoop) throws {
        events.append("message:\(message.count)")
    }

    func onTick(now: ContinuousClock.Instant, loop: SocketLoop) throws {
        events.append("tick")
    }

    func onStop(loop: SocketLoop) {
        events.append("stop")
    }
}

/// Reports the first writability of its DEALER, then stops watching for it.
final class WritableHandler: SocketLoopHandler {
    typealias Message = Never
    let dealer: ZMQSocket
    let log: EventLog

    init(loop: SocketLoop, log: EventLog) throws {
        let router = try loop.makeSocket(.router)
        let endpoint = try router.bind("inproc://writable")
        dealer = try loop.makeSocket(.dealer)
        try dealer.connect(endpoint)
        self.log = log
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {}

    func onWritable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        log.append("writable")
        try loop.watch(socket, events: .readable)
    }
}

/// Thread-safe log of handler callbacks for assertions.
final class EventLog: Sendable {
    private let entries = Mutex<[String]>([])
    /// Fires once `watched` has been appended `times` times.
    private let watch: (entry: String, times: Int, signal: Signal)?

    init(signalWhen entry: String? = nil, times: Int = 1) {
        watch = entry.map { ($0, times, Signal()) }
    }

    func append(_ e: String) {
        let count = entries.withLock { list -> Int in
            list.append(e)
            return list.filter { $0 == e }.count
        }
        if let watch, e == watch.entry, count >= watch.times { watch.signal.fire() }
    }

    var all: [String] { entries.withLock { $0 } }

    /// Waits until the watched entry has been logged often enough; false on timeout.
    func waitForWatched(timeout: Duration = .seconds(5)) async -> Bool {
        await watch?.signal.wait(timeout: timeout) ?? false
    }
}

@Suite("SocketThread")
struct SocketThreadTests {
    @Test func stopJoinsAndDeliversQueuedMessagesFirst() async throws {
        let ctx = try ZMQContext()
        let log = EventLog()
        let thread = try SocketThread(context: ctx, configuration: .init(tickInterval: nil)) { loop in
            try EchoHandler(loop: loop, events: log)
        }
        try thread.start()
        #expect(thread.submit([[1], [2]]) == .accepted)
        #expect(thread.submit([[3]]) == .accepted)
        let failure = await thread.stop()
        #expect(failure == nil)
        #expect(!thread.isRunning)
        #expect(log.all == ["message:2", "message:1", "stop"])
        #expect(thread.submit([[4]]) == .stopped)
        ctx.terminate() // sockets were closed by the loop, so this returns promptly
    }

    @Test func echoesThroughTheLoopAndRunsClosuresOnIt() async throws {
        let ctx = try ZMQContext()
        let log = EventLog()
        let thread = try SocketThread(context: ctx) { loop in try EchoHandler(loop: loop, events: log) }
        try thread.start()

        // Learn the endpoint by running a closure on the socket thread.
        let endpoint = await withCheckedContinuation { (c: CheckedContinuation<String, Never>) in
            _ = thread.execute { handler, _ in c.resume(returning: handler.endpoint) }
        }
        let echoed = try onThread { () throws -> [[UInt8]]? in
            let dealer = try ZMQSocket(ctx, type: .dealer)
            defer { dealer.close() }
            try dealer.connect(endpoint)
            try dealer.send(["ping".bytes, [], [0xFF]])
            return try receive(dealer)
        }
        #expect(echoed == .some(["ping".bytes, [], [0xFF]]))
        await thread.stop()
        ctx.terminate()
    }

    @Test func fullQueueAnswersFullInsteadOfDropping() async throws {
        let ctx = try ZMQContext()
        let gate = Mutex(false)
        let log = EventLog()
        let thread = try SocketThread(context: ctx, configuration: .init(queueCapacity: 2, tickInterval: nil)) { loop in
            try EchoHandler(loop: loop, events: log)
        }
        try thread.start()
        // Occupy the loop so the queue cannot drain while we fill it.
        #expect(thread.execute { _, _ in
            while !gate.withLock({ $0 }) { sched_yield_() }
        } == .accepted)
        var results: [SubmitResult] = []
        for i in 0..<10 { results.append(thread.submit([[UInt8(i)]])) }
        gate.withLock { $0 = true }
        #expect(results.contains(.full))
        #expect(results.filter { $0 == .accepted }.count <= 2)
        await thread.stop()
        ctx.terminate()
        // Every accepted message was delivered.
        #expect(log.all.filter { $0.hasPrefix("message") }.count == results.filter { $0 == .accepted }.count)
    }

    @Test func throwingHandlerEndsTheLoopAndReportsTheError() async throws {
        struct Boom: Error {}
        let ctx = try ZMQContext()
        let log = EventLog()
        let thread = try SocketThread(context: ctx) { loop in try EchoHandler(loop: loop, events: log) }
        try thread.start()
        _ = thread.execute { _, _ in throw Boom() }
        let failure = await thread.finished() // ends on its own; no stop requested
        #expect(failure is Boom)
        #expect(!thread.isRunning)
        #expect(log.all.last == "stop")
        await thread.stop()
        await ctx.terminateOffPool()
        #expect(ctx.isTerminated)
    }

    @Test func performReturnsResultsAndReportsStopped() async throws {
        let ctx = try ZMQContext()
        let log = EventLog()
        let thread = try SocketThread(context: ctx) { loop in try EchoHandler(loop: loop, events: log) }
        try thread.start()
        let endpoint = try await thread.perform { handler, _ in handler.endpoint }
        #expect(endpoint.hasPrefix("tcp://127.0.0.1:"))
        struct Nope: Error {}
        await #expect(throws: Nope.self) { try await thread.perform { _, _ in throw Nope() } }
        #expect(thread.isRunning, "an error from perform goes to the caller, not the loop")
        await thread.stop()
        await #expect(throws: SocketThreadError.stopped) { try await thread.perform { _, _ in 1 } }
        ctx.terminate()
    }

    @Test func acceptedMessagesAreHandedBackWhenTheLoopDies() async throws {
        struct Boom: Error {}
        let ctx = try ZMQContext()
        let log = EventLog()
        let dropped = EventLog()
        let gate = Mutex(false)
        let thread = try SocketThread(context: ctx, configuration: .init(tickInterval: nil), onDropped: { m in
            dropped.append("dropped:\(m.count)")
        }) { loop in try EchoHandler(loop: loop, events: log) }
        try thread.start()
        // Hold the loop, queue a failing closure and two messages behind it, then release.
        _ = thread.execute { _, _ in while !gate.withLock({ $0 }) { sched_yield_() } }
        _ = thread.execute { _, _ in throw Boom() }
        #expect(thread.submit([[1]]) == .accepted)
        #expect(thread.submit([[1], [2]]) == .accepted)
        gate.withLock { $0 = true }
        let failure = await thread.stop()
        #expect(failure is Boom)
        #expect(dropped.all == ["dropped:1", "dropped:2"])
        #expect(!log.all.contains { $0.hasPrefix("message") })
        ctx.terminate()
    }

    @Test func writableSocketsAreReportedWhenWatchedForWriting() async throws {
        let ctx = try ZMQContext()
        let log = EventLog(signalWhen: "writable")
        let thread = try SocketThread(context: ctx) { loop in try WritableHandler(loop: loop, log: log) }
        try thread.start()
        try await thread.perform { handler, loop in try loop.watch(handler.dealer, events: [.readable, .writable]) }
        #expect(await log.waitForWatched())
        await thread.stop()
        ctx.terminate()
        #expect(log.all.first == "writable")
    }

    @Test func ticksArrive() async throws {
        let ctx = try ZMQContext()
        let log = EventLog(signalWhen: "tick", times: 2)
        let thread = try SocketThread(context: ctx, configuration: .init(tickInterval: .milliseconds(5))) { loop in
            try EchoHandler(loop: loop, events: log)
        }
        try thread.start()
        #expect(await log.waitForWatched())
        await thread.stop()
        ctx.terminate()
        #expect(log.all.filter { $0 == "tick" }.count >= 2)
    }
}
