import DroverProtocol

/// The coordinator's decision logic as a pure state machine: events in (submissions,
/// worker messages, clock ticks), `Effects` out (journal records, then messages).
/// No sockets, no clock, no files: the shell in DroverCoordinator does the I/O, and tests
/// drive this struct directly (STYLE.md #1, #14).
///
/// Every durable change goes through `record(_:)`, which appends a `JournalRecord` and
/// applies it; recovery replays the journal through the same `apply(_:)`.
public struct CoordinatorCore: Sendable {
    public let config: CoordinatorConfig
    public internal(set) var epoch: UInt64 = 0
    var tokenCounter: UInt64 = 0
    /// Jobs in memory by id: job `id` lives at index `id - evictedCount - 1`. Finished jobs
    /// older than the newest `retainFinished` are evicted (see `evictFinished`).
    public internal(set) var jobs: ContiguousArray<JobRecord> = []
    /// Jobs evicted from memory (all finished): ids 1…evictedCount.
    public internal(set) var evictedCount = 0
    /// Final state of each evicted job (one byte each), so DONE and status still answer.
    var evictedStates: [UInt8] = []
    /// Jobs at the head of `jobs` known to be finished (the eviction candidates).
    var finishedPrefix = 0
    public internal(set) var transitions = TransitionLog()
    /// Number of jobs in each state, indexed by `JobState.rawValue`.
    public internal(set) var stateCounts = [Int](repeating: 0, count: JobState.allCases.count)
    var ready = ReadyQueue()
    var retryTimers = TimerHeap()
    var deadlineTimers = TimerHeap()
    var idempotency: [String: JobID] = [:]
    var names: [String] = []
    var nameIndex: [String: Int32] = [:]
    public internal(set) var workers: [[UInt8]: WorkerEntry] = [:]
    /// Clients watching jobs for completion.
    var watchers: [JobID: Int32] = [:]
    var clients: [[UInt8]] = []
    var clientIndex: [[UInt8]: Int32] = [:]
    /// Open watches per client slot; a slot with none is recycled at the next flush, so
    /// one-shot CLI clients do not accumulate (bounded everything).
    var clientWatches: [Int] = []
    var freeClientSlots: [Int32] = []
    /// Slots whose open watches dropped to zero since the last flush (recycling candidates).
    var idleClients: [Int32] = []
    /// Attempts recovered from the journal that no worker has reclaimed yet.
    var unclaimed: Set<JobID> = []
    var reclaimDeadline: Int64?
    var replaying = false
    var lastHeartbeatMs: Int64 = 0
    public internal(set) var startedAtMs: Int64 = 0
    var rng: SplitMix64
    /// Messages gathered during one batch of events, flushed once (one ASSIGN per worker).
    var pendingAssign: [[UInt8]: [Assignment]] = [:]
    var pendingAcks: [[UInt8]: [Lease]] = [:]
    var pendingDone: [Int32: [ClientReply.DoneJob]] = [:]
    var effects = Effects()
    /// Results discarded because their lease was superseded (fencing at work).
    public internal(set) var discardedResults = 0
    /// Frames rejected as malformed or from an unsupported protocol version.
    public internal(set) var rejectedFrames = 0

    public init(config: CoordinatorConfig = CoordinatorConfig(), seed: UInt64 = 0x5EED) {
        self.config = config
        rng = SplitMix64(seed: seed)
    }

    // MARK: Lifecycle

    /// Rebuilds state from the journal, then starts a new epoch (journaled). Attempts that
    /// were leased before the restart wait `leaseMs` for their worker to reclaim them.
    public mutating func recover(from journal: some Journal, now: Int64) throws {
        replaying = true
        try journal.replay { apply($0) }
        replaying = false
        for i in jobs.indices {
            let id = JobID(evictedCount + i + 1)
            switch jobs[i].state {
            case .queued: ready.push(id, priority: jobs[i].spec.priority, tags: ReadyQueue.key(for: jobs[i].spec.tags))
            case .retryWait: retryTimers.push(due: jobs[i].timerMs, id: id)
            case .assigned, .running:
                jobs[i].workerName = -1
                unclaimed.insert(id)
                // Deadlines are not pushed during replay; a re-attached attempt must still time out.
                if jobs[i].spec.timeoutMs > 0 { deadlineTimers.push(due: jobs[i].timerMs, id: id) }
            default: break
            }
        }
        if !unclaimed.isEmpty { reclaimDeadline = now + config.leaseMs }
        evictFinished()
        startedAtMs = now
        record(.epoch(epoch + 1, atMs: now))
    }

