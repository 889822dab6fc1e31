import DequeModule
import DroverProtocol

/// The worker side of the protocol (docs/protocol.md, "Worker behaviour") as a pure state
/// machine: events in, effects out, time passed in, no I/O and no clock reads. The real worker
/// (`DroverWorker`), the simulation and the load bench drive this one type, so the simulation
/// proves the coordinator against the worker that ships.
///
/// Rules it keeps:
/// - One HELLO per connection. A HELLO unanswered within the backoff delay, a DISCONNECT, or a
///   coordinator silent for liveness × heartbeat asks for a new connection (`.reconnect`).
/// - HELLO's credit is `slots + prefetch − attempts held` (0 while draining); every attempt that
///   leaves the worker's hold later returns one credit on RESULTS, so the coordinator's view
///   never exceeds `slots + prefetch`. An adaptive prefetch moves between its floor and ceiling
///   with the measured job duration (`WorkerSession+Prefetch.swift`).
/// - A stopped attempt (CANCEL, timeout, shutdown) is reported at once, but keeps its slot, and
///   its credit is returned only when its executor has really returned: a new attempt never
///   runs beside one that has not stopped.
/// - After WELCOME it re-sends every unacknowledged result (credit 0: HELLO counted those slots)
///   and STARTED for every attempt it is running, so re-attached jobs show as running.
public struct WorkerSession: Sendable {
    public let config: Config

    // Connection.
    public private(set) var welcomed = false
    public private(set) var epoch: UInt64 = 0
    public private(set) var heartbeatMs: Int64 = 1_000
    var liveness: Int64 = 3
    /// The coordinator's lease from its last WELCOME (0 before the first): bounds the backoff.
    var leaseMs: Int64 = 0
    var lastHeardMs: Int64 = 0
    var lastSentMs: Int64 = 0
    var helloRetryAtMs: Int64 = .max
    var backoffMs: Int64
    var rng: SplitMix64

    // Attempts.
    /// Attempts waiting for a slot, oldest first: a deque, because each start takes the first
    /// and with a prefetch of thousands an array's `removeFirst` moved them all for every job
    /// (the largest single cost of the worker per no-op job: perf, release, prefetch 4096).
    var waiting: Deque<Assignment> = []
    var waitingTokens = TokenSet()
    /// Attempts holding a slot, by token.
    var running = TokenMap<Attempt>()
    /// Reported results not yet acknowledged, by token.
    var unacked = TokenMap<AttemptResult>()
    var recent = RecentTokens(capacity: 65_536)
    var lastKind: (kind: String, known: Bool, immediate: Bool)?
    public private(set) var draining = false
    var drainDeadlineMs: Int64 = .max
    public private(set) var stopped = false

    // Outgoing, sent by `flush` at the end of every event.
    var outStarted: [Lease] = []
    var outResults: [AttemptResult] = []
    var creditToGrant: UInt32 = 0

    // Adaptive prefetch (WorkerSession+Prefetch.swift).
    /// The prefetch in force: `config.prefetch` unless adaptive.
    public internal(set) var prefetchNow: Int
    /// Credits to withhold, after the prefetch shrank, before any is returned again.
    var creditDebt = 0
    /// Mean job duration in microseconds, exponentially weighted; nil before the first result.
    var meanJobMicros: Double?

    /// `seed` drives the HELLO jitter (the simulation passes its own; a worker a random one).
    public init(config: Config, seed: UInt64) {
        self.config = config
        backoffMs = config.reconnectMinMs
        rng = SplitMix64(seed: seed)
        prefetchNow = config.prefetch
    }

    // MARK: Observations

    /// Attempts holding a slot (executing or stopping).
    public var runningCount: Int { running.count }
    /// Attempts received and not yet started.
    public var waitingCount: Int { waiting.count }
    /// Results reported and not yet acknowledged.
    public var unackedCount: Int { unacked.count }
    /// True while the attempt holds a slot.
    public func isRunning(_ lease: Lease) -> Bool { running[lease.token]?.lease == lease }

    // MARK: Events

    /// A new connection is open: say HELLO with what this worker holds.
    public mutating func connected(now: Int64) -> [Effect] {
        welcomed = false
        lastHeardMs = now
        // HELLO's absolute credit and `held` cover everything buffered for the old connection.
        outStarted.removeAll()
        outResults.removeAll()
        creditToGrant = 0
        let held = waiting.map(\.lease) + running.allValues.map(\.lease).sorted(by: Self.order)
            + unacked.allValues.map(\.lease).filter { running[$0.token] == nil }.sorted(by: Self.order)
        let free = capacityNow - waiting.count - running.count
        let credit = draining ? 0 : max(0, free)
        creditDebt = max(0, -free)
        let jitter = Int64.random(in: 0...(backoffMs / 4 + 1), using: &rng)
        helloRetryAtMs = now + backoffMs + jitter
        backoffMs = min(backoffMs * 2, maxBackoffMs)
        lastSentMs = now
        return [.send(.hello(.init(name: config.name, slots: UInt32(config.slots), credit: UInt32(credit),
                                   tags: config.tags, kinds: config.kinds, held: held)))]
    }

