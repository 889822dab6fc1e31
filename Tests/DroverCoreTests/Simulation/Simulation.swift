@testable import DroverCore
import DroverProtocol

/// A deterministic, seeded simulation of one coordinator (the real `CoordinatorCore` with a
/// `MemoryJournal`, driven like the shell drives it), simulated workers, a client and a
/// faulty network (see `SimNetwork`), with worker crashes, pauses (zombies), graceful
/// leaves, broken connections and coordinator crashes before or after the journal write.
///
/// A run has a chaos phase (faults on) and a calm phase (faults off) and ends when every
/// job is terminal. The invariants are checked as it goes and at the end; any violation is
/// a string in `violations`, reproducible from the seed.
struct Simulation {
    struct Params {
        var seed: UInt64
        var jobs = 200
        var workers = 5
        var maxQueued = 1_000_000
        var chaosUntilMs: Int64 = 5_000
        var maxSimMs: Int64 = 90_000
        var coordinatorCrashRate = 0.004
        /// Share of jobs that are poison pills (take their worker down now and then).
        var pillRate = 0.03
    }

    struct Stats {
        var crashes = 0
        var workerCrashes = 0
        var pauses = 0
        var breaks = 0
        var leaves = 0
        var executions = 0
        var discarded = 0
        var busy = 0
        var held = 0
        var accepted = 0
        var simMs: Int64 = 0
        var steps = 0
        var dropped = 0
        var duplicated = 0
        var clockJumps = 0
        var compactions = 0
    }

    static let clientPeer: [UInt8] = Array("client".utf8)

    let params: Params
    let config: CoordinatorConfig
    var rng: SimRNG
    var now: Int64 = 0
    var net = SimNetwork()
    let journal = MemoryJournal()
    var core: CoordinatorCore
    /// Effects of the coordinator's events since its last commit (lost if it crashes first).
    var coreBatch = Effects()
    /// nil while the coordinator runs; the restart time while it is down.
    var restartAt: Int64?
    var workers: [SimWorker] = []
    var nextConn = 0
    var violations: [String] = []
    var stats = Stats()

    // Facts derived from the journal, record by record, as it is appended.
    var journaledSpecs: [JobSpec] = []
    var terminalRecord: [JobID: String] = [:]
    var tokens: Set<UInt64> = []
    /// The attempt that holds each job's valid lease, per the journal (at most one per job).
    var validLease: [JobID: UInt32] = [:]
    /// Per job, DONE replies sent and watches registered (SUBMITTED with watch) by the
    /// current coordinator incarnation: each watch earns at most one DONE.
    var doneSent: [JobID: Int] = [:]
    var watched: [JobID: Int] = [:]
    var watchRequests: Set<UInt64> = []

    // The client.
    struct Pending {
        var specs: [JobSpec]
        var keyed: Bool
        var watch: Bool
        var sentAt: Int64
        var retryAt: Int64?
    }
    var remaining: Int
    var batchNo = 0
    var nextRequestID: UInt64 = 0
    var pending: [UInt64: Pending] = [:]
    var accepted: Set<JobID> = []

    init(_ params: Params) {
        self.params = params
        var c = CoordinatorConfig()
        c.heartbeatMs = 100
        c.liveness = 3
        c.leaseMs = 1_000
        c.timeoutGraceMs = 300
        c.backoff = Backoff(baseMs: 50, capMs: 400)
        c.maxQueued = params.maxQueued
        config = c
        rng = SimRNG(seed: params.seed)
        remaining = params.jobs
        core = CoordinatorCore(config: c, seed: params.seed)
        for i in 0..<params.workers {
            workers.append(SimWorker(name: "w\(i)", slots: 1 + i % 4, tags: i < 2 ? ["gpu"] : [],
                                     seed: params.seed &* 31 &+ UInt64(i)))
        }
        startCoordinator()
    }

    // MARK: Run

    mutating func run() {
        while now < params.maxSimMs {
            let chaos = now < params.chaosUntilMs
            net.faults = chaos
            deliver()
            coordinatorStep(chaos: chaos)
            for i in workers.indices { workerStep(i, chaos: chaos) }
            clientStep()
            stats.steps += 1
            // A clock jump (the whole machine stalled): leases and timeouts expire in bulk.
            if chaos, rng.chance(0.0005) {
                stats.clockJumps += 1
                now += rng.ms(500...3_000)
            }
            if !chaos, quiescent { break }
            now += rng.ms(1...15)
        }
        finish()
    }

