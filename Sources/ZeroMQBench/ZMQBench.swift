import NativeThreads
#if canImport(Glibc)
import Glibc
#endif
#if canImport(ZeroMQ) // SwiftPM target; bench/zmq/run.sh compiles these files into one module with the wrapper
import ZeroMQ
#endif

/// Raw ROUTER/DEALER benchmarks through this wrapper, mirroring `bench/zmq/raw_rtt.c` so the two can
/// be compared. Run by the `zmq-bench` executable (bench/zmq/run.sh); not part of the ZeroMQ library.
///
/// Every function here **blocks the calling thread** (that is the point: it measures synchronous
/// libzmq calls). Call them from a plain thread or a synchronous `main`, never from the Swift
/// cooperative pool.
public enum ZMQBench {
    /// Which receive path the client uses.
    public enum ReceiveAPI: Sendable {
        /// `receive(into: &Multipart)` + `send(Multipart)`: reusable storage, no steady-state allocation.
        case reusable
        /// `receive() -> [[UInt8]]` + `send([[UInt8]])`: one array per frame.
        case arrays
    }

    public struct Options: Sendable {
        /// Round trips measured by ping-pong (after ``warmup``).
        public var iterations = 20_000
        /// Round trips before measuring (connection set up, caches warm).
        public var warmup = 1_000
        /// Payload bytes per message.
        public var payloadSize = 64
        /// Messages echoed in the pipelined run.
        public var messages = 200_000
        /// Messages in flight in the pipelined run.
        public var window = 100
        public var api = ReceiveAPI.reusable

        public init() {}
    }

    /// High-water marks large enough that the window, not the HWM, limits the pipelined run.
    static let benchHWM: Int32 = 100_000

    // MARK: Server

    /// Echoes every message on a ROUTER bound to `endpoint` until a message with an empty payload
    /// arrives. Blocks. `ready` receives the bound endpoint (wildcards resolved) before serving.
    public static func serveEcho(bind endpoint: String, context: ZMQContext, ready: (String) -> Void = { _ in }) throws {
        let router = try ZMQSocket(context, type: .router)
        defer { router.close() }
        try router.set([.sendHighWaterMark(benchHWM), .receiveHighWaterMark(benchHWM)])
        ready(try router.bind(endpoint))
        var message = Multipart()
        while try router.receive(into: &message) {
            if message.count == 2 && message[1].isEmpty { return }
            try router.send(message)
        }
    }

    // MARK: Client

    /// Ping-pong round trips against an echo server at `endpoint`.
    public static func pingPong(connect endpoint: String, context: ZMQContext, options: Options = Options()) throws -> ZMQBenchStats.PingPong {
        let dealer = try client(endpoint, context)
        defer { dealer.close() }
        let payload = [UInt8](repeating: 0x78, count: options.payloadSize)
        let clock = ContinuousClock()
        var echo = Client(dealer: dealer, api: options.api, payload: payload)
        for _ in 0..<options.warmup { try echo.roundTrip() }
        var samples: [Duration] = []
        samples.reserveCapacity(options.iterations)
        for _ in 0..<options.iterations {
            let t0 = clock.now
            try echo.roundTrip()
            samples.append(t0.duration(to: clock.now))
        }
        samples.sort()
        let total = samples.reduce(Duration.zero, +)
        return ZMQBenchStats.PingPong(
            iterations: samples.count,
            payloadSize: options.payloadSize,
            p50: samples.isEmpty ? .zero : samples[samples.count / 2],
            p99: samples.isEmpty ? .zero : samples[samples.count * 99 / 100],
            mean: samples.isEmpty ? .zero : total / samples.count
        )
    }

    /// Pipelined echo throughput with `options.window` messages in flight.
    public static func pipelined(connect endpoint: String, context: ZMQContext, options: Options = Options()) throws -> ZMQBenchStats.Throughput {
        let dealer = try client(endpoint, context)
        defer { dealer.close() }
        let payload = [UInt8](repeating: 0x78, count: options.payloadSize)
        var echo = Client(dealer: dealer, api: options.api, payload: payload)
        for _ in 0..<options.warmup { try echo.roundTrip() }
        let clock = ContinuousClock()
        let t0 = clock.now
        let cpu0 = threadCPUTime()
        var sent = 0, received = 0
        while received < options.messages {
            while sent < options.messages && sent - received < options.window {
                try echo.send()
                sent += 1
            }
            try echo.receive()
            received += 1
        }
        return ZMQBenchStats.Throughput(
            messages: options.messages, payloadSize: options.payloadSize, window: options.window,
            elapsed: t0.duration(to: clock.now), clientThreadCPU: threadCPUTime() - cpu0
        )
    }

