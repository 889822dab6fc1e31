import DroverProtocol

/// The coordinator's in-memory view of one job. Kept compact: a million queued jobs must
/// fit well under 512 MiB (issue #2), so strings live only in `spec` and history lives in
/// the shared `TransitionLog`.
public struct JobRecord: Sendable {
    public var spec: JobSpec
    public var state: JobState
    /// 1-based attempt number of the current (or last) attempt; 0 before the first.
    public var attempt: UInt32
    /// Fencing token of the current attempt; 0 when none is leased.
    public var token: UInt64
    /// Worker holding the current attempt (index into the worker name table), -1 if none.
    public var workerName: Int32
    public var appFailures: UInt16
    /// Times the job was running on a worker that died (the poison counter).
    public var workerLosses: UInt16
    /// When a retry-wait ends, or when a running attempt's deadline passes (monotonic ms).
    public var timerMs: Int64
    public var metrics: [String: Double]
    /// Artifacts the succeeded attempt produced (name → digest); empty for most kinds.
    public var outputs: [String: String] = [:]
    public var message: String
    /// Index of the newest transition in the `TransitionLog`, -1 if none.
    public var lastTransition: Int32

    public init(spec: JobSpec) {
        self.spec = spec
        state = .queued
        attempt = 0
        token = 0
        workerName = -1
        appFailures = 0
        workerLosses = 0
        timerMs = 0
        metrics = [:]
        message = ""
        lastTransition = -1
    }
}

/// One recorded state change.
public struct Transition: Sendable {
    public var state: JobState
    public var cause: Cause
    public var attempt: UInt32
    public var workerName: Int32
    public var atMs: Int64
    /// The job's previous transition, -1 for the first.
    public var previous: Int32
}

/// All transitions of all jobs in one contiguous array, linked per job from newest to
/// oldest: no per-job allocation.
public struct TransitionLog: Sendable {
    public private(set) var entries: ContiguousArray<Transition> = []

    public mutating func append(_ t: Transition) -> Int32 {
        entries.append(t)
        return Int32(entries.count - 1)
    }

    /// A job's transitions, oldest first.
    public func history(from newest: Int32) -> [Transition] {
        var out: [Transition] = []
        var i = newest
        while i >= 0 {
            out.append(entries[Int(i)])
            i = entries[Int(i)].previous
        }
        return out.reversed()
    }
}