    var quiescent: Bool {
        guard restartAt == nil, remaining == 0, pending.isEmpty else { return false }
        return JobState.allCases.filter { !$0.isTerminal }.allSatisfy { core.stateCounts[Int($0.rawValue)] == 0 }
    }

    // MARK: Network delivery

    mutating func deliver() {
        for p in net.due(now: now) {
            switch p.packet {
            case .toCoordinator(let from, let m):
                if restartAt == nil { coreBatch.append(core.workerMessage(from: from, m, now: now)) }
            case .request(let r):
                guard restartAt == nil, case .submit(let id, let watch, let specs) = r else { continue }
                if watch { watchRequests.insert(id) }
                coreBatch.append(core.submit(from: Self.clientPeer, requestID: id, watch: watch, specs: specs, now: now))
            case .toWorker(let peer, let m):
                guard let i = workers.firstIndex(where: { $0.peer == peer }) else { continue }
                switch workers[i].status {
                case .up:
                    workers[i].receive(m, now: now, net: &net, rng: &rng)
                case .paused(let until):
                    net.schedule(p.packet, at: until) // buffered in the socket until it resumes
                case .down:
                    break
                }
            case .reply(let r):
                clientReceive(r)
            }
        }
    }

    // MARK: Coordinator

    mutating func startCoordinator() {
        // Half the restarts find the journal compacted (a snapshot keeping only a few finished jobs).
        if stats.crashes > 0, rng.chance(0.5) {
            journal.compact(retainFinished: Int(rng.ms(0...20)))
            stats.compactions += 1
        }
        core = CoordinatorCore(config: config, seed: params.seed &+ UInt64(stats.crashes))
        coreBatch = Effects()
        do { coreBatch = try core.recover(from: journal, now: now) } catch { violations.append("recover failed: \(error)") }
        restartAt = nil
        doneSent = [:]
        watched = [:]
        coreBatch.append(core.dispatch(now: now))
        commit(coreBatch.journal)
        coreBatch = Effects()
    }

    mutating func coordinatorStep(chaos: Bool) {
        if let at = restartAt {
            if now >= at { startCoordinator() }
            return
        }
        // An operator: releases held jobs, sometimes cancels one.
        if core.stateCounts[Int(JobState.held.rawValue)] > 0 {
            for i in core.jobs.indices where core.jobs[i].state == .held && rng.chance(0.3) {
                stats.held += 1
                coreBatch.append(core.release(JobID(core.evictedCount + i + 1), now: now).effects)
            }
        }
        if chaos, !core.jobs.isEmpty, rng.chance(0.01) {
            coreBatch.append(core.cancel(JobID(core.evictedCount + rng.int(1...core.jobs.count)), now: now).effects)
        }
        coreBatch.append(core.tick(now: now))
        coreBatch.append(core.dispatch(now: now))
        let e = coreBatch.coalesced()
        coreBatch = Effects()
        if chaos, rng.chance(params.coordinatorCrashRate) {
            // Crash before the journal write, or between the write and the sends.
            if rng.chance(0.5) { commit(e.journal) }
            crashCoordinator()
            return
        }
        commit(e.journal)
        send(e)
    }

    mutating func crashCoordinator() {
        stats.crashes += 1
        stats.discarded += core.discardedResults
        net.coordinatorCrashed()
        let at = now + rng.ms(0...300)
        restartAt = at
        for i in workers.indices where workers[i].isUp && rng.chance(0.5) {
            workers[i].reconnectAt = at + rng.ms(1...100) // noticed the broken connection
        }
    }

