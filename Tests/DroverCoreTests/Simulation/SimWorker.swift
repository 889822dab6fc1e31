@testable import DroverCore
import DroverProtocol

/// A simulated worker process: the real `WorkerSession` (the protocol logic every worker runs)
/// with simulated executors and connections.
///
/// Executors take 10–150 ms (3% hang for 3 s), fail at their job's `fail` rate, and stop soon
/// after their cancellation token is tripped, except for 10% that ignore it and run to their
/// natural end (a trainer between checks): their slot must stay taken meanwhile.
///
/// It also checks the session against the coordinator: per connection it counts the credit it
/// granted and the assignments it received (more assignments than credit is a violation), and it
/// never lets more executors run than it has slots. Workers with an even number of slots run the
/// adaptive prefetch (aiming at 50 ms of work per slot, so the 10–150 ms jobs and the 3 s hangs
/// make it grow, shrink and hand attempts back).
struct SimWorker {
    struct Execution {
        var lease: Lease
        var finishAt: Int64
        var startedAt: Int64
        var outcome: Outcome
        var ignoresCancel: Bool
    }

    enum Status: Equatable { case up, paused(until: Int64), down(until: Int64) }

    let name: String
    let config: WorkerSession.Config
    var session: WorkerSession
    var status: Status = .down(until: 0)
    var peer: [UInt8] = []
    /// Executors running (including stopped ones whose executor has not returned).
    var executing: [UInt64: Execution] = [:]
    /// Leases received on the current connection: duplicated ASSIGN frames are counted once.
    var seen: Set<Lease> = []
    /// Credit granted on the current connection minus assignments received on it.
    var available = 0
    /// A new connection is being opened (after a reconnect effect or a noticed break).
    var reconnectAt: Int64?
    /// Set when a graceful leave has finished: the process exits for this long.
    var leaveDowntime: Int64 = 0
    var violations: [String] = []
    var executions = 0
    var incarnation: UInt64 = 0
    let seed: UInt64

    init(name: String, slots: Int, tags: [String], seed: UInt64) {
        self.name = name
        self.seed = seed
        var c = WorkerSession.Config(name: name, slots: slots, prefetch: slots % 2, tags: tags, kinds: ["sim"])
        if slots % 2 == 0 {
            c.maxPrefetch = 4 * slots
            c.prefetchWorkMicros = 50_000
        }
        // HELLO's first retry waits longer than the chaos network's round trip (up to 100 ms).
        c.reconnectMinMs = 150
        c.drainGraceMs = 300
        c.drainLingerMs = 300
        config = c
        session = WorkerSession(config: c, seed: seed)
    }

    var isUp: Bool { status == .up }
    var runningLeases: [Lease] { executing.values.map(\.lease) }

    /// Opens a new connection (new routing id) and lets the session say HELLO.
    mutating func connect(now: Int64, connID: Int, net: inout SimNetwork, rng: inout SimRNG) {
        if !peer.isEmpty { net.breakConnection(peer) }
        peer = Array("\(name)#\(connID)".utf8)
        reconnectAt = nil
        seen = []
        available = 0
        perform(session.connected(now: now), now: now, net: &net, rng: &rng)
    }

    mutating func receive(_ m: CoordinatorMessage, now: Int64, net: inout SimNetwork, rng: inout SimRNG) {
        if case .assign(let list) = m {
            for a in list where seen.insert(a.lease).inserted {
                available -= 1
                if available < 0 {
                    violations.append("\(name): assignment \(a.lease) beyond granted credit (available \(available))")
                }
            }
        }
        perform(session.received(m, now: now), now: now, net: &net, rng: &rng)
    }

    mutating func perform(_ effects: [WorkerSession.Effect], now: Int64, net: inout SimNetwork, rng: inout SimRNG) {
        for effect in effects {
            switch effect {
            case .send(let m):
                switch m {
                case .hello(let h): available = Int(h.credit)
                case .results(let credit, _): available += Int(credit)
                default: break
                }
                net.fromWorker(peer, m, now: now, rng: &rng)
            case .reconnect:
                if reconnectAt == nil { reconnectAt = now + rng.ms(1...30) }
            case .start(let a):
                executions += 1
                if executing.count >= config.slots {
                    violations.append("\(name): attempt \(a.lease) started while \(executing.count) executors run on \(config.slots) slots")
                }
                executing[a.token] = plan(a, now: now, rng: &rng)
            case .cancel(let lease):
                guard var e = executing[lease.token], !e.ignoresCancel else { continue }
                e.finishAt = min(e.finishAt, now + rng.ms(0...40))
                e.outcome = .cancelled
                executing[lease.token] = e
            case .stop:
                net.breakConnection(peer)
                status = .down(until: now + leaveDowntime)
                restart()
            }
        }
    }

    /// How this attempt will end: most succeed, `fail` jobs fail at their rate, some hang.
    func plan(_ a: Assignment, now: Int64, rng: inout SimRNG) -> Execution {
        let failRate = Double(a.params["fail"] ?? "0") ?? 0
        var duration = rng.ms(10...150)
        if rng.chance(0.03) { duration = 3_000 } // hung or very slow
        return Execution(lease: a.lease, finishAt: now + duration, startedAt: now, outcome: rng.chance(failRate) ? .failed : .succeeded,
                         ignoresCancel: rng.chance(0.1))
    }

    /// Time passes on the worker: executors return, the session ticks, connections reopen.
    mutating func step(now: Int64, connID: () -> Int, net: inout SimNetwork, rng: inout SimRNG) {
        guard isUp else { return }
        // Results first: a worker resuming from a pause reports on its old connection (a zombie).
        let done = executing.values.filter { $0.finishAt <= now }.sorted { leaseOrder($0.lease, $1.lease) }
        if !done.isEmpty {
            for e in done { executing[e.lease.token] = nil }
            let results = done.map { e in
                AttemptResult(lease: e.lease, outcome: e.outcome, metrics: ["t": Double(now)],
                              message: e.outcome == .succeeded ? "" : "\(e.outcome)",
                              durationMicros: UInt64(max(0, now - e.startedAt)) * 1_000)
            }
            perform(session.executorsReturned(results, now: now), now: now, net: &net, rng: &rng)
        }
        guard isUp else { return }
        perform(session.tick(now: now), now: now, net: &net, rng: &rng)
        if let at = reconnectAt, now >= at, isUp {
            connect(now: now, connID: connID(), net: &net, rng: &rng)
        }
    }

    /// The process dies: everything it held is gone.
    mutating func crash(now: Int64, downFor: Int64, net: inout SimNetwork) {
        net.breakConnection(peer)
        status = .down(until: now + downFor)
        restart()
    }

    /// A new process: a fresh session with nothing held.
    mutating func restart() {
        incarnation += 1
        session = WorkerSession(config: config, seed: seed &+ incarnation &* 0x9E37_79B9_7F4A_7C15)
        executing.removeAll()
        seen.removeAll()
        reconnectAt = nil
    }

    /// Graceful shutdown: the session drains (hands back, lets attempts finish, waits for acks,
    /// BYE); when it is done the process exits for `downFor`.
    mutating func leave(now: Int64, downFor: Int64, net: inout SimNetwork, rng: inout SimRNG) {
        leaveDowntime = downFor
        perform(session.drain(now: now), now: now, net: &net, rng: &rng)
    }
}

func leaseOrder(_ a: Lease, _ b: Lease) -> Bool { (a.jobID, a.token) < (b.jobID, b.token) }
