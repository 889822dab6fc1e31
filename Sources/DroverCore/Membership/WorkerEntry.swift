import DroverProtocol

/// Liveness of a connected worker (Paranoid Pirate): alive → suspect after `liveness`
/// missed heartbeats (no new work) → dead at lease expiry (attempts re-queued).
public enum WorkerLiveness: String, Sendable {
    case alive, suspect
}

/// One connected worker as the coordinator sees it.
public struct WorkerEntry: Sendable {
    /// ZeroMQ routing id on the worker socket.
    public var peer: [UInt8]
    public var name: String
    /// Index into the core's name table (stable across reconnects of the same name).
    public var nameIndex: Int32
    public var slots: Int
    public var tags: Set<String>
    /// Slots granted and not yet used by an assignment.
    public var credit: Int
    /// Attempts on this worker that have not reported: job id → lease token.
    public var outstanding: [JobID: UInt64]
    public var lastSeenMs: Int64
    public var liveness: WorkerLiveness
    public var completed: Int

    public init(peer: [UInt8], name: String, nameIndex: Int32, slots: Int, tags: Set<String>, credit: Int, now: Int64) {
        self.peer = peer
        self.name = name
        self.nameIndex = nameIndex
        self.slots = slots
        self.tags = tags
        self.credit = credit
        outstanding = [:]
        lastSeenMs = now
        liveness = .alive
        completed = 0
    }
}

extension WorkerEntry {
    /// Leases handed to this worker: outstanding, each using one credit.
    mutating func hold(_ leases: [Lease]) {
        credit -= leases.count
        for l in leases { outstanding[l.jobID] = l.token }
    }

    /// Reported attempts leave `outstanding` (a superseded token does not).
    mutating func settle(_ leases: some Sequence<Lease>) {
        for l in leases where outstanding[l.jobID] == l.token {
            outstanding[l.jobID] = nil
            completed += 1
        }
    }
}