    /// Appends to the journal (the durable point) and checks what is committed.
    mutating func commit(_ records: [JournalRecord]) {
        guard !records.isEmpty else { return }
        try! journal.append(records)
        for r in records {
            switch r {
            case .submitted(let id, let spec, _):
                if id != JobID(journaledSpecs.count + 1) { violations.append("job \(id) submitted out of sequence") }
                journaledSpecs.append(spec)
            case .assigned(let worker, let leases, _):
                for l in leases {
                    if let t = terminalRecord[l.jobID] {
                        violations.append("job \(l.jobID) assigned to \(worker) after it was committed \(t)")
                    }
                    if !tokens.insert(l.token).inserted { violations.append("token \(l.token) leased twice") }
                    if let a = validLease[l.jobID] {
                        violations.append("job \(l.jobID) leased as attempt \(l.attempt) while attempt \(a) still holds a lease")
                    }
                    validLease[l.jobID] = l.attempt
                }
            case .finished(let id, let attempt, let state, _, _, _):
                if let t = terminalRecord[id] { violations.append("job \(id) finished \(state) after \(t)") }
                // Fencing: only the attempt holding the valid lease may commit.
                if validLease.removeValue(forKey: id) != attempt {
                    violations.append("job \(id) committed by attempt \(attempt), which does not hold the lease")
                }
                terminalRecord[id] = "finished \(state.name)"
            case .cancelled(let id, _):
                if let t = terminalRecord[id] { violations.append("job \(id) cancelled after \(t)") }
                terminalRecord[id] = "cancelled"
                validLease[id] = nil
            case .requeued(let id, _, _, _, _), .held(let id, _, _), .released(let id, _):
                if let t = terminalRecord[id] { violations.append("job \(id) changed (\(r)) after \(t)") }
                validLease[id] = nil
            case .outputs(let id, _):
                if let t = terminalRecord[id] { violations.append("job \(id) got outputs after \(t)") }
            case .epoch:
                break
            case .compactedJobs, .idempotencyKeys, .tally:
                violations.append("the live coordinator wrote a snapshot-only record: \(r)")
            }
        }
    }

    mutating func send(_ e: Effects) {
        // Per-peer order is the core's; the order across peers is made canonical (the core
        // gathers them from dictionaries) so a seed replays exactly.
        let toWorkers = e.toWorkers.enumerated().sorted {
            $0.element.peer == $1.element.peer ? $0.offset < $1.offset
                : $0.element.peer.lexicographicallyPrecedes($1.element.peer)
        }
        for (_, m) in toWorkers { net.toWorker(m.peer, m.message, now: now, rng: &rng) }
        for c in e.toClients {
            switch c.reply {
            case .submitted(let request, let ids) where watchRequests.contains(request):
                for id in Set(ids) { watched[id, default: 0] += 1 }
            case .done(let list):
                for d in list {
                    doneSent[d.jobID, default: 0] += 1
                    if doneSent[d.jobID]! > watched[d.jobID, default: 0] {
                        violations.append("DONE for job \(d.jobID) sent \(doneSent[d.jobID]!) times for \(watched[d.jobID, default: 0]) watches")
                    }
                    if !d.state.isTerminal { violations.append("DONE for job \(d.jobID) in state \(d.state.name)") }
                    if (core.evictedState(d.jobID) ?? core.job(d.jobID)?.state) != d.state { violations.append("DONE for job \(d.jobID) with a stale state") }
                }
            default:
                break
            }
            net.client(.reply(c.reply), now: now, rng: &rng)
        }
    }

    // MARK: Workers

    mutating func workerStep(_ i: Int, chaos: Bool) {
        switch workers[i].status {
        case .down(let until):
            guard now >= until else { return }
            workers[i].status = .up
            nextConn += 1
            workers[i].connect(now: now, connID: nextConn, net: &net, rng: &rng)
        case .paused(let until):
            guard now >= until else { return }
            workers[i].status = .up
        case .up:
            break
        }
        if chaos {
            // A poison pill: a job that takes its worker down with it now and then.
            let pill = workers[i].runningLeases.contains { l in
                Int(l.jobID) <= journaledSpecs.count && journaledSpecs[Int(l.jobID) - 1].params["crash"] == "1"
            }
            if rng.chance(0.0015) || (pill && rng.chance(0.15)) {
                stats.workerCrashes += 1
                workers[i].crash(now: now, downFor: rng.ms(50...2_500), net: &net)
                return
            }
            if rng.chance(0.0015) {
                stats.pauses += 1
                workers[i].status = .paused(until: now + rng.ms(100...2_500))
                return
            }
            if rng.chance(0.0005) {
                stats.leaves += 1
                workers[i].leave(now: now, downFor: rng.ms(50...1_000), net: &net, rng: &rng)
                return
            }
            if rng.chance(0.002) {
                stats.breaks += 1
                net.breakConnection(workers[i].peer)
                workers[i].reconnectAt = now + rng.ms(1...100)
            }
        }
        var conn = nextConn
        workers[i].step(now: now, connID: { conn += 1; return conn }, net: &net, rng: &rng)
        nextConn = conn
    }

    // MARK: Client

