import DroverProtocol

/// One durable fact in the coordinator's journal. The coordinator decides, appends the
/// record, and applies it with `CoordinatorCore.apply(_:)`; a restart replays the same
/// records through the same function, so recovered state equals live state by construction.
public enum JournalRecord: Sendable, Equatable {
    /// A coordinator process started; leases it grants carry this epoch.
    case epoch(UInt64, atMs: Int64)
    case submitted(JobID, JobSpec, atMs: Int64)
    /// A batch of attempts leased to one worker.
    case assigned(worker: String, leases: [Lease], atMs: Int64)
    /// The single committed result of a job: state is succeeded, failed or timedOut.
    case finished(JobID, attempt: UInt32, state: JobState, metrics: [String: Double], message: String, atMs: Int64)
    /// The current attempt ended without a final result; the job waits until `readyAtMs`
    /// (wall clock) and is queued again with a new attempt.
    case requeued(JobID, cause: Cause, readyAtMs: Int64, message: String, atMs: Int64)
    case held(JobID, cause: Cause, atMs: Int64)
    case released(JobID, atMs: Int64)
    case cancelled(JobID, atMs: Int64)
    /// Artifacts a succeeded attempt produced (name → `sha256:` digest), written just before
    /// its `finished` record in the same batch. Journals without it still replay.
    case outputs(JobID, [String: String])
    /// Snapshot only: jobs `first`, `first + 1`, … ended in the runs' states; their details were
    /// compacted away (the coordinator keeps one byte per job, as for jobs evicted from memory).
    case compactedJobs(first: JobID, runs: [StateRun])
    /// Snapshot only: idempotency keys of compacted jobs.
    case idempotencyKeys([KeyedJob])
    /// Snapshot only: what the compacted records held that the journal audit counts.
    case tally(JournalTally)

    enum Tag: UInt8 {
        case epoch = 1, submitted, assigned, finished, requeued, held, released, cancelled, outputs
        case compactedJobs, idempotencyKeys, tally
    }

    public func encode(into w: inout ByteWriter) {
        switch self {
        case .epoch(let e, let at):
            w.u8(Tag.epoch.rawValue); w.u64(e); w.i64(at)
        case .submitted(let id, let spec, let at):
            w.u8(Tag.submitted.rawValue); w.u64(id); w.i64(at); spec.encode(into: &w)
        case .assigned(let worker, let leases, let at):
            w.u8(Tag.assigned.rawValue); w.string(worker); w.i64(at)
            w.count(leases.count)
            for l in leases { w.u64(l.jobID); w.u32(l.attempt); w.u64(l.token) }
        case .finished(let id, let attempt, let state, let metrics, let message, let at):
            w.u8(Tag.finished.rawValue); w.u64(id); w.u32(attempt); w.u8(state.rawValue)
            w.metricMap(metrics); w.string(message); w.i64(at)
        case .requeued(let id, let cause, let ready, let message, let at):
            w.u8(Tag.requeued.rawValue); w.u64(id); w.u8(cause.rawValue); w.i64(ready); w.string(message); w.i64(at)
        case .held(let id, let cause, let at):
            w.u8(Tag.held.rawValue); w.u64(id); w.u8(cause.rawValue); w.i64(at)
        case .released(let id, let at):
            w.u8(Tag.released.rawValue); w.u64(id); w.i64(at)
        case .cancelled(let id, let at):
            w.u8(Tag.cancelled.rawValue); w.u64(id); w.i64(at)
        case .outputs(let id, let outputs):
            w.u8(Tag.outputs.rawValue); w.u64(id); w.stringMap(outputs)
        case .compactedJobs(let first, let runs):
            w.u8(Tag.compactedJobs.rawValue); w.u64(first); w.count(runs.count)
            for run in runs { w.u8(run.state.rawValue); w.u32(run.count) }
        case .idempotencyKeys(let keys):
            w.u8(Tag.idempotencyKeys.rawValue); w.count(keys.count)
            for k in keys { w.string(k.key); w.u64(k.job) }
        case .tally(let tally):
            w.u8(Tag.tally.rawValue); tally.encode(into: &w)
        }
    }

