import DroverProtocol
import Logging
import ZeroMQ

/// Commands from async code to the worker's socket thread.
public enum WorkerCommand: Sendable {
    /// Graceful shutdown: take no new work, hand back what has not started, let running
    /// jobs finish within the grace period, then say BYE.
    case drain
}

/// The worker's event loop on its socket thread: one DEALER to the coordinator, the
/// executors' completions via an inbox, heartbeats, reconnects with backoff, and the
/// results it must not lose (kept until the coordinator acknowledges them).
final class WorkerHandler: SocketLoopHandler {
    typealias Message = WorkerCommand

    struct Running {
        var lease: Lease
        var task: Task<Void, Never>?
        var deadlineMs: Int64
    }

    let options: WorkerOptions
    let registry: ExecutorRegistry
    let inbox: CompletionInbox
    let logger: Logger
    let clock = ContinuousClock()
    let start = ContinuousClock.now
    var rng = SystemRandomNumberGenerator()

    var socket: ZMQSocket?
    /// Reports refused security handshakes on `socket` (see WorkerHandler+Handshake.swift).
    var handshakeMonitor: ZMQMonitor?
    var handshakeRefused = false
    var frame = Multipart()
    // Session with the coordinator.
    var welcomed = false
    var epoch: UInt64 = 0
    var heartbeatMs: Int64 = 1_000
    var liveness: Int64 = 3
    var lastHeardMs: Int64 = 0
    var lastSentMs: Int64 = 0
    var nextHelloMs: Int64 = 0
    var backoffMs: Int64
    /// The coordinator's lease, from its last WELCOME (0 before the first).
    var leaseMs: Int64 = 0
    // Jobs.
    var waiting: [Assignment] = []
    /// Tokens in `waiting`, so a duplicate ASSIGN is spotted in O(1).
    var waitingTokens: Set<UInt64> = []
    var running: [JobID: Running] = [:]
    var unacked: [JobID: AttemptResult] = [:]
    var outResults: [AttemptResult] = []
    var outStarted: [Lease] = []
    var creditToGrant: UInt32 = 0
    var draining = false
    var drainDeadlineMs: Int64 = .max

    init(loop: SocketLoop, options: WorkerOptions, registry: ExecutorRegistry, inbox: CompletionInbox,
         logger: Logger) throws {
        self.options = options
        self.registry = registry
        self.inbox = inbox
        self.logger = logger
        backoffMs = options.reconnectMinMs
        try reconnect(loop: loop)
    }

