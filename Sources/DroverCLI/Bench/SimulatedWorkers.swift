import DroverCore
import DroverProtocol
import Synchronization
import ZeroMQ

/// Counters shared between the simulated workers' socket thread and the bench's main thread.
final class SimulatedWorkerStats: Sendable {
    private let state = Mutex<(welcomed: Int, completed: Int, assignMessages: Int)>((0, 0, 0))

    func welcomed() { state.withLock { $0.welcomed += 1 } }
    func completed(_ n: Int) { state.withLock { $0.completed += n; $0.assignMessages += 1 } }
    var snapshot: (welcomed: Int, completed: Int, assignMessages: Int) { state.withLock { $0 } }
}

/// Many workers in one process, each the real `WorkerSession` (the protocol logic of
/// `drover worker`) on a DEALER of its own, all on one socket thread. Their only kind, `noop`,
/// finishes at once, so the coordinator is what the bench measures.
final class SimulatedWorkers: SocketLoopHandler {
    typealias Message = Never

    struct Worker {
        var session: WorkerSession
        var socket: ZMQSocket
        var connection = 0
    }

    private var workers: [Worker] = []
    private var index: [ObjectIdentifier: Int] = [:]
    private let endpoint: String
    private let stats: SimulatedWorkerStats
    private let start = ContinuousClock.now
    private var frame = Multipart()

    init(loop: SocketLoop, endpoint: String, count: Int, credit: Int, stats: SimulatedWorkerStats) throws {
        self.endpoint = endpoint
        self.stats = stats
        for i in 0..<count {
            let config = WorkerSession.Config(name: "sim-\(i)", slots: credit, prefetch: 0, kinds: ["noop"],
                                              immediateKinds: ["noop"])
            let session = WorkerSession(config: config, seed: UInt64.random(in: 0...UInt64.max))
            workers.append(Worker(session: session, socket: try open(loop: loop, worker: i, connection: 0)))
            index[ObjectIdentifier(workers[i].socket)] = i
            try perform(i, workers[i].session.connected(now: nowMs), loop: loop)
        }
    }

    private var nowMs: Int64 {
        let d = ContinuousClock.now - start
        return d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000
    }

    private func open(loop: SocketLoop, worker i: Int, connection: Int) throws -> ZMQSocket {
        let id: [UInt8] = [0x53] + Array("sim-\(i)-\(connection)-\(UInt32.random(in: 1...UInt32.max))".utf8)
        let s = try loop.makeSocket(.dealer, options: [
            .routingId(id), .linger(.milliseconds(100)), .receiveHighWaterMark(0),
            .sendHighWaterMark(0), .maxMessageSize(Int64(WireLimits.maxFrameBytes)),
        ])
        try s.connect(endpoint)
        try loop.watch(s)
        return s
    }

    private func perform(_ i: Int, _ effects: [WorkerSession.Effect], loop: SocketLoop) throws {
        var pending = effects
        while !pending.isEmpty {
            var finished: [AttemptResult] = []
            for effect in pending {
                switch effect {
                case .send(let message):
                    _ = try? workers[i].socket.send([message.encode()], dontWait: true)
                case .start(let a):
                    finished.append(AttemptResult(lease: a.lease, outcome: .succeeded))
                case .reconnect:
                    let old = workers[i].socket
                    index[ObjectIdentifier(old)] = nil
                    loop.unwatch(old)
                    try? old.set(.linger(.zero))
                    old.close()
                    workers[i].connection += 1
                    workers[i].socket = try open(loop: loop, worker: i, connection: workers[i].connection)
                    index[ObjectIdentifier(workers[i].socket)] = i
                    try perform(i, workers[i].session.connected(now: nowMs), loop: loop)
                case .cancel, .stop:
                    break
                }
            }
            if !finished.isEmpty { stats.completed(finished.count) }
            pending = finished.isEmpty ? [] : workers[i].session.executorsReturned(finished, now: nowMs)
        }
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        guard let i = index[ObjectIdentifier(socket)] else { return }
        var handled = 0
        while handled < 1_024, workers[i].socket === socket, try socket.receive(into: &frame, dontWait: true) {
            handled += 1
            guard frame.count == 1, let message = try? CoordinatorMessage.decode(Array(frame[0])) else { continue }
            if case .welcome = message, !workers[i].session.welcomed { stats.welcomed() }
            try perform(i, workers[i].session.received(message, now: nowMs), loop: loop)
        }
    }

    func onTick(now _: ContinuousClock.Instant, loop: SocketLoop) throws {
        let now = nowMs
        for i in workers.indices { try perform(i, workers[i].session.tick(now: now), loop: loop) }
    }
}
