import DroverProtocol

/// The records a journal snapshot adds to the ordinary ones (docs/architecture.md, "Journal
/// compaction"): a snapshot is a list of journal records, so recovery stays `apply(record)`.

/// `count` consecutive jobs that all ended in `state`.
public struct StateRun: Sendable, Equatable {
    public var state: JobState
    public var count: UInt32

    public init(state: JobState, count: UInt32) {
        self.state = state
        self.count = count
    }
}

/// An idempotency key and the job it names.
public struct KeyedJob: Sendable, Equatable {
    public var key: String
    public var job: JobID

    public init(key: String, job: JobID) {
        self.key = key
        self.job = job
    }
}

/// What compaction dropped, for `drover journal audit`: it counts attempts and re-queues and
/// checks exactly-once, so the violations seen in the dropped records travel on as numbers.
/// (Idempotency keys need no tally: every key stays, in `idempotencyKeys` or a kept submission.)
public struct JournalTally: Sendable, Equatable {
    /// Leases granted (one per attempt).
    public var attempts: UInt64 = 0
    /// Re-queues by cause (indexed by `Cause.rawValue`).
    public var requeues: [Cause: UInt64] = [:]
    /// Results or cancellations recorded for a job that had already ended.
    public var duplicates: UInt64 = 0
    /// Results or cancellations for jobs never accepted.
    public var orphans: UInt64 = 0
    /// Ids of a few offending jobs.
    public var examples: [JobID] = []

    public init() {}

    public mutating func add(_ other: JournalTally) {
        attempts += other.attempts
        for (cause, n) in other.requeues { requeues[cause, default: 0] += n }
        duplicates += other.duplicates
        orphans += other.orphans
        noteExamples(other.examples)
    }

    mutating func noteExamples(_ ids: [JobID]) {
        for id in ids where examples.count < 10 { examples.append(id) }
    }

    func encode(into w: inout ByteWriter) {
        w.u64(attempts)
        let causes = requeues.sorted { $0.key.rawValue < $1.key.rawValue }
        w.count(causes.count)
        for (cause, n) in causes { w.u8(cause.rawValue); w.u64(n) }
        w.u64(duplicates); w.u64(orphans)
        w.count(examples.count)
        for id in examples { w.u64(id) }
    }

    static func decode(from r: inout ByteReader) throws(DecodeError) -> JournalTally {
        var t = JournalTally()
        t.attempts = try r.u64("tally.attempts")
        let n = try r.count("tally.requeues", limit: 256, minElementSize: 9)
        for _ in 0..<n {
            let c = try r.u8("tally.cause")
            guard let cause = Cause(rawValue: c) else { throw .invalidValue(field: "tally.cause", value: Int(c)) }
            t.requeues[cause] = try r.u64("tally.requeued")
        }
        t.duplicates = try r.u64("tally.duplicates")
        t.orphans = try r.u64("tally.orphans")
        let e = try r.count("tally.examples", limit: 10, minElementSize: 8)
        for _ in 0..<e { t.examples.append(try r.u64("tally.example")) }
        return t
    }
}
