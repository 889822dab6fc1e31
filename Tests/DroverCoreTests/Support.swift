@testable import DroverCore
import DroverProtocol
import Testing

/// A peer (routing id) from a readable name.
func peer(_ name: String) -> [UInt8] { Array(name.utf8) }

let client = peer("client")

/// Drives a `CoordinatorCore` the way the shell does: events (their effects gathered in
/// `pending`), then `dispatch`, then the journal append, then the sends. A restart builds a
/// new core from the same journal.
struct Harness {
    var core: CoordinatorCore
    let journal: MemoryJournal
    var now: Int64 = 1_000_000
    var requestID: UInt64 = 0
    /// Effects of events fed since the last `flush`.
    var pending = Effects()

    init(config: CoordinatorConfig = CoordinatorConfig(), journal: MemoryJournal = MemoryJournal()) {
        self.journal = journal
        core = CoordinatorCore(config: config)
        pending = try! core.recover(from: journal, now: now)
        flush()
    }

    /// Dispatches and journals the batch (the shell's loop), returning what would be sent.
    @discardableResult
    mutating func flush() -> Effects {
        pending.append(core.dispatch(now: now))
        let e = pending.coalesced()
        pending = Effects()
        if !e.journal.isEmpty { try! journal.append(e.journal) }
        return e
    }

    /// Feeds one event without flushing (several events then commit as one batch).
    mutating func feed(_ event: (inout CoordinatorCore) -> Effects) {
        pending.append(event(&core))
    }

    /// A crash and restart: a new core recovered from the same journal. Unflushed effects are lost.
    mutating func restart(advanceMs: Int64 = 1) -> Effects {
        now += advanceMs
        core = CoordinatorCore(config: core.config)
        pending = try! core.recover(from: journal, now: now)
        return flush()
    }

    /// Dispatches and returns the batch without journaling it (a crash before the write).
    mutating func takeBatch() -> Effects {
        pending.append(core.dispatch(now: now))
        defer { pending = Effects() }
        return pending.coalesced()
    }

    /// Cancels a job (a client command); its effects wait for the next `flush`.
    mutating func cancel(_ id: JobID) -> ControlResult {
        let (result, effects) = core.cancel(id, now: now)
        pending.append(effects)
        return result
    }

    /// Releases a held job (a client command); its effects wait for the next `flush`.
    mutating func release(_ id: JobID) -> ControlResult {
        let (result, effects) = core.release(id, now: now)
        pending.append(effects)
        return result
    }

    mutating func submit(_ specs: [JobSpec], watch: Bool = false, from p: [UInt8] = client) -> Effects {
        requestID += 1
        let now = now, id = requestID
        feed { $0.submit(from: p, requestID: id, watch: watch, specs: specs, now: now) }
        return flush()
    }

    /// Submits and returns the ids of the SUBMITTED reply.
    mutating func submitIDs(_ specs: [JobSpec]) -> [JobID] {
        submit(specs).submittedIDs
    }

    mutating func send(_ w: String, _ message: WorkerMessage) -> Effects {
        let now = now
        feed { $0.workerMessage(from: peer(w), message, now: now) }
        return flush()
    }

    mutating func hello(_ w: String, credit: UInt32, tags: [String] = [], held: [Lease] = []) -> Effects {
        send(w, .hello(.init(name: w, slots: max(credit, 1), credit: credit, tags: tags, kinds: ["noop"], held: held)))
    }

    mutating func result(_ w: String, _ lease: Lease, _ outcome: Outcome, credit: UInt32 = 1, message: String = "") -> Effects {
        send(w, .results(credit: credit, [AttemptResult(lease: lease, outcome: outcome, message: message)]))
    }

    mutating func tick(advanceMs: Int64) -> Effects {
        now += advanceMs
        let now = now
        feed { $0.tick(now: now) }
        return flush()
    }

    func state(_ id: JobID) -> JobState? { core.job(id)?.state }

    /// Every record in the journal, oldest first.
    var records: [JournalRecord] { journal.batches.flatMap { $0 } }

    /// `finished` records in the journal for one job.
    func finishedRecords(_ id: JobID) -> [JournalRecord] {
        records.filter { if case .finished(let j, _, _, _, _, _) = $0 { j == id } else { false } }
    }
}

extension Effects {
    func messages(to w: String) -> [CoordinatorMessage] {
        toWorkers.filter { $0.peer == peer(w) }.map(\.message)
    }

    func assignments(to w: String) -> [Assignment] {
        messages(to: w).flatMap { m -> [Assignment] in
            if case .assign(let list) = m { return list }
            return []
        }
    }

    var allAssignments: [Assignment] {
        toWorkers.flatMap { m -> [Assignment] in
            if case .assign(let list) = m.message { return list }
            return []
        }
    }

    func acks(to w: String) -> [Lease] {
        messages(to: w).flatMap { m -> [Lease] in
            if case .resultAck(let l) = m { return l }
            return []
        }
    }

    func cancels(to w: String) -> [Lease] {
        messages(to: w).flatMap { m -> [Lease] in
            if case .cancel(let l) = m { return l }
            return []
        }
    }

    var submittedIDs: [JobID] {
        toClients.flatMap { c -> [JobID] in
            if case .submitted(_, let ids) = c.reply { return ids }
            return []
        }
    }

    var done: [ClientReply.DoneJob] {
        toClients.flatMap { c -> [ClientReply.DoneJob] in
            if case .done(let list) = c.reply { return list }
            return []
        }
    }

    var submittedRecords: [JobID] {
        journal.compactMap { r -> JobID? in
            if case .submitted(let id, _, _) = r { return id }
            return nil
        }
    }
}
