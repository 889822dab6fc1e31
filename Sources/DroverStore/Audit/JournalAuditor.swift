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
        let duplicates = results.filter { $0.value > 1 }.map(\.key).sorted()
        let unfinished = submitted.filter { finalState[$0] == nil && !held.contains($0) }.sorted()
        let orphans = Set(results.keys).union(cancelled).subtracting(submitted).sorted()
        let dupKeys = keys.values.filter { $0 > 1 }.count
        var byState: [String: Int] = [:]
        for s in finalState.values { byState[s.name, default: 0] += 1 }
        let ok = duplicates.isEmpty && unfinished.isEmpty && orphans.isEmpty && dupKeys == 0
        return Report(submitted: submitted.count, finished: finalState.count, byState: byState, held: held.count,
                      heldJobs: held.sorted(), unfinished: unfinished.count, duplicates: duplicates.count,
                      orphans: orphans.count, duplicateKeys: dupKeys, attempts: attempts,
                      requeues: requeues.values.reduce(0, +), requeuesByCause: requeues,
                      examples: Array((duplicates + unfinished + orphans).prefix(10)), ok: ok)
    }
}
