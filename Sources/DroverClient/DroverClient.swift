import DroverProtocol
import ZeroMQ

/// A blocking client of the coordinator's client socket: submissions, watches, typed queries
/// and commands. Used by the CLI, the benchmarks and the tests.
///
/// Not `Sendable`: its socket is created, used and closed on one thread. Call it from a
/// synchronous context that owns a thread (the CLI's main thread, a dedicated `Thread`), never
/// from the cooperative pool — every call blocks on libzmq.
public final class DroverClient {
    /// The client socket's address (the coordinator's worker port + 1).
    public let endpoint: String
    public let timeoutMs: Int
    private let context: ZMQContext
    private let socket: ZMQSocket
    /// Watches the handshake, so a refused key fails fast with a useful message instead of a timeout.
    private let monitor: ZMQMonitor
    private let secured: Bool
    /// The handshake failure, once seen. libzmq then drops the connection for good: later calls
    /// must fail with it too, never wait for a peer that will not come back.
    private var refusal: ClientError?
    private var nextRequest: UInt64 = 1
    /// DONE notifications that arrived while waiting for something else.
    var pendingDone: [ClientReply.DoneJob] = []
    /// The poller of `receiveAny(timeoutMs:wakingOn:)`: this socket and one doorbell.
    private var wakePoller: (fd: Int32, poller: ZMQPoller)?

    /// `coordinator` is the coordinator's address as workers see it (`tcp://host:5555`);
    /// the client socket is at the next port.
    public init(coordinator: String, timeoutMs: Int = 5_000, curve: CurveClientKeys? = nil) throws(ClientError) {
        endpoint = Endpoint.clientEndpoint(forWorkerEndpoint: coordinator)
        self.timeoutMs = timeoutMs
        secured = curve != nil
        do {
            context = try ZMQContext()
            socket = try ZMQSocket(context, type: .dealer, linger: .milliseconds(200))
            try socket.set([.receiveTimeout(.milliseconds(100)), .maxMessageSize(Int64(WireLimits.maxFrameBytes)),
                            .receiveHighWaterMark(0), .sendHighWaterMark(0), .reconnectInterval(.milliseconds(10)),
                            .sendTimeout(.milliseconds(100))]
                           + (curve?.socketOptions ?? []))
            monitor = try ZMQMonitor(socket, events: [.handshakeFailedAuth, .handshakeFailedProtocol])
            try socket.connect(endpoint)
        } catch {
            throw .transport(error, endpoint: endpoint)
        }
    }

    deinit {
        monitor.close()
        socket.close()
        context.terminate()
    }

    /// A fresh request id (ids only need to be unique among this client's requests in flight).
    public func makeRequestID() -> UInt64 {
        defer { nextRequest += 1 }
        return nextRequest
    }

    /// Sends one request without waiting for its answer. A DEALER blocks while it has no peer, which
    /// is for good once the handshake was refused: each 100 ms the monitor is asked why, and after
    /// `timeoutMs` the send gives up.
    public func send(_ request: ClientRequest) throws(ClientError) {
        let frames = [request.encode()]
        var deadline: ContinuousClock.Instant?
        while true {
            let queued: Bool
            do {
                queued = try socket.send(frames)
            } catch {
                throw .transport(error, endpoint: endpoint)
            }
            if queued { return }
            try checkHandshake()
            let end = deadline ?? ContinuousClock.now + .milliseconds(timeoutMs)
            deadline = end
            guard ContinuousClock.now < end else { throw noAnswer(withinMs: timeoutMs) }
        }
    }

    /// The next reply of any kind, or nil after the socket's receive timeout (100 ms).
    public func receiveAny() throws(ClientError) -> ClientReply? {
        let frames: [[UInt8]]?
        do {
            frames = try socket.receive()
        } catch {
            throw .transport(error, endpoint: endpoint)
        }
        guard let frames, frames.count == 1 else {
            try checkHandshake()
            return nil
        }
        do {
            return try ClientReply.decode(frames[0])
        } catch {
            throw ClientError(.badReply("\(error)"), "the coordinator at \(endpoint) sent an undecodable reply: \(error)",
                              hint: "is it a Drover coordinator of the same protocol version?")
        }
    }

    /// The next reply of any kind, or nil when `bell` rang or `timeoutMs` passed first. The bell
    /// is drained: whoever rang it expects the caller to look at its own queue next.
    public func receiveAny(timeoutMs: Int, wakingOn bell: Doorbell) throws(ClientError) -> ClientReply? {
        let poller: ZMQPoller
        if let wakePoller, wakePoller.fd == bell.fileDescriptor {
            poller = wakePoller.poller
        } else {
            poller = ZMQPoller()
            do {
                try poller.add(socket)
            } catch {
                throw .transport(error, endpoint: endpoint)
            }
            poller.add(fd: bell.fileDescriptor)
            wakePoller = (bell.fileDescriptor, poller)
        }
        do {
            _ = try poller.poll(timeoutMs: timeoutMs)
        } catch {
            throw .transport(error, endpoint: endpoint)
        }
        if poller.events(forFD: bell.fileDescriptor).contains(.readable) { bell.drain() }
        guard poller.events(for: socket).contains(.readable) else {
            try checkHandshake()
            return nil
        }
        return try receiveAny()
    }

    /// Waits up to `timeoutMs` for the first reply that `match` accepts; DONE notifications
    /// not accepted are kept for `waitForAll`.
    public func receive(timeoutMs: Int? = nil, until match: (ClientReply) -> Bool) throws(ClientError) -> ClientReply {
        let limit = timeoutMs ?? self.timeoutMs
        let deadline = ContinuousClock.now + .milliseconds(limit)
        while ContinuousClock.now < deadline {
            guard let reply = try receiveAny() else { continue }
            if match(reply) { return reply }
            if case .done(let jobs) = reply { pendingDone.append(contentsOf: jobs) }
        }
        throw noAnswer(withinMs: limit)
    }

    public func noAnswer(withinMs limit: Int) -> ClientError {
        ClientError(.noAnswer, "no answer from the coordinator at \(endpoint) within \(limit) ms",
                    hint: "is it running? Start one with `drover up`, or point --connect / DROVER_COORDINATOR at it")
    }

    /// Throws a clear error if the coordinator refused the security handshake (unknown key,
    /// a worker key used as a client, or CURVE on one side only).
    private func checkHandshake() throws(ClientError) {
        if let refusal { throw refusal }
        while true {
            let event: MonitorEvent?
            do {
                event = try monitor.receive()
            } catch {
                throw .transport(error, endpoint: endpoint)
            }
            guard let event else { return }
            if event.kind == .handshakeFailedAuth {
                refusal = ClientError(.handshake, "the coordinator at \(endpoint) refused this client's CURVE key (status \(event.value))",
                                      hint: "add this key's NAME.pub line to the coordinator's --allow-clients file and restart it; a worker key cannot be used as a client")
            }
            if event.kind == .handshakeFailedProtocol {
                refusal = ClientError(.handshake, secured
                    ? "the security handshake with \(endpoint) failed: the coordinator does not use CURVE, or --server-key is not its public key"
                    : "the security handshake with \(endpoint) failed: the coordinator requires CURVE keys",
                    hint: secured ? "check --server-key against the coordinator's NAME.pub"
                        : "pass --curve-secret YOUR.key --server-key COORDINATOR.pub (or DROVER_CURVE_SECRET / DROVER_SERVER_KEY)")
            }
            if let refusal { throw refusal }
        }
    }
}
