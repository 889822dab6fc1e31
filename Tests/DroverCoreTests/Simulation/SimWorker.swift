@testable import DroverCore
import DroverProtocol

/// A simulated worker that follows the worker protocol (docs/protocol.md): HELLO with what
/// it holds on every new connection, STARTED, results that return credit, resends of
/// unacknowledged results, re-HELLO on DISCONNECT or coordinator silence, CANCEL honoured.
///
/// It also checks the coordinator: on each connection it counts the credit it granted and
/// the assignments it received; more assignments than credit is a violation.
struct SimWorker {
    struct Running {
        var finishAt: Int64
        var outcome: Outcome
    }

    enum Status: Equatable { case up, paused(until: Int64), down(until: Int64) }

    let name: String
    let slots: Int
    let tags: [String]
    var status: Status = .down(until: 0)
    var peer: [UInt8] = []
    var running: [Lease: Running] = [:]
    /// Finished attempts whose RESULT_ACK has not arrived, with the time they were last sent.
    var unacked: [Lease: (result: AttemptResult, sentAt: Int64)] = [:]
    /// Leases seen on this incarnation: duplicated ASSIGN frames are ignored.
    var seen: Set<Lease> = []
    /// Credit granted on the current connection minus assignments received on it.
    var available = 0
    var lastHeard: Int64 = 0
    var lastSent: Int64 = 0
    var reconnectAt: Int64?
    var violations: [String] = []
    var executions = 0

    init(name: String, slots: Int, tags: [String]) {
        self.name = name
        self.slots = slots
        self.tags = tags
    }

    var isUp: Bool { status == .up }

    /// Opens a new connection (new routing id) and says HELLO with what it holds.
    mutating func connect(now: Int64, connID: Int, net: inout SimNetwork, rng: inout SimRNG) {
        if !peer.isEmpty { net.breakConnection(peer) }
        peer = Array("\(name)#\(connID)".utf8)
        reconnectAt = nil
        let credit = slots - running.count
        available = credit
        lastHeard = now
        let held = running.keys.sorted(by: leaseOrder) + unacked.keys.sorted(by: leaseOrder)
        send(.hello(.init(name: name, slots: UInt32(slots), credit: UInt32(credit), tags: tags, kinds: ["sim"], held: held)),
             now: now, net: &net, rng: &rng)
        // Results not yet acknowledged are sent again at once (credit was already given).
        resendUnacked(now: now, olderThan: nil, net: &net, rng: &rng)
    }

    mutating func send(_ m: WorkerMessage, now: Int64, net: inout SimNetwork, rng: inout SimRNG) {
        lastSent = now
        net.fromWorker(peer, m, now: now, rng: &rng)
    }

    mutating func receive(_ m: CoordinatorMessage, now: Int64, jobSpec: (JobID) -> JobSpec?, net: inout SimNetwork, rng: inout SimRNG) {
        lastHeard = now
        switch m {
        case .welcome, .heartbeat, .error:
            break
        case .assign(let list):
            var started: [Lease] = []
            for a in list where seen.insert(a.lease).inserted {
                available -= 1
                if available < 0 {
                    violations.append("\(name): assignment \(a.lease) beyond granted credit (available \(available))")
                }
                if running.count >= slots {
                    violations.append("\(name): assignment \(a.lease) with all \(slots) slots busy")
                }
                executions += 1
                running[a.lease] = plan(a, spec: jobSpec(a.jobID), now: now, rng: &rng)
                started.append(a.lease)
            }
            if !started.isEmpty { send(.started(started), now: now, net: &net, rng: &rng) }
        case .resultAck(let leases):
            for l in leases { unacked[l] = nil }
        case .cancel(let leases):
            var results: [AttemptResult] = []
            for l in leases where running.removeValue(forKey: l) != nil {
                let r = AttemptResult(lease: l, outcome: .cancelled, message: "cancelled")
                unacked[l] = (r, now)
                results.append(r)
            }
            if !results.isEmpty {
                available += results.count
                send(.results(credit: UInt32(results.count), results), now: now, net: &net, rng: &rng)
            }
        case .disconnect:
            // Re-HELLO on a new connection, a little later.
            if reconnectAt == nil { reconnectAt = now + rng.ms(1...30) }
        }
    }