    var nowMs: Int64 {
        let d = ContinuousClock.now - start
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: Connection

    /// A fresh DEALER (new routing id) and a HELLO. Old socket and its queue are dropped:
    /// everything that matters is re-announced in HELLO or kept in `unacked`.
    func reconnect(loop: SocketLoop) throws {
        closeHandshakeMonitor(loop: loop)
        if let old = socket {
            loop.unwatch(old)
            old.close()
        }
        var id: [UInt8] = [0x57] // "W", never a leading zero byte (reserved by libzmq)
        for _ in 0..<15 { id.append(UInt8.random(in: 1...255, using: &rng)) }
        let s = try loop.makeSocket(.dealer, options: [
            .routingId(id), .linger(.milliseconds(200)), .immediate(true),
            .maxMessageSize(Int64(WireLimits.maxFrameBytes)), .receiveHighWaterMark(0),
            .heartbeatInterval(.seconds(1)), .heartbeatTimeout(.seconds(3)), .heartbeatTTL(.seconds(5)),
            .reconnectInterval(.milliseconds(10)), .reconnectIntervalMax(.seconds(2)),
        ] + (options.curve?.socketOptions ?? []))
        try watchHandshake(of: s, loop: loop)
        try s.connect(options.coordinator)
        try loop.watch(s)
        socket = s
        welcomed = false
        nextHelloMs = 0
        sendHello()
    }

    func sendHello() {
        let active = waiting.count + running.count
        let held = waiting.map(\.lease) + running.values.map(\.lease) + unacked.values.map(\.lease)
        creditToGrant = 0
        outResults.removeAll()
        outStarted.removeAll()
        let credit = draining ? 0 : max(0, options.capacity - active)
        send(.hello(.init(name: options.name, slots: UInt32(options.slots), credit: UInt32(credit),
                          tags: options.tags, kinds: registry.kinds, held: held)))
        let now = nowMs
        nextHelloMs = now + backoffMs + Int64.random(in: 0...(backoffMs / 4 + 1), using: &rng)
        backoffMs = min(backoffMs * 2, maxBackoffMs)
    }

    /// HELLO retries back off up to `reconnectMaxMs`, but once a coordinator has told us its
    /// lease, never beyond an eighth of it: after a cut shorter than the lease, the next HELLO
    /// must arrive before the lease runs out, or every attempt this worker holds is re-queued
    /// and its finished results are discarded.
    var maxBackoffMs: Int64 {
        guard leaseMs > 0 else { return options.reconnectMaxMs }
        return max(options.reconnectMinMs, min(options.reconnectMaxMs, leaseMs / 8))
    }

    @discardableResult
    func send(_ message: WorkerMessage) -> Bool {
        guard let socket else { return false }
        lastSentMs = nowMs
        do {
            return try socket.send([message.encode()], dontWait: true)
        } catch {
            return false
        }
    }

    // MARK: Loop callbacks

    func onReadable(_ s: ZMQSocket, loop: SocketLoop) throws {
        if s === handshakeMonitor?.socket { return try onHandshakeEvents(loop: loop) }
        var handled = 0
        while handled < 4_096, s === socket, try s.receive(into: &frame, dontWait: true) {
            handled += 1
            lastHeardMs = nowMs
            guard frame.count == 1 else { continue }
            let message: CoordinatorMessage
            do {
                message = try CoordinatorMessage.decode(Array(frame[0]))
            } catch {
                logger.warning("worker.frame.rejected", metadata: ["error": "\(error)"])
                continue
            }
            try handle(message, loop: loop)
        }
        startWaiting()
        flush()
    }

    func handle(_ message: CoordinatorMessage, loop: SocketLoop) throws {
        switch message {
        case .welcome(let w):
            if welcomed, w.epoch == epoch { return }
            welcomed = true
            epoch = w.epoch
            heartbeatMs = Int64(max(w.heartbeatMs, 10))
            liveness = Int64(max(w.liveness, 1))
            leaseMs = Int64(w.leaseMs)
            backoffMs = options.reconnectMinMs
            // Results the coordinator may not have: send them again (it acknowledges duplicates).
            outResults = unacked.values.sorted { $0.lease.jobID < $1.lease.jobID }
            logger.info("worker.welcomed", metadata: ["epoch": "\(w.epoch)"])
        case .assign(let list):
            for a in list { accept(a) }
        case .resultAck(let leases):
            for l in leases where unacked[l.jobID]?.lease.token == l.token { unacked[l.jobID] = nil }
        case .cancel(let leases):
            for l in leases { stop(l, outcome: .cancelled, message: "cancelled by the coordinator") }
        case .heartbeat:
            break
        case .disconnect:
            welcomed = false
            sendHello()
        case .error(let code, let text):
            logger.warning("worker.coordinator_error", metadata: ["code": "\(code)", "message": "\(text)"])
        }
    }

    /// The completion inbox's doorbell.
    func onReadable(fd: Int32, loop: SocketLoop) throws {
        for c in inbox.drain() {
            guard let job = running[c.lease.jobID], job.lease.token == c.lease.token else { continue }
            running[c.lease.jobID] = nil
            switch c.result {
            case .success(let metrics):
                emit(AttemptResult(lease: c.lease, outcome: .succeeded, metrics: metrics, durationMicros: c.durationMicros))
            case .failure(let error):
                let outcome: Outcome = error is CancellationError ? .cancelled : .failed
                emit(AttemptResult(lease: c.lease, outcome: outcome, message: "\(error)", durationMicros: c.durationMicros))
            }
        }
        startWaiting()
        flush()
    }

    func onMessage(_ message: WorkerCommand, loop: SocketLoop) throws {
        switch message {
        case .drain:
            guard !draining else { return }
            draining = true
            drainDeadlineMs = nowMs + options.drainGraceMs
            for a in waiting { emit(AttemptResult(lease: a.lease, outcome: .handedBack)) }
            waiting.removeAll()
            waitingTokens.removeAll()
            logger.info("worker.draining", metadata: ["running": "\(running.count)"])
            flush()
            try finishDrainIfDone(loop: loop)
        }
    }

    func onTick(now _: ContinuousClock.Instant, loop: SocketLoop) throws {
        let now = nowMs
        if !welcomed {
            // A refused handshake is not retried by libzmq: try again on a fresh socket, with backoff.
            if now >= nextHelloMs { handshakeRefused ? try reconnect(loop: loop) : sendHello() }
        } else if now - lastHeardMs > heartbeatMs * liveness {
            logger.warning("worker.coordinator_silent", metadata: ["silent_ms": "\(now - lastHeardMs)"])
            try reconnect(loop: loop)
        } else if now - lastSentMs >= heartbeatMs {
            send(.heartbeat)
        }
        for (_, job) in running where job.deadlineMs <= now {
            stop(job.lease, outcome: .timedOut, message: "ran past its timeout")
        }
        if draining, now >= drainDeadlineMs {
            for (_, job) in running { stop(job.lease, outcome: .handedBack, message: "worker shutting down") }
        }
        flush()
        try finishDrainIfDone(loop: loop)
    }

    func onStop(loop: SocketLoop) {
        for (_, job) in running { job.task?.cancel() }
    }

    // MARK: Jobs

    func accept(_ a: Assignment) {
        if running[a.jobID]?.lease.token == a.token || waitingTokens.contains(a.token) { return }
        if draining {
            emit(AttemptResult(lease: a.lease, outcome: .handedBack))
            return
        }
        waiting.append(a)
        waitingTokens.insert(a.token)
    }

    /// Starts waiting jobs while slots are free. Immediate kinds finish right here.
    func startWaiting() {
        var i = 0
        while i < waiting.count, running.count < options.slots {
            let a = waiting[i]
            i += 1
            waitingTokens.remove(a.token)
            let context = JobContext(jobID: a.jobID, attempt: a.attempt, kind: a.kind, params: a.params)
            guard let executor = registry.executor(for: a.kind) else {
                emit(AttemptResult(lease: a.lease, outcome: .failed,
                                   message: "unknown job kind '\(a.kind)'; this worker runs: \(registry.kinds.joined(separator: ", "))"))
                continue
            }
            if executor.isImmediate {
                do {
                    emit(AttemptResult(lease: a.lease, outcome: .succeeded, metrics: try executor.runImmediately(context)))
                } catch {
                    emit(AttemptResult(lease: a.lease, outcome: .failed, message: "\(error)"))
                }
                continue
            }
            outStarted.append(a.lease)
            let inbox = self.inbox
            let lease = a.lease
            let task = Task.detached {
                let began = ContinuousClock.now
                let result: Result<[String: Double], any Error>
                do { result = .success(try await executor.run(context)) } catch { result = .failure(error) }
                let d = ContinuousClock.now - began
                let micros = UInt64(max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000))
                inbox.push(Completion(lease: lease, result: result, durationMicros: micros))
            }
            running[a.jobID] = Running(lease: a.lease, task: task,
                                       deadlineMs: a.timeoutMs > 0 ? nowMs + Int64(a.timeoutMs) : .max)
        }
        waiting.removeFirst(i)
    }

