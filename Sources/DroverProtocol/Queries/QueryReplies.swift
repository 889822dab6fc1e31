/// JSON replies to client queries and commands. These are the `--json` output of the CLI as
/// well, so their field names are part of the public interface (docs/protocol.md).

/// `status`: the cluster at a glance.
public struct ClusterStatus: Codable, Sendable, Equatable {
    public var epoch: UInt64
    public var uptimeSeconds: Double
    /// Job count per state name (`queued`, `running`, `succeeded`, …), every state present.
    public var jobs: [String: Int]
    public var workers: WorkerCounts
    public var queueLimit: Int
    public var journal: String
    /// Frames rejected as malformed or of another protocol version since start.
    public var rejectedFrames: Int
    /// Results discarded because their lease was superseded (late or duplicate) since start.
    public var discardedResults: Int
    /// Since the coordinator started: time from queued to assigned, and from assigned to the
    /// attempt's end (absent from older coordinators).
    public var queueWait: LatencyHistogram?
    public var runTime: LatencyHistogram?

    public struct WorkerCounts: Codable, Sendable, Equatable {
        public var alive: Int
        public var suspect: Int
        public var slots: Int
        public init(alive: Int, suspect: Int, slots: Int) {
            self.alive = alive
            self.suspect = suspect
            self.slots = slots
        }
    }

    public init(epoch: UInt64, uptimeSeconds: Double, jobs: [String: Int], workers: WorkerCounts, queueLimit: Int, journal: String,
                rejectedFrames: Int = 0, discardedResults: Int = 0, queueWait: LatencyHistogram? = nil, runTime: LatencyHistogram? = nil) {
        self.queueWait = queueWait
        self.runTime = runTime
        self.rejectedFrames = rejectedFrames
        self.discardedResults = discardedResults
        self.epoch = epoch
        self.uptimeSeconds = uptimeSeconds
        self.jobs = jobs
        self.workers = workers
        self.queueLimit = queueLimit
        self.journal = journal
    }
}

/// One state change with its cause: the answer to "why is this job not running?".
public struct TransitionInfo: Codable, Sendable, Equatable {
    public var state: String
    public var cause: String
    public var attempt: UInt32
    public var worker: String?
    /// Milliseconds since the Unix epoch.
    public var atMs: Int64

    public init(state: String, cause: String, attempt: UInt32, worker: String?, atMs: Int64) {
        self.state = state
        self.cause = cause
        self.attempt = attempt
        self.worker = worker
        self.atMs = atMs
    }
}

/// `job`: one job in full.
public struct JobInfo: Codable, Sendable, Equatable {
    public var id: JobID
    public var kind: String
    public var state: String
    public var priority: String
    public var params: [String: String]
    public var tags: [String]
    public var attempt: UInt32
    public var worker: String?
    public var metrics: [String: Double]
    /// Artifacts the job produced (name → `sha256:` digest); absent when none.
    public var outputs: [String: String]?
    public var message: String?
    public var history: [TransitionInfo]
    /// Why the job is where it is now, in one sentence.
    public var reason: String

    public init(id: JobID, kind: String, state: String, priority: String, params: [String: String], tags: [String],
                attempt: UInt32, worker: String?, metrics: [String: Double], message: String?,
                history: [TransitionInfo], reason: String, outputs: [String: String]? = nil) {
        self.outputs = outputs
        self.id = id
        self.kind = kind
        self.state = state
        self.priority = priority
        self.params = params
        self.tags = tags
        self.attempt = attempt
        self.worker = worker
        self.metrics = metrics
        self.message = message
        self.history = history
        self.reason = reason
    }
}

/// `jobs`: one row of the listing.
public struct JobSummary: Codable, Sendable, Equatable {
    public var id: JobID
    public var kind: String
    public var state: String
    public var attempt: UInt32
    public var worker: String?
    public init(id: JobID, kind: String, state: String, attempt: UInt32, worker: String?) {
        self.id = id
        self.kind = kind
        self.state = state
        self.attempt = attempt
        self.worker = worker
    }
}

/// `workers`: one row per connected worker.
public struct WorkerInfo: Codable, Sendable, Equatable {
    public var name: String
    public var state: String
    public var slots: Int
    public var credit: Int
    public var running: Int
    public var tags: [String]
    public var lastSeenMsAgo: Int64
    public var completed: Int

    public init(name: String, state: String, slots: Int, credit: Int, running: Int, tags: [String], lastSeenMsAgo: Int64, completed: Int) {
        self.name = name
        self.state = state
        self.slots = slots
        self.credit = credit
        self.running = running
        self.tags = tags
        self.lastSeenMsAgo = lastSeenMsAgo
        self.completed = completed
    }
}

/// Error body of a REPLY with a non-zero code.
public struct QueryError: Codable, Sendable {
    public var error: String
    public init(error: String) { self.error = error }
}