    /// The journal records and messages produced since the last call, after dispatching
    /// ready jobs to workers with credit. Make `journal` durable before sending anything.
    public mutating func flush(now: Int64) -> Effects {
        dispatch(now: now)
        for (peer, list) in pendingAssign where !list.isEmpty {
            effects.toWorkers.append((peer, .assign(list)))
        }
        for (peer, list) in pendingAcks where !list.isEmpty {
            effects.toWorkers.append((peer, .resultAck(list)))
        }
        for (client, list) in pendingDone where !list.isEmpty {
            effects.toClients.append((clients[Int(client)], .done(list)))
        }
        pendingAssign.removeAll(keepingCapacity: true)
        pendingAcks.removeAll(keepingCapacity: true)
        pendingDone.removeAll(keepingCapacity: true)
        recycleIdleClients()
        evictFinished()
        defer { effects = Effects() }
        return effects
    }

    // MARK: Journal

    /// Appends a durable record and applies it.
    mutating func record(_ r: JournalRecord) {
        effects.journal.append(r)
        apply(r)
    }

    /// Applies one journal record to the state. Used live (after `record`) and on replay.
    public mutating func apply(_ r: JournalRecord) {
        switch r {
        case .epoch(let e, _):
            epoch = max(epoch, e)
            tokenCounter = 0
        case .submitted(let id, let spec, let at):
            guard id == nextJobID else { return }
            jobs.append(JobRecord(spec: spec))
            stateCounts[Int(JobState.queued.rawValue)] += 1
            if let key = spec.idempotencyKey { idempotency[key] = id }
            appendTransition(id, state: .queued, cause: .submitted, at: at)
            if !replaying { ready.push(id, priority: spec.priority, tags: ReadyQueue.key(for: spec.tags)) }
        case .assigned(let worker, let leases, let at):
            let w = intern(worker)
            for l in leases {
                guard let i = index(l.jobID) else { continue }
                jobs[i].attempt = l.attempt
                jobs[i].token = l.token
                jobs[i].workerName = w
                setState(l.jobID, .assigned, cause: .assigned, at: at)
                let timeout = Int64(jobs[i].spec.timeoutMs)
                if timeout > 0 {
                    jobs[i].timerMs = at + timeout + config.timeoutGraceMs
                    if !replaying { deadlineTimers.push(due: jobs[i].timerMs, id: l.jobID) }
                }
            }
        case .finished(let id, _, let state, let metrics, let message, let at):
            guard let i = index(id) else { return }
            jobs[i].metrics = metrics
            jobs[i].message = message
            jobs[i].token = 0
            let cause: Cause = state == .succeeded ? .succeeded : state == .timedOut ? .timedOut : .failed
            setState(id, state, cause: cause, at: at)
        case .outputs(let id, let outputs):
            guard let i = index(id) else { return }
            jobs[i].outputs = outputs
        case .requeued(let id, let cause, let readyAt, let message, let at):
            guard let i = index(id) else { return }
            if cause == .workerLost { jobs[i].workerLosses += 1 }
            if cause == .retryAfterFailure { jobs[i].appFailures += 1 }
            if !message.isEmpty { jobs[i].message = message }
            jobs[i].token = 0
            jobs[i].workerName = -1
            unclaimed.remove(id)
            if readyAt > at {
                jobs[i].timerMs = readyAt
                setState(id, .retryWait, cause: cause, at: at)
                if !replaying { retryTimers.push(due: readyAt, id: id) }
            } else {
                setState(id, .queued, cause: cause, at: at)
                enqueue(id)
            }
        case .held(let id, let cause, let at):
            guard let i = index(id) else { return }
            jobs[i].token = 0
            jobs[i].workerName = -1
            setState(id, .held, cause: cause, at: at)
        case .released(let id, let at):
            guard let i = index(id) else { return }
            jobs[i].workerLosses = 0
            setState(id, .queued, cause: .released, at: at)
            enqueue(id)
        case .cancelled(let id, let at):
            guard let i = index(id) else { return }
            jobs[i].token = 0
            unclaimed.remove(id)
            setState(id, .cancelled, cause: .cancelledByClient, at: at)
        case .compactedJobs(let first, let runs):
            // A snapshot starts with these: the jobs land as evicted ones, one byte each.
            guard first == nextJobID, jobs.isEmpty else { return }
            for run in runs {
                evictedStates.append(contentsOf: repeatElement(run.state.rawValue, count: Int(run.count)))
                evictedCount += Int(run.count)
                stateCounts[Int(run.state.rawValue)] += Int(run.count)
            }
        case .idempotencyKeys(let keys):
            for k in keys { idempotency[k.key] = k.job }
        case .tally:
            break // for the journal audit only
        }
    }

