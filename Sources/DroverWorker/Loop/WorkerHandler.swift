import DroverCore
import DroverML
import DroverProtocol
import Logging
import ZeroMQ

/// Commands from async code to the worker's socket thread.
public enum WorkerCommand: Sendable {
    /// Graceful shutdown: take no new work, hand back what has not started, let running
    /// jobs finish within the grace period, then say BYE.
    case drain
}

/// The worker's shell on its socket thread: it feeds the `WorkerSession` (the protocol logic)
/// with messages from one DEALER, executor completions from an inbox and clock ticks, and
/// performs the effects it returns (send, reconnect, start or cancel an executor, stop).
final class WorkerHandler: SocketLoopHandler {
    typealias Message = WorkerCommand

    /// An executor running on its own task; its slot is held until the task has returned.
    struct Execution {
        var cancellation: CancellationToken
        var task: Task<Void, Never>
        /// The attempt's output on its way to the coordinator (command jobs).
        var logs: LogTap?

        func cancel() {
            cancellation.cancel()
            task.cancel()
        }
    }

    let options: WorkerOptions
    let registry: ExecutorRegistry
    let inbox: CompletionInbox
    let logger: Logger
    let start = ContinuousClock.now
    var session: WorkerSession

    var socket: ZMQSocket?
    /// Reports refused security handshakes on `socket` (see WorkerHandler+Handshake.swift).
    var handshakeMonitor: ZMQMonitor?
    var frame = Multipart()
    var executions: [UInt64: Execution] = [:]

    init(loop: SocketLoop, options: WorkerOptions, registry: ExecutorRegistry, inbox: CompletionInbox,
         logger: Logger) throws {
        self.options = options
        self.registry = registry
        self.inbox = inbox
        self.logger = logger
        session = WorkerSession(config: options.sessionConfig(registry: registry), seed: UInt64.random(in: 0...UInt64.max))
        try connect(loop: loop)
    }

