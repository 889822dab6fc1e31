import DroverCore
import DroverProtocol

/// Replays a coordinator's journal and checks the exactly-once invariants: every accepted job
/// ends in a terminal state (or is held as poison), each has exactly one committed result, no
/// result is committed for a job never accepted, and no idempotency key names two jobs.
public struct JournalAuditor {
    private var submitted: Set<JobID> = []
    private var keys: [String: Int] = [:]
    private var results: [JobID: Int] = [:]
    private var cancelled: Set<JobID> = []
    private var held: Set<JobID> = []
    private var finalState: [JobID: JobState] = [:]
    private var attempts = 0
    private var requeues: [String: Int] = [:]
    private var batches = 0
    /// Jobs 1…compacted come from a snapshot: accepted and ended, final states counted here.
    private var compacted: JobID = 0
    private var compactedByState: [JobState: Int] = [:]
    /// What compaction dropped (attempts, re-queues, violations it saw).
    private var tally = JournalTally()

    /// Replays the journal of the data directory `dataDir`.
    public init(dataDir: String) throws {
        let journal = try SQLiteJournal(path: DataDirectory(path: dataDir).journalPath)
        try journal.replay { add($0) }
    }

    public init(records: [JournalRecord]) {
        for r in records { add(r) }
    }

    private mutating func add(_ record: JournalRecord) {
        switch record {
        case .submitted(let id, let spec, _):
            submitted.insert(id)
            if let key = spec.idempotencyKey, !key.isEmpty { keys[key, default: 0] += 1 }
        case .assigned(_, let leases, _):
            attempts += leases.count
        case .finished(let id, _, let state, _, _, _):
            results[id, default: 0] += 1
            finalState[id] = state
            held.remove(id)
        case .cancelled(let id, _):
            cancelled.insert(id)
            finalState[id] = .cancelled
            held.remove(id)
        case .held(let id, _, _):
            held.insert(id)
        case .released(let id, _):
            held.remove(id)
        case .requeued(_, let cause, _, _, _):
            requeues["\(cause)", default: 0] += 1
        case .epoch, .outputs:
            break
        case .compactedJobs(let first, let runs):
            guard first == compacted + 1 else { break }
            for run in runs { compactedByState[run.state, default: 0] += Int(run.count) }
            compacted += runs.reduce(0) { $0 + JobID($1.count) }
        case .idempotencyKeys(let list):
            for k in list { keys[k.key, default: 0] += 1 }
        case .tally(let t):
            tally.add(t)
        }
    }

    public struct Report: Codable, Equatable, Sendable {
        public var submitted: Int
        public var finished: Int
        public var byState: [String: Int]
        public var held: Int
        public var heldJobs: [JobID]
        /// Accepted jobs neither terminal nor held.
        public var unfinished: Int
        /// Jobs with more than one committed result.
        public var duplicates: Int
        /// Results or cancellations for jobs never accepted.
        public var orphans: Int
        /// Idempotency keys that name more than one job.
        public var duplicateKeys: Int
        public var attempts: Int
        public var requeues: Int
        /// Re-queues by cause: `workerLost` re-runs an attempt that had started,
        /// `requeuedFromLostWorker` one that had not.
        public var requeuesByCause: [String: Int]
        /// First few offending ids, for the error message.
        public var examples: [JobID]
        public var ok: Bool

        /// Jobs whose final state is `state`.
        public func count(_ state: JobState) -> Int { byState[state.name] ?? 0 }
        /// Attempts that had started and were re-run because their worker was lost.
        public var rerunsAfterWorkerLoss: Int { requeuesByCause["\(Cause.workerLost)"] ?? 0 }
    }

    public var report: Report {
        // A result for a compacted job (it had ended) is a duplicate; nothing else can name one.
        let duplicates = results.filter { $0.value > 1 || $0.key <= compacted }.map(\.key).sorted()
        let unfinished = submitted.filter { finalState[$0] == nil && !held.contains($0) }.sorted()
        let orphans = Set(results.keys).union(cancelled).subtracting(submitted).filter { $0 > compacted }.sorted()
        let dupKeys = keys.values.filter { $0 > 1 }.count
        var byState: [String: Int] = [:]
        for s in finalState.values { byState[s.name, default: 0] += 1 }
        for (s, n) in compactedByState { byState[s.name, default: 0] += n }
        var requeuesByCause = requeues
        for (cause, n) in tally.requeues { requeuesByCause["\(cause)", default: 0] += Int(n) }
        let duplicateCount = duplicates.count + Int(tally.duplicates)
        let orphanCount = orphans.count + Int(tally.orphans)
        let ok = duplicateCount == 0 && unfinished.isEmpty && orphanCount == 0 && dupKeys == 0
        return Report(submitted: submitted.count + Int(compacted), finished: finalState.count + Int(compacted),
                      byState: byState, held: held.count, heldJobs: held.sorted(), unfinished: unfinished.count,
                      duplicates: duplicateCount, orphans: orphanCount, duplicateKeys: dupKeys,
                      attempts: attempts + Int(tally.attempts), requeues: requeuesByCause.values.reduce(0, +),
                      requeuesByCause: requeuesByCause,
                      examples: Array((tally.examples + duplicates + unfinished + orphans).prefix(10)), ok: ok)
    }
}