    // MARK: Helpers

    @inline(__always) func index(_ id: JobID) -> Int? {
        id > JobID(evictedCount) && id <= JobID(evictedCount + jobs.count) ? Int(id) - evictedCount - 1 : nil
    }

    /// The id the next submitted job gets.
    var nextJobID: JobID { JobID(evictedCount + jobs.count + 1) }

    /// The final state of a job evicted from memory, or nil if `id` was not evicted.
    public func evictedState(_ id: JobID) -> JobState? {
        id >= 1 && id <= JobID(evictedCount) ? JobState(rawValue: evictedStates[Int(id - 1)]) : nil
    }

    mutating func enqueue(_ id: JobID) {
        guard !replaying, let i = index(id) else { return }
        ready.push(id, priority: jobs[i].spec.priority, tags: ReadyQueue.key(for: jobs[i].spec.tags))
    }

    mutating func setState(_ id: JobID, _ state: JobState, cause: Cause, at: Int64) {
        let i = index(id)!
        let old = jobs[i].state
        stateCounts[Int(old.rawValue)] -= 1
        stateCounts[Int(state.rawValue)] += 1
        jobs[i].state = state
        appendTransition(id, state: state, cause: cause, at: at)
        if state.isTerminal, !replaying, let client = watchers.removeValue(forKey: id) {
            clientWatches[Int(client)] -= 1
            if clientWatches[Int(client)] == 0 { idleClients.append(client) }
            pendingDone[client, default: []].append(ClientReply.DoneJob(jobID: id, state: state))
        }
    }

    mutating func appendTransition(_ id: JobID, state: JobState, cause: Cause, at: Int64) {
        let i = index(id)!
        jobs[i].lastTransition = transitions.append(Transition(
            state: state, cause: cause, attempt: jobs[i].attempt, workerName: jobs[i].workerName,
            atMs: at, previous: jobs[i].lastTransition))
    }

    mutating func intern(_ name: String) -> Int32 {
        if let i = nameIndex[name] { return i }
        names.append(name)
        let i = Int32(names.count - 1)
        nameIndex[name] = i
        return i
    }

    public func workerName(_ index: Int32) -> String? {
        index >= 0 && Int(index) < names.count ? names[Int(index)] : nil
    }

    mutating func nextToken() -> UInt64 {
        tokenCounter += 1
        return (epoch << 32) | tokenCounter
    }

    /// Jobs waiting for dispatch or release: what the queue bound limits.
    public var waitingCount: Int {
        stateCounts[Int(JobState.queued.rawValue)] + stateCounts[Int(JobState.retryWait.rawValue)]
            + stateCounts[Int(JobState.held.rawValue)]
    }

    public func job(_ id: JobID) -> JobRecord? { index(id).map { jobs[$0] } }
}
