/// Where a job is in its lifecycle (docs/protocol.md, "Job lifecycle").
///
///     queued → assigned → running → succeeded | failed | cancelled | timedOut
///        ↑________ retryWait ←_______|  (failure within budget, worker lost)
///     held: poison (present at too many worker deaths); released by an operator.
public enum JobState: UInt8, Sendable, Codable, CaseIterable {
    case queued = 0, assigned, running, retryWait, held
    case succeeded, failed, cancelled, timedOut

    public var isTerminal: Bool { rawValue >= JobState.succeeded.rawValue }

    public var name: String {
        switch self {
        case .queued: "queued"
        case .assigned: "assigned"
        case .running: "running"
        case .retryWait: "retry-wait"
        case .held: "held"
        case .succeeded: "succeeded"
        case .failed: "failed"
        case .cancelled: "cancelled"
        case .timedOut: "timed-out"
        }
    }

    public init?(name: String) {
        guard let s = JobState.allCases.first(where: { $0.name == name }) else { return nil }
        self = s
    }
}

/// How one attempt ended, as the worker reports it.
public enum Outcome: UInt8, Sendable, Codable, Equatable {
    case succeeded = 0
    /// The job's own code failed; retried within the job's `maxRetries`.
    case failed = 1
    /// Stopped on request (a CANCEL from the coordinator, or worker shutdown).
    case cancelled = 2
    /// Ran past its `timeoutMs` and was stopped by the worker.
    case timedOut = 3
    /// The worker gives the job back unrun or interrupted (shutdown): requeued, not counted.
    case handedBack = 4
}
