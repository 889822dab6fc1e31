import DroverProtocol

/// Folds journal records into the shortest list of records that rebuilds the same coordinator
/// state: the content of a journal snapshot (docs/architecture.md, "Journal compaction").
///
/// It works on records only, not on `CoordinatorCore`'s layout: a job's own records are kept
/// verbatim while it is live or among the newest `retainFinished` finished jobs (so its history
/// survives), and a finished prefix beyond that collapses into `compactedJobs` runs plus its
/// idempotency keys, exactly what the core keeps of a job it evicted from memory. Whatever the
/// journal audit counts in the dropped records goes on as a `tally`. A job's state depends only
/// on its own records, in order, so replaying the output job by job equals replaying the input.
public struct JournalFold: Sendable {
    /// One job's records, oldest first, and whether it has ended.
    struct JobLog: Sendable {
        var records: [JournalRecord]
        var ended: JobState?
    }

    public let retainFinished: Int
    private var epoch: JournalRecord?
    /// Jobs 1…compactedCount are compacted; their final states as runs.
    private var compactedCount: UInt64 = 0
    private var runs: [StateRun] = []
    private var keys: [KeyedJob] = []
    private var tally = JournalTally()
    /// Jobs compactedCount+1 … in id order.
    private var logs: [JobLog] = []
    /// Leading jobs of `logs` known to have ended.
    private var endedPrefix = 0

    public init(retainFinished: Int) {
        self.retainFinished = max(retainFinished, 0)
    }

    /// Jobs whose records are kept (live or recently finished).
    public var keptJobs: Int { logs.count }
    public var compactedJobs: UInt64 { compactedCount }

    private func slot(_ id: JobID) -> Int? {
        id > compactedCount && id <= compactedCount + UInt64(logs.count) ? Int(id - compactedCount - 1) : nil
    }

    public mutating func add(_ record: JournalRecord) {
        switch record {
        case .epoch(let e, _):
            if case .epoch(let old, _)? = epoch, old > e { return }
            epoch = record
        case .submitted(let id, _, _):
            guard id == compactedCount + UInt64(logs.count) + 1 else { return } // the core ignores it too
            logs.append(JobLog(records: [record], ended: nil))
        case .assigned(let worker, let leases, let at):
            for lease in leases {
                if let i = slot(lease.jobID) {
                    logs[i].records.append(.assigned(worker: worker, leases: [lease], atMs: at))
                } else {
                    tally.attempts += 1
                }
            }
        case .finished(let id, _, let state, _, _, _):
            end(id, state, record)
        case .cancelled(let id, _):
            end(id, .cancelled, record)
        case .requeued(let id, let cause, _, _, _):
            if let i = slot(id) { logs[i].records.append(record) } else { tally.requeues[cause, default: 0] += 1 }
        case .held(let id, _, _), .released(let id, _), .outputs(let id, _):
            if let i = slot(id) { logs[i].records.append(record) }
        case .compactedJobs(let first, let more):
            guard first == compactedCount + 1, logs.isEmpty else { return }
            for run in more {
                appendRun(run.state, count: run.count)
                compactedCount += UInt64(run.count)
            }
        case .idempotencyKeys(let list):
            keys.append(contentsOf: list)
        case .tally(let t):
            tally.add(t)
        }
    }

    private mutating func end(_ id: JobID, _ state: JobState, _ record: JournalRecord) {
        guard let i = slot(id) else {
            if id >= 1 && id <= compactedCount { tally.duplicates += 1 } else { tally.orphans += 1 }
            tally.noteExamples([id])
            return
        }
        logs[i].records.append(record)
        logs[i].ended = state
    }

    private mutating func appendRun(_ state: JobState, count: UInt32) {
        if let last = runs.last, last.state == state, last.count <= UInt32.max - count {
            runs[runs.count - 1].count += count
        } else {
            runs.append(StateRun(state: state, count: count))
        }
    }

    /// Compacts the finished prefix beyond the newest `retainFinished` finished jobs.
    public mutating func compact() {
        while endedPrefix < logs.count, logs[endedPrefix].ended != nil { endedPrefix += 1 }
        let excess = endedPrefix - retainFinished
        guard excess > 0 else { return }
        for log in logs[0..<excess] { absorb(log) }
        logs.removeFirst(excess)
        compactedCount += UInt64(excess)
        endedPrefix -= excess
    }

    /// Moves an ended job's details into the runs, the keys and the tally.
    private mutating func absorb(_ log: JobLog) {
        var results = 0
        for record in log.records {
            switch record {
            case .submitted(let id, let spec, _):
                if let key = spec.idempotencyKey { keys.append(KeyedJob(key: key, job: id)) }
            case .assigned(_, let leases, _):
                tally.attempts += UInt64(leases.count)
            case .requeued(_, let cause, _, _, _):
                tally.requeues[cause, default: 0] += 1
            case .finished(let id, _, _, _, _, _), .cancelled(let id, _):
                results += 1
                if results == 2 {
                    tally.duplicates += 1
                    tally.noteExamples([id])
                }
            default:
                break
            }
        }
        appendRun(log.ended ?? .succeeded, count: 1)
    }

    /// The snapshot: records that rebuild the folded state, at most `batch` per inner list.
    public func records(batch: Int = 4_096) -> [[JournalRecord]] {
        var out: [[JournalRecord]] = []
        var current: [JournalRecord] = []
        func emit(_ r: JournalRecord) {
            current.append(r)
            if current.count >= batch {
                out.append(current)
                current = []
            }
        }
        if let epoch { emit(epoch) }
        var first = JobID(1)
        for chunk in stride(from: 0, to: runs.count, by: 65_536) {
            let part = Array(runs[chunk..<min(chunk + 65_536, runs.count)])
            emit(.compactedJobs(first: first, runs: part))
            first += part.reduce(0) { $0 + UInt64($1.count) }
        }
        for chunk in stride(from: 0, to: keys.count, by: 8_192) {
            emit(.idempotencyKeys(Array(keys[chunk..<min(chunk + 8_192, keys.count)])))
        }
        if tally != JournalTally() { emit(.tally(tally)) }
        for log in logs { for r in log.records { emit(r) } }
        if !current.isEmpty { out.append(current) }
        return out
    }
}
