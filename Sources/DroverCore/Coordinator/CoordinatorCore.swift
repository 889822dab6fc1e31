import DroverProtocol

/// The coordinator's decision logic as a pure state machine: each event (a submission, a worker
/// message, a clock tick, a dispatch round) returns its `Effects` — journal records, then
/// messages. No sockets, no clock, no files: the shell in DroverCoordinator does the I/O, and
/// tests drive this struct directly (STYLE.md #1, #14).
///
/// It is made of parts with one job each: the `JobTable` (jobs, history, queues and timers),
/// the `Membership` (worker sessions, credit, liveness), the `ClientWatches` (who waits for
/// DONE) and the `Dispatcher` (sharing ready jobs out). The core ties them together: every
/// durable change goes through `record(_:)`, which appends a `JournalRecord` and applies it;
/// recovery replays the journal through the same `apply(_:)`.
public struct CoordinatorCore: Sendable {
    public let config: CoordinatorConfig
    public internal(set) var table: JobTable
    public internal(set) var members = Membership()
    public internal(set) var watches = ClientWatches()
    let dispatcher: Dispatcher
    var tokens = LeaseTokens()
    /// Attempts recovered from the journal that no worker has reclaimed yet.
    var unclaimed: Set<JobID> = []
    var reclaimDeadline: Int64?
    var lastHeartbeatMs: Int64 = 0
    public internal(set) var startedAtMs: Int64 = 0
    var rng: SplitMix64
    /// The effects of the event being handled; `finish()` hands them out. Acknowledgements and
    /// DONE entries are gathered per peer so one event sends one message to each.
    var out = Effects()
    private var acks: [[UInt8]: [Lease]] = [:]
    private var done: [[UInt8]: [ClientReply.DoneJob]] = [:]
    /// Results discarded because their lease was superseded (fencing at work).
    public internal(set) var discardedResults = 0
    /// Frames rejected as malformed or from an unsupported protocol version.
    public internal(set) var rejectedFrames = 0

    public init(config: CoordinatorConfig = CoordinatorConfig(), seed: UInt64 = 0x5EED) {
        self.config = config
        table = JobTable(retainFinished: config.retainFinished, timeoutGraceMs: config.timeoutGraceMs)
        dispatcher = Dispatcher(maxAssignBatch: config.maxAssignBatch)
        rng = SplitMix64(seed: seed)
    }

    public var epoch: UInt64 { tokens.epoch }

    // MARK: Lifecycle

    /// Rebuilds state from the journal, then starts a new epoch (its record is in the returned
    /// effects). Attempts that were leased before the restart wait `leaseMs` for their worker to
    /// reclaim them.
    public mutating func recover(from journal: some Journal, now: Int64) throws -> Effects {
        table.replaying = true
        try journal.replay { apply($0) }
        table.replaying = false
        unclaimed = Set(table.restoreQueues())
        if !unclaimed.isEmpty { reclaimDeadline = now + config.leaseMs }
        startedAtMs = now
        record(.epoch(epoch + 1, atMs: now))
        return finish()
    }

    /// Leases ready jobs to alive workers with credit. The shell calls it after each batch of
    /// events; the ASSIGN messages go out once the returned `.assigned` records are durable.
    public mutating func dispatch(now: Int64) -> Effects {
        for given in dispatcher.plan(jobs: &table, workers: &members, tokens: &tokens) {
            record(.assigned(worker: given.worker, leases: given.leases, atMs: now))
            var rest = given.assignments[...]
            while !rest.isEmpty { // bounded frames, even when several rounds fed one worker
                out.toWorkers.append((given.peer, .assign(Array(rest.prefix(config.maxAssignBatch)))))
                rest = rest.dropFirst(config.maxAssignBatch)
            }
        }
        return finish()
    }

    // MARK: Journal

    /// Appends a durable record and applies it.
    mutating func record(_ r: JournalRecord) {
        out.journal.append(r)
        apply(r)
    }

    /// Applies one journal record to the state. Used live (after `record`) and on replay.
    public mutating func apply(_ r: JournalRecord) {
        switch r {
        case .epoch(let e, _): tokens.begin(epoch: e)
        case .requeued(let id, _, _, _, _), .cancelled(let id, _): unclaimed.remove(id)
        default: break
        }
        if let ended = table.apply(r), !table.replaying, let (peer, entry) = watches.ended(ended) {
            done[peer, default: []].append(entry)
        }
    }

    /// Ends an event: gathered acknowledgements and DONE entries become messages, finished jobs
    /// beyond the retention bound leave memory, and the event's effects are handed out.
    mutating func finish() -> Effects {
        for (peer, list) in acks { out.toWorkers.append((peer, .resultAck(list))) }
        for (peer, list) in done { out.toClients.append((peer, .done(list))) }
        acks.removeAll(keepingCapacity: true)
        done.removeAll(keepingCapacity: true)
        table.evictFinished()
        defer { out = Effects() }
        return out
    }

    /// Runs one event with its effects appended straight to `batch` — the event accumulates into
    /// the batch's own arrays instead of allocating its own, which a shell feeding thousands of
    /// events per commit would otherwise churn through (and the allocator would keep as RSS).
    /// `core.appending(to: &batch) { $0.submit(…) }` equals `batch.append(core.submit(…))`.
    public mutating func appending(to batch: inout Effects, _ event: (inout CoordinatorCore) -> Effects) {
        precondition(out.isEmpty && acks.isEmpty && done.isEmpty, "effects left over from an earlier event")
        swap(&out, &batch)
        batch = event(&self) // `finish()` hands back the batch with this event's effects after it
    }

    mutating func acknowledge(_ lease: Lease, to peer: [UInt8]) { acks[peer, default: []].append(lease) }

    mutating func reportDone(_ entries: [ClientReply.DoneJob], to peer: [UInt8]) {
        if !entries.isEmpty { done[peer, default: []].append(contentsOf: entries) }
    }
}