    /// Ends an attempt early (cancel, timeout, shutdown) and reports it at once; the task is
    /// cancelled and its late completion ignored.
    func stop(_ lease: Lease, outcome: Outcome, message: String) {
        if let job = running[lease.jobID], job.lease.token == lease.token {
            job.task?.cancel()
            running[lease.jobID] = nil
            emit(AttemptResult(lease: lease, outcome: outcome, message: message))
        } else if waitingTokens.remove(lease.token) != nil, let i = waiting.firstIndex(where: { $0.token == lease.token }) {
            waiting.remove(at: i)
            emit(AttemptResult(lease: lease, outcome: outcome, message: message))
        }
    }

    func emit(_ r: AttemptResult) {
        unacked[r.lease.jobID] = r
        outResults.append(r)
        if !draining { creditToGrant += 1 }
    }

    /// One STARTED and one RESULTS message (with the credit being returned) per batch.
    func flush() {
        guard welcomed else { return }
        if !outStarted.isEmpty {
            send(.started(outStarted))
            outStarted.removeAll(keepingCapacity: true)
        }
        if !outResults.isEmpty || creditToGrant > 0 {
            // Bounded frames: at most 8,192 results per message; credit rides on the first.
            for (n, start) in stride(from: 0, to: max(outResults.count, 1), by: 8_192).enumerated() {
                let end = min(start + 8_192, outResults.count)
                send(.results(credit: n == 0 ? creditToGrant : 0, Array(outResults[start..<end])))
            }
            outResults.removeAll(keepingCapacity: true)
            creditToGrant = 0
        }
    }

    func finishDrainIfDone(loop: SocketLoop) throws {
        guard draining, running.isEmpty, waiting.isEmpty else { return }
        guard unacked.isEmpty || nowMs >= drainDeadlineMs + 2_000 || !welcomed else { return }
        send(.bye(handedBack: []))
        logger.info("worker.stopped", metadata: ["unacknowledged": "\(unacked.count)"])
        loop.stop()
    }
}
