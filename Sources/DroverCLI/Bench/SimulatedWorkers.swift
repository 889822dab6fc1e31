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

/// Many protocol-speaking workers in one process: one DEALER per simulated worker, all on one
/// socket thread. Each answers every ASSIGN at once with RESULTS (succeeded) that return the
/// credit, heartbeats when idle, and says HELLO again on DISCONNECT or a new coordinator epoch.
final class SimulatedWorkers: SocketLoopHandler {
    typealias Message = Never

    struct Worker {
        var name: String
        var socket: ZMQSocket
        var welcomed = false
        var lastSent = ContinuousClock.now
    }

    private var workers: [Worker] = []
    private var index: [ObjectIdentifier: Int] = [:]
    private let credit: UInt32
    private let heartbeat: Duration
    private let stats: SimulatedWorkerStats
    private var frame = Multipart()

    init(loop: SocketLoop, endpoint: String, count: Int, credit: Int, heartbeat: Duration,
         stats: SimulatedWorkerStats) throws {
        self.credit = UInt32(credit)
        self.heartbeat = heartbeat
        self.stats = stats
        for i in 0..<count {
            let id: [UInt8] = [0x53] + Array("sim-\(i)-\(UInt32.random(in: 1...UInt32.max))".utf8)
            let s = try loop.makeSocket(.dealer, options: [
                .routingId(id), .linger(.milliseconds(100)), .immediate(true), .receiveHighWaterMark(0),
                .sendHighWaterMark(0), .maxMessageSize(Int64(WireLimits.maxFrameBytes)),
            ])
            try s.connect(endpoint)
            try loop.watch(s)
            index[ObjectIdentifier(s)] = workers.count
            workers.append(Worker(name: "sim-\(i)", socket: s))
            hello(i)
        }
    }

    private func hello(_ i: Int) {
        workers[i].welcomed = false
        send(i, .hello(.init(name: workers[i].name, slots: credit, credit: credit, tags: [], kinds: ["noop"], held: [])))
    }

    private func send(_ i: Int, _ message: WorkerMessage) {
        workers[i].lastSent = ContinuousClock.now
        _ = try? workers[i].socket.send([message.encode()], dontWait: true)
    }

    func onReadable(_ socket: ZMQSocket, loop: SocketLoop) throws {
        guard let i = index[ObjectIdentifier(socket)] else { return }
        var handled = 0
        while handled < 1_024, try socket.receive(into: &frame, dontWait: true) {
            handled += 1
            guard frame.count == 1, let message = try? CoordinatorMessage.decode(Array(frame[0])) else { continue }
            switch message {
            case .welcome:
                if !workers[i].welcomed { stats.welcomed() }
                workers[i].welcomed = true
            case .assign(let list):
                let results = list.map { AttemptResult(lease: $0.lease, outcome: .succeeded) }
                send(i, .results(credit: UInt32(list.count), results))
                stats.completed(list.count)
            case .cancel(let leases):
                send(i, .results(credit: UInt32(leases.count), leases.map { AttemptResult(lease: $0, outcome: .cancelled) }))
            case .disconnect:
                hello(i)
            case .resultAck, .heartbeat, .error:
                break
            }
        }
    }

    func onTick(now: ContinuousClock.Instant, loop: SocketLoop) throws {
        for i in workers.indices where now - workers[i].lastSent >= heartbeat {
            if workers[i].welcomed { send(i, .heartbeat) } else { hello(i) }
        }
    }
}