    mutating func clientStep() {
        if remaining > 0, rng.chance(0.3) {
            let n = min(remaining, rng.int(1...4))
            remaining -= n
            batchNo += 1
            let keyed = rng.chance(0.7)
            var specs: [JobSpec] = []
            for j in 0..<n {
                specs.append(JobSpec(
                    kind: "sim", params: ["fail": rng.chance(0.25) ? "0.5" : "0", "crash": rng.chance(params.pillRate) ? "1" : "0"],
                    priority: rng.pick(Priority.allCases), tags: rng.chance(0.15) ? ["gpu"] : [],
                    maxRetries: UInt16(rng.int(0...2)), timeoutMs: rng.chance(0.2) ? 400 : 0,
                    idempotencyKey: keyed ? "b\(batchNo)-\(j)" : nil))
            }
            // Sometimes the same key twice in one batch.
            if keyed, rng.chance(0.05) { specs.append(specs[0]) }
            submit(Pending(specs: specs, keyed: keyed, watch: rng.chance(0.3), sentAt: now))
        }
        for id in pending.keys.sorted() {
            guard let p = pending[id] else { continue }
            if let at = p.retryAt {
                guard now >= at else { continue }
                pending[id] = nil
                submit(p)
            } else if now - p.sentAt > 700 {
                // No answer: resend under the same keys; a keyless batch cannot be retried safely.
                pending[id] = nil
                if p.keyed { submit(p) }
            }
        }
    }

    mutating func submit(_ p: Pending) {
        nextRequestID += 1
        var p = p
        p.sentAt = now
        p.retryAt = nil
        pending[nextRequestID] = p
        net.client(.request(.submit(requestID: nextRequestID, watch: p.watch, jobs: p.specs)), now: now, rng: &rng)
    }

    mutating func clientReceive(_ r: ClientReply) {
        switch r {
        case .submitted(let id, let ids):
            for j in ids where j > JobID(journaledSpecs.count) {
                violations.append("SUBMITTED names job \(j) that is not in the journal")
            }
            if let p = pending.removeValue(forKey: id), p.specs.count != ids.count {
                violations.append("SUBMITTED for request \(id) has \(ids.count) ids for \(p.specs.count) jobs")
            }
            accepted.formUnion(ids)
        case .busy(let id, let after, _, _):
            stats.busy += 1
            pending[id]?.retryAt = now + Int64(after)
        case .done(let list):
            for d in list where !d.state.isTerminal { violations.append("client got DONE for job \(d.jobID) in \(d.state.name)") }
        case .error(_, let code, let text):
            violations.append("client got ERROR \(code): \(text)")
        case .reply:
            break
        }
    }

    // MARK: Final checks

    mutating func finish() {
        stats.simMs = now
        stats.accepted = accepted.count
        stats.discarded += core.discardedResults
        stats.executions = workers.reduce(0) { $0 + $1.executions }
        stats.dropped = net.dropped
        stats.duplicated = net.duplicated
        for w in workers { violations += w.violations }
        guard quiescent else {
            let open = core.jobs.indices.filter { !core.jobs[$0].state.isTerminal }.prefix(5).map { i in
                "job \(core.evictedCount + i + 1) \(core.jobs[i].state.name): \(core.reason(for: core.jobs[i]))"
            }
            violations.append("not quiescent after \(now) ms (remaining \(remaining), pending \(pending.count), " +
                              "coordinator \(restartAt == nil ? "up" : "down")): \(open.joined(separator: "; "))")
            return
        }
        for id in accepted.sorted() {
            guard let state = core.evictedState(id) ?? core.job(id)?.state else {
                violations.append("accepted job \(id) is unknown to the coordinator")
                continue
            }
            if !state.isTerminal { violations.append("accepted job \(id) ended \(state.name)") }
            if terminalRecord[id] == nil { violations.append("accepted job \(id) has no terminal record in the journal") }
        }
        if core.evictedCount + core.jobs.count != journaledSpecs.count {
            violations.append("coordinator has \(core.evictedCount + core.jobs.count) jobs, journal \(journaledSpecs.count)")
        }
        // A core rebuilt from the journal (or its snapshot) agrees with the live one.
        var replayed = CoordinatorCore(config: config)
        _ = try! replayed.recover(from: journal, now: now)
        let ids = (0..<journaledSpecs.count).map { JobID($0 + 1) }
        if ids.map({ replayed.evictedState($0) ?? replayed.job($0)?.state }) != ids.map({ core.evictedState($0) ?? core.job($0)?.state }) {
            violations.append("replayed job states differ from live ones")
        }
    }
}