    /// A decoded message from the coordinator (on the current connection).
    public mutating func received(_ message: CoordinatorMessage, now: Int64) -> [Effect] {
        lastHeardMs = now
        var effects: [Effect] = []
        switch message {
        case .welcome(let w):
            if welcomed, w.epoch == epoch { return [] }
            welcomed = true
            epoch = w.epoch
            heartbeatMs = Int64(max(w.heartbeatMs, 10))
            liveness = Int64(max(w.liveness, 1))
            leaseMs = Int64(w.leaseMs)
            backoffMs = config.reconnectMinMs
            helloRetryAtMs = .max
            outResults = unacked.allValues.sorted { Self.order($0.lease, $1.lease) }
            outStarted = running.allValues.filter { !$0.immediate && !$0.stopping }.map(\.lease).sorted(by: Self.order)
        case .assign(let list):
            for a in list { accept(a, now: now) }
            handBackExcess() // sent against credit the prefetch has since withdrawn
            effects = startWaiting(now: now)
        case .resultAck(let leases):
            // Tokens are unique per attempt: remove by token, put back the (impossible) mismatch.
            for l in leases { if let r = unacked.remove(l.token), r.lease != l { unacked.insert(l.token, r) } }
        case .cancel(let leases):
            for l in leases { effects += stop(l, .cancelled, "cancelled by the coordinator", now: now) }
        case .heartbeat, .error:
            break
        case .disconnect:
            welcomed = false
            helloRetryAtMs = .max
            return [.reconnect(.disconnected)]
        }
        return effects + finishStep(now: now)
    }

    /// Executors returned (in any order, any number at once). A result for an attempt that was
    /// stopped is dropped (its stop was reported); only now is its slot free.
    /// With `flush` false the messages wait for `flush(now:)` (the shell runs immediate kinds
    /// inline and sends one RESULTS for all of them).
    public mutating func executorsReturned(_ results: [AttemptResult], now: Int64, flush: Bool = true) -> [Effect] {
        var durations: [UInt64] = []
        for r in results {
            guard let attempt = running.remove(r.lease.token) else { continue }
            guard attempt.lease == r.lease else { running.insert(r.lease.token, attempt); continue }
            returnCredit()
            if !attempt.stopping {
                report(r)
                durations.append(r.durationMicros)
            }
        }
        adaptPrefetch(durations: durations)
        let started = startWaiting(now: now)
        return flush ? started + finishStep(now: now) : started
    }

    /// Sends what earlier events with `flush: false` left waiting.
    public mutating func flush(now: Int64) -> [Effect] { finishStep(now: now) }

    /// Time passes: deadlines, heartbeats, reconnects, the drain's end.
    public mutating func tick(now: Int64) -> [Effect] {
        var effects: [Effect] = []
        if !welcomed {
            if now >= helloRetryAtMs {
                helloRetryAtMs = .max
                effects.append(.reconnect(.helloUnanswered))
            }
        } else if now - lastHeardMs > heartbeatMs * liveness {
            welcomed = false
            effects.append(.reconnect(.coordinatorSilent(ms: now - lastHeardMs)))
        } else if now - lastSentMs >= heartbeatMs {
            lastSentMs = now
            effects.append(.send(.heartbeat))
        }
        for attempt in running.allValues.sorted(by: { Self.order($0.lease, $1.lease) }) where !attempt.stopping {
            if attempt.deadlineMs <= now {
                effects += stop(attempt.lease, .timedOut, "ran past its timeout", now: now)
            } else if draining, now >= drainDeadlineMs {
                effects += stop(attempt.lease, .handedBack, "worker shutting down", now: now)
            }
        }
        return effects + finishStep(now: now)
    }

    /// Graceful shutdown: take no new work, hand back what has not started, let running attempts
    /// finish within the grace period (then hand them back), wait for acknowledgements, say BYE.
    public mutating func drain(now: Int64) -> [Effect] {
        guard !draining else { return [] }
        draining = true
        drainDeadlineMs = now + config.drainGraceMs
        for a in waiting { report(AttemptResult(lease: a.lease, outcome: .handedBack)) }
        waiting.removeAll()
        waitingTokens.removeAll()
        return finishStep(now: now)
    }

    // MARK: Attempts

    mutating func accept(_ a: Assignment, now: Int64) {
        let t = a.token
        if recent.contains(t) || running.contains(t) || waitingTokens.contains(t) || unacked.contains(t) { return }
        if draining {
            report(AttemptResult(lease: a.lease, outcome: .handedBack))
            return
        }
        waiting.append(a)
        waitingTokens.insert(t)
    }