    var nowMs: Int64 {
        let d = ContinuousClock.now - start
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    // MARK: Connection

    /// A fresh DEALER (new routing id) and the session's HELLO. The old socket and its queue are
    /// dropped at once (linger 0): everything that matters is re-announced in HELLO or kept
    /// unacknowledged, and a late HELLO from the old connection would only confuse the coordinator.
    /// No `ZMQ_IMMEDIATE`: HELLO waits in the new socket's queue until TCP connects, so a worker
    /// started before its coordinator is welcomed as soon as the coordinator listens.
    func connect(loop: SocketLoop) throws {
        closeHandshakeMonitor(loop: loop)
        if let old = socket {
            loop.unwatch(old)
            try? old.set(.linger(.zero))
            old.close()
        }
        var id: [UInt8] = [0x57] // "W", never a leading zero byte (reserved by libzmq)
        for _ in 0..<15 { id.append(UInt8.random(in: 1...255)) }
        let s = try loop.makeSocket(.dealer, options: [
            .routingId(id), .linger(.milliseconds(200)),
            // No send HWM: a RESULTS dropped by a full local queue (libzmq's default 1,000
            // messages) would be re-sent only after a reconnect, leaving its jobs assigned and its
            // credit lost meanwhile (seen as a stalled 200k-job burst of no-ops). What is queued
            // is bounded anyway: results by the credit (slots + prefetch), heartbeats by the
            // liveness window before the session reconnects on a new socket.
            .maxMessageSize(Int64(WireLimits.maxFrameBytes)), .receiveHighWaterMark(0), .sendHighWaterMark(0),
            .heartbeatInterval(.seconds(1)), .heartbeatTimeout(.seconds(3)), .heartbeatTTL(.seconds(5)),
            .reconnectInterval(.milliseconds(10)), .reconnectIntervalMax(.seconds(2)),
        ] + (options.curve?.socketOptions ?? []))
        try watchHandshake(of: s, loop: loop)
        try s.connect(options.coordinator)
        try loop.watch(s)
        socket = s
        try perform(session.connected(now: nowMs), loop: loop)
    }

    func send(_ message: WorkerMessage) {
        guard let socket else { return }
        // Without a send HWM this fails only when the socket is gone (a reconnect is under way);
        // the session re-sends what matters after the next WELCOME.
        _ = try? socket.send([message.encode()], dontWait: true)
    }

    // MARK: Effects

    /// Performs effects in order. Immediate kinds run here and are reported back at once,
    /// which may start more attempts; their results leave in one RESULTS once none is left to
    /// start (not one message per slot's worth).
    func perform(_ effects: [WorkerSession.Effect], loop: SocketLoop) throws {
        var pending = effects
        var unflushed = false
        while !pending.isEmpty || unflushed {
            if pending.isEmpty {
                pending = session.flush(now: nowMs)
                unflushed = false
                continue
            }
            var inline: [AttemptResult] = []
            for effect in pending {
                switch effect {
                case .send(let message):
                    send(message)
                case .reconnect(let reason):
                    if case .coordinatorSilent(let ms) = reason {
                        logger.warning("worker.coordinator_silent", metadata: ["silent_ms": "\(ms)"])
                    }
                    try connect(loop: loop)
                case .start(let assignment):
                    if let result = begin(assignment) { inline.append(result) }
                case .cancel(let lease):
                    executions[lease.token]?.cancel()
                case .stop:
                    logger.info("worker.stopped", metadata: ["unacknowledged": "\(session.unackedCount)"])
                    loop.stop()
                }
            }
            if !inline.isEmpty {
                pending = session.executorsReturned(inline, now: nowMs, flush: false)
                unflushed = true
            } else {
                pending = []
            }
        }
    }

    /// Starts an executor. Immediate kinds run right here and return their result.
    func begin(_ a: Assignment) -> AttemptResult? {
        guard let executor = registry.executor(for: a.kind) else {
            // The session only starts kinds the registry announced.
            return AttemptResult(lease: a.lease, outcome: .failed, message: "unknown job kind '\(a.kind)'")
        }
        let cancellation = CancellationToken()
        var prepared = JobContext(jobID: a.jobID, attempt: a.attempt, kind: a.kind, params: a.params,
                                  cancellation: cancellation, artifacts: options.artifacts)
        if executor.streamsLogs { prepared.logs = LogTap(lease: a.lease) }
        (prepared.coordinator, prepared.curve) = (options.coordinator, options.curve)
        let context = prepared
        if executor.isImmediate {
            do {
                return AttemptResult(lease: a.lease, outcome: .succeeded, metrics: try executor.runImmediately(context))
            } catch {
                return AttemptResult(lease: a.lease, outcome: .failed, message: "\(error)")
            }
        }
        let inbox = self.inbox
        let lease = a.lease
        let task = Task.detached {
            let began = ContinuousClock.now
            let result: Result<[String: Double], any Error>
            do { result = .success(try await executor.run(context)) } catch { result = .failure(error) }
            let d = ContinuousClock.now - began
            let micros = UInt64(max(0, d.components.seconds * 1_000_000 + d.components.attoseconds / 1_000_000_000_000))
            inbox.push(Completion(lease: lease, result: result, durationMicros: micros, outputs: context.outputs.all))
        }
        executions[a.token] = Execution(cancellation: cancellation, task: task, logs: context.logs)
        return nil
    }

    // MARK: Loop callbacks

    func onReadable(_ s: ZMQSocket, loop: SocketLoop) throws {
        if s === handshakeMonitor?.socket { return try onHandshakeEvents(loop: loop) }
        var handled = 0
        while handled < 4_096, s === socket, try s.receive(into: &frame, dontWait: true) {
            handled += 1
            guard frame.count == 1 else { continue }
            let message: CoordinatorMessage
            do {
                message = try CoordinatorMessage.decode(Array(frame[0]))
            } catch {
                logger.warning("worker.frame.rejected", metadata: ["error": "\(error)"])
                continue
            }
            switch message {
            case .welcome(let w) where !session.welcomed || w.epoch != session.epoch:
                logger.info("worker.welcomed", metadata: ["epoch": "\(w.epoch)"])
            case .error(let code, let text):
                logger.warning("worker.coordinator_error", metadata: ["code": "\(code)", "message": "\(text)"])
            default:
                break
            }
            try perform(session.received(message, now: nowMs), loop: loop)
        }
    }

    /// The completion inbox's doorbell: executors that have returned free their slots.
    func onReadable(fd: Int32, loop: SocketLoop) throws {
        let completions = inbox.drain()
        // What an ended attempt printed last leaves before its result (same socket, in order).
        let last = completions.flatMap { executions[$0.lease.token]?.logs?.take(maxBytes: .max) ?? [] }
        if !last.isEmpty, session.welcomed { send(.logs(last)) }
        let results = completions.map { c -> AttemptResult in
            let stopped = executions.removeValue(forKey: c.lease.token)?.cancellation.isCancelled ?? false
            switch c.result {
            case .success(let metrics):
                return AttemptResult(lease: c.lease, outcome: .succeeded, metrics: metrics, durationMicros: c.durationMicros,
                                     outputs: c.outputs)
            case .failure(let error):
                let cancelled = stopped || error is CancellationError || error is Cancelled
                return AttemptResult(lease: c.lease, outcome: cancelled ? .cancelled : .failed,
                                     message: "\(error)", durationMicros: c.durationMicros)
            }
        }
        try perform(session.executorsReturned(results, now: nowMs), loop: loop)
    }

    func onMessage(_ message: WorkerCommand, loop: SocketLoop) throws {
        switch message {
        case .drain:
            logger.info("worker.draining", metadata: ["running": "\(session.runningCount)"])
            try perform(session.drain(now: nowMs), loop: loop)
        }
    }

    func onTick(now _: ContinuousClock.Instant, loop: SocketLoop) throws {
        try perform(session.tick(now: nowMs), loop: loop)
        sendLogs()
    }

    /// Most log bytes sent per tick (every 20 ms), shared by the running commands: bounds what
    /// output can take from the socket, so heartbeats and results are never held back. 128 KiB
    /// (6.4 MB/s, under a millisecond of a loopback or gigabit link per tick) carries about
    /// 130,000 metric lines a second: twice the 50,000 points/s target, so a late tick on a
    /// busy machine does not decide the rate (docs/performance.md).
    static let logBytesPerTick = 128 << 10

    /// Sends what running commands printed since the last tick, fairly and within the budget.
    func sendLogs() {
        guard session.welcomed else { return }
        let taps = executions.sorted { $0.key < $1.key }.compactMap(\.value.logs)
        guard !taps.isEmpty else { return }
        let share = max(LogChunk.maxBytes, Self.logBytesPerTick / taps.count)
        let chunks = taps.flatMap { $0.take(maxBytes: share) }
        if !chunks.isEmpty { send(.logs(chunks)) }
    }

    func onStop(loop: SocketLoop) {
        for (_, execution) in executions { execution.cancel() }
    }
}