    public static func decode(from r: inout ByteReader) throws(DecodeError) -> JournalRecord {
        let t = try r.u8("record.tag")
        guard let tag = Tag(rawValue: t) else { throw .invalidValue(field: "record.tag", value: Int(t)) }
        switch tag {
        case .epoch:
            return .epoch(try r.u64("epoch"), atMs: try r.i64("at"))
        case .submitted:
            let id = try r.u64("job")
            let at = try r.i64("at")
            return .submitted(id, try JobSpec.decode(from: &r), atMs: at)
        case .assigned:
            let worker = try r.string("worker")
            let at = try r.i64("at")
            let n = try r.count("leases", limit: Int(Int32.max), minElementSize: 20)
            var leases: [Lease] = []
            leases.reserveCapacity(n)
            for _ in 0..<n {
                leases.append(Lease(jobID: try r.u64("job"), attempt: try r.u32("attempt"), token: try r.u64("token")))
            }
            return .assigned(worker: worker, leases: leases, atMs: at)
        case .finished:
            let id = try r.u64("job")
            let attempt = try r.u32("attempt")
            let s = try r.u8("state")
            guard let state = JobState(rawValue: s), state.isTerminal else { throw .invalidValue(field: "state", value: Int(s)) }
            return .finished(id, attempt: attempt, state: state, metrics: try r.metricMap("metrics"),
                             message: try r.string("message"), atMs: try r.i64("at"))
        case .requeued:
            let id = try r.u64("job")
            let c = try r.u8("cause")
            guard let cause = Cause(rawValue: c) else { throw .invalidValue(field: "cause", value: Int(c)) }
            return .requeued(id, cause: cause, readyAtMs: try r.i64("ready"), message: try r.string("message"), atMs: try r.i64("at"))
        case .held:
            let id = try r.u64("job")
            let c = try r.u8("cause")
            guard let cause = Cause(rawValue: c) else { throw .invalidValue(field: "cause", value: Int(c)) }
            return .held(id, cause: cause, atMs: try r.i64("at"))
        case .released:
            return .released(try r.u64("job"), atMs: try r.i64("at"))
        case .cancelled:
            return .cancelled(try r.u64("job"), atMs: try r.i64("at"))
        case .outputs:
            return .outputs(try r.u64("job"), try r.stringMap("outputs"))
        case .compactedJobs:
            let first = try r.u64("first")
            let n = try r.count("runs", limit: Int(Int32.max), minElementSize: 5)
            var runs: [StateRun] = []
            runs.reserveCapacity(n)
            for _ in 0..<n {
                let s = try r.u8("run.state")
                guard let state = JobState(rawValue: s), state.isTerminal else { throw .invalidValue(field: "run.state", value: Int(s)) }
                runs.append(StateRun(state: state, count: try r.u32("run.count")))
            }
            return .compactedJobs(first: first, runs: runs)
        case .idempotencyKeys:
            let n = try r.count("keys", limit: Int(Int32.max), minElementSize: 12)
            var keys: [KeyedJob] = []
            keys.reserveCapacity(n)
            for _ in 0..<n { keys.append(KeyedJob(key: try r.string("key"), job: try r.u64("key.job"))) }
            return .idempotencyKeys(keys)
        case .tally:
            return .tally(try JournalTally.decode(from: &r))
        }
    }

    /// Encodes records as one journal batch: a count, then the records.
    public static func encodeBatch(_ records: [JournalRecord]) -> [UInt8] {
        var w = ByteWriter(capacity: 16 + records.count * 48)
        w.u32(UInt32(records.count))
        for r in records { r.encode(into: &w) }
        return w.bytes
    }

    public static func decodeBatch(_ bytes: [UInt8]) throws(DecodeError) -> [JournalRecord] {
        var r = ByteReader(bytes)
        // Every record takes at least 5 bytes (tag + a count): bounds what a count can reserve.
        let n = try r.count("batch", limit: Int(Int32.max), minElementSize: 5)
        var out: [JournalRecord] = []
        out.reserveCapacity(n)
        for _ in 0..<n { out.append(try decode(from: &r)) }
        try r.finish()
        return out
    }
}