    /// Starts waiting attempts while slots are free.
    mutating func startWaiting(now: Int64) -> [Effect] {
        var effects: [Effect] = []
        var i = 0
        while i < waiting.count, running.count < config.slots {
            let a = waiting[i]
            i += 1
            waitingTokens.remove(a.token)
            let kind = kindInfo(a.kind)
            guard kind.known else {
                returnCredit()
                report(AttemptResult(lease: a.lease, outcome: .failed,
                                     message: "unknown job kind '\(a.kind)'; this worker runs: \(config.kinds.joined(separator: ", "))"))
                continue
            }
            let immediate = kind.immediate
            running[a.token] = Attempt(lease: a.lease, startedAtMs: now,
                                       deadlineMs: a.timeoutMs > 0 ? now + Int64(a.timeoutMs) : .max, immediate: immediate)
            if !immediate { outStarted.append(a.lease) }
            effects.append(.start(a))
        }
        waiting.removeFirst(i)
        return effects
    }

    /// Whether this worker runs the kind and runs it inline; remembered for the last kind seen,
    /// since jobs arrive in runs of one kind (two string hashes per job otherwise).
    mutating func kindInfo(_ kind: String) -> (known: Bool, immediate: Bool) {
        if let last = lastKind, last.kind == kind { return (last.known, last.immediate) }
        let info = (known: config.kinds.contains(kind), immediate: config.immediateKinds.contains(kind))
        lastKind = (kind, info.known, info.immediate)
        return info
    }

    /// Ends an attempt early and reports it at once. A waiting attempt frees its place now; a
    /// running one keeps its slot until its executor returns.
    mutating func stop(_ lease: Lease, _ outcome: Outcome, _ message: String, now: Int64) -> [Effect] {
        if var attempt = running[lease.token], attempt.lease == lease {
            guard !attempt.stopping else { return [] }
            attempt.stopping = true
            running[lease.token] = attempt
            report(AttemptResult(lease: lease, outcome: outcome, message: message,
                                 durationMicros: UInt64(max(0, now - attempt.startedAtMs)) * 1_000))
            return [.cancel(lease)]
        }
        if waitingTokens.remove(lease.token), let i = waiting.firstIndex(where: { $0.token == lease.token }) {
            waiting.remove(at: i)
            returnCredit()
            report(AttemptResult(lease: lease, outcome: outcome, message: message))
        }
        return []
    }

    mutating func report(_ r: AttemptResult) {
        unacked[r.lease.token] = r
        recent.insert(r.lease.token)
        outResults.append(r)
    }

    // MARK: Output

    /// The messages this event produced (STARTED, then RESULTS carrying the credit being
    /// returned), then the end of a drain.
    mutating func finishStep(now: Int64) -> [Effect] {
        var effects: [Effect] = []
        if welcomed {
            if !outStarted.isEmpty {
                effects.append(.send(.started(outStarted)))
                outStarted.removeAll(keepingCapacity: true)
            }
            if !outResults.isEmpty || creditToGrant > 0 {
                // Bounded frames: at most 8,192 results per message; the credit rides on the first.
                for (n, start) in stride(from: 0, to: max(outResults.count, 1), by: 8_192).enumerated() {
                    let end = min(start + 8_192, outResults.count)
                    effects.append(.send(.results(credit: n == 0 ? creditToGrant : 0, Array(outResults[start..<end]))))
                }
                outResults.removeAll(keepingCapacity: true)
                creditToGrant = 0
            }
            if !effects.isEmpty { lastSentMs = now }
        }
        return effects + finishDrainIfDone(now: now)
    }

    mutating func finishDrainIfDone(now: Int64) -> [Effect] {
        guard draining, !stopped, waiting.isEmpty else { return [] }
        let lingered = now >= drainDeadlineMs + config.drainLingerMs
        guard running.isEmpty || lingered else { return [] }
        guard unacked.isEmpty || !welcomed || lingered else { return [] }
        stopped = true
        guard welcomed else { return [.stop] }
        // BYE names the hand-backs whose RESULTS were not acknowledged (belt and braces).
        let handedBack = unacked.allValues.filter { $0.outcome == .handedBack }.map(\.lease).sorted(by: Self.order)
        return [.send(.bye(handedBack: handedBack)), .stop]
    }

    /// HELLO retries back off up to `reconnectMaxMs`, but once a coordinator has told us its
    /// lease, never beyond an eighth of it: after a cut shorter than the lease, the next HELLO
    /// must arrive before the lease runs out, or every attempt this worker holds is re-queued.
    var maxBackoffMs: Int64 {
        guard leaseMs > 0 else { return config.reconnectMaxMs }
        return max(config.reconnectMinMs, min(config.reconnectMaxMs, leaseMs / 8))
    }

    static func order(_ a: Lease, _ b: Lease) -> Bool { (a.jobID, a.token) < (b.jobID, b.token) }
}