    /// One thread, inproc PAIR → PAIR, `options.window` sends then as many receives, for
    /// `options.messages × 5` messages: the CPU cost of the wrapper's send + receive per message with no
    /// I/O thread or scheduler in the way. Compare with `raw_rtt inproc`.
    public static func inprocCallCost(options: Options = Options()) throws -> ZMQBenchStats.CallCost {
        let ctx = try ZMQContext()
        defer { ctx.terminate() }
        let a = try ZMQSocket(ctx, type: .pair, linger: .zero)
        defer { a.close() }
        let b = try ZMQSocket(ctx, type: .pair, linger: .zero)
        defer { b.close() }
        try a.set(.sendHighWaterMark(benchHWM))
        try b.set(.receiveHighWaterMark(benchHWM))
        try b.bind("inproc://drover.bench")
        try a.connect("inproc://drover.bench")
        let payload = [UInt8](repeating: 0, count: options.payloadSize)
        var sender = Client(dealer: a, api: options.api, payload: payload)
        var receiver = Client(dealer: b, api: options.api, payload: payload)
        let total = options.messages * 5
        let window = max(1, options.window)
        let cpu0 = threadCPUTime()
        var done = 0
        while done < total {
            for _ in 0..<window { try sender.send() }
            for _ in 0..<window { try receiver.receive() }
            done += window
        }
        return ZMQBenchStats.CallCost(messages: done, payloadSize: options.payloadSize, batch: window,
                                      cpu: threadCPUTime() - cpu0)
    }

    /// CPU time consumed so far by the calling thread.
    static func threadCPUTime() -> Duration {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return .seconds(ts.tv_sec) + .nanoseconds(ts.tv_nsec)
    }

    /// Tells an echo server to exit.
    public static func stopEcho(connect endpoint: String, context: ZMQContext) throws {
        let dealer = try client(endpoint, context)
        defer { dealer.close() }
        try dealer.send([[UInt8]()])
    }

    // MARK: Loopback convenience

    /// Runs both benchmarks against an echo server on another thread of this process (its own
    /// context, so each side has its own libzmq I/O thread, like the two-process C benchmark),
    /// over `tcp://127.0.0.1:*`.
    public static func runLoopback(options: Options = Options()) throws -> (ZMQBenchStats.PingPong, ZMQBenchStats.Throughput) {
        let serverContext = try ZMQContext()
        let clientContext = try ZMQContext()
        defer { clientContext.terminate() }
        let endpoint = try startEchoThread(serverContext)
        defer { serverContext.terminate() }
        var result: (ZMQBenchStats.PingPong, ZMQBenchStats.Throughput)?
        var failure: (any Error)?
        do {
            result = (try pingPong(connect: endpoint.value, context: clientContext, options: options),
                      try pipelined(connect: endpoint.value, context: clientContext, options: options))
        } catch {
            failure = error
        }
        try? stopEcho(connect: endpoint.value, context: clientContext)
        endpoint.thread.join()
        if let failure { throw failure }
        return result!
    }

    /// Starts `serveEcho` on a new thread and waits (on a doorbell) until it is bound.
    private static func startEchoThread(_ context: ZMQContext) throws -> (value: String, thread: NativeThread) {
        let bell = try Doorbell()
        let box = EndpointBox()
        let thread = try NativeThread.start {
            do {
                try serveEcho(bind: "tcp://127.0.0.1:*", context: context) { box.set(.success($0)); bell.ring() }
            } catch {
                box.set(.failure(error))
                bell.ring()
            }
        }
        let poller = ZMQPoller()
        poller.add(fd: bell.fileDescriptor)
        while box.get() == nil { try poller.poll(timeoutMs: 1000) }
        switch box.get()! {
        case .success(let endpoint): return (endpoint, thread)
        case .failure(let error):
            thread.join()
            throw error
        }
    }

    private static func client(_ endpoint: String, _ context: ZMQContext) throws -> ZMQSocket {
        let dealer = try ZMQSocket(context, type: .dealer)
        // A dead server fails the run after 5 s instead of hanging it.
        try dealer.set([.sendHighWaterMark(benchHWM), .receiveHighWaterMark(benchHWM), .receiveTimeout(.seconds(5))])
        try dealer.connect(endpoint)
        return dealer
    }

    /// The client side of one echo, through the chosen API.
    private struct Client {
        let dealer: ZMQSocket
        let api: ReceiveAPI
        let payloadArray: [[UInt8]]
        let payloadMessage: Multipart
        var incoming = Multipart()

        init(dealer: ZMQSocket, api: ReceiveAPI, payload: [UInt8]) {
            self.dealer = dealer
            self.api = api
            payloadArray = [payload]
            payloadMessage = Multipart([payload])
        }

        mutating func send() throws {
            switch api {
            case .reusable: try dealer.send(payloadMessage)
            case .arrays: try dealer.send(payloadArray)
            }
        }

        mutating func receive() throws {
            let got = switch api {
            case .reusable: try dealer.receive(into: &incoming)
            case .arrays: try dealer.receive() != nil
            }
            guard got else { throw ZMQError(code: ETIMEDOUT, operation: "ZMQBench", detail: "no echo within the receive timeout") }
        }

        mutating func roundTrip() throws {
            try send()
            try receive()
        }
    }
}