    /// How this attempt will end: most succeed, `fail` jobs fail at their rate, some hang.
    func plan(_ a: Assignment, spec: JobSpec?, now: Int64, rng: inout SimRNG) -> Running {
        let failRate = Double(a.params["fail"] ?? "0") ?? 0
        var duration = rng.ms(10...150)
        if rng.chance(0.03) { duration = 3_000 } // hung or very slow
        var outcome: Outcome = rng.chance(failRate) ? .failed : .succeeded
        if a.timeoutMs > 0, duration > Int64(a.timeoutMs), rng.chance(0.5) {
            // The worker enforces the timeout itself; otherwise the coordinator will.
            duration = Int64(a.timeoutMs)
            outcome = .timedOut
        }
        return Running(finishAt: now + duration, outcome: outcome)
    }

    /// Time passes on the worker: attempts finish, results and heartbeats go out.
    mutating func step(now: Int64, heartbeatMs: Int64, connID: () -> Int, net: inout SimNetwork, rng: inout SimRNG) {
        guard isUp else { return }
        // Results first: a worker resuming from a pause reports on its old connection (a zombie).
        var results: [AttemptResult] = []
        for (lease, r) in running.sorted(by: { leaseOrder($0.key, $1.key) }) where r.finishAt <= now {
            running[lease] = nil
            let result = AttemptResult(lease: lease, outcome: r.outcome, metrics: ["t": Double(now)],
                                       message: r.outcome == .succeeded ? "" : "\(r.outcome)", durationMicros: 1)
            unacked[lease] = (result, now)
            results.append(result)
        }
        if !results.isEmpty {
            available += results.count
            send(.results(credit: UInt32(results.count), results), now: now, net: &net, rng: &rng)
        }
        if let at = reconnectAt, now >= at {
            connect(now: now, connID: connID(), net: &net, rng: &rng)
        } else if now - lastHeard > heartbeatMs * 6 {
            // The coordinator is silent past liveness (PPP): reconnect.
            connect(now: now, connID: connID(), net: &net, rng: &rng)
        }
        resendUnacked(now: now, olderThan: 400, net: &net, rng: &rng)
        if now - lastSent >= heartbeatMs { send(.heartbeat, now: now, net: &net, rng: &rng) }
    }

    mutating func resendUnacked(now: Int64, olderThan age: Int64?, net: inout SimNetwork, rng: inout SimRNG) {
        let stale = unacked.filter { age == nil || now - $0.value.sentAt >= age! }.keys.sorted(by: leaseOrder)
        guard !stale.isEmpty else { return }
        for l in stale { unacked[l]!.sentAt = now }
        send(.results(credit: 0, stale.map { unacked[$0]!.result }), now: now, net: &net, rng: &rng)
    }

    /// The process dies: everything it held is gone.
    mutating func crash(now: Int64, downFor: Int64, net: inout SimNetwork) {
        net.breakConnection(peer)
        status = .down(until: now + downFor)
        running.removeAll()
        unacked.removeAll()
        seen.removeAll()
        reconnectAt = nil
    }

    /// Graceful shutdown: BYE hands back what it runs; finished results are kept for later.
    mutating func leave(now: Int64, downFor: Int64, net: inout SimNetwork, rng: inout SimRNG) {
        send(.bye(handedBack: running.keys.sorted(by: leaseOrder)), now: now, net: &net, rng: &rng)
        running.removeAll()
        status = .down(until: now + downFor)
        reconnectAt = nil
    }
}

func leaseOrder(_ a: Lease, _ b: Lease) -> Bool { (a.jobID, a.token) < (b.jobID, b.token) }
