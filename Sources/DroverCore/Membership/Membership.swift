import DroverProtocol

/// The workers in session with the coordinator: who they are, their credit, what each holds,
/// and their liveness (Paranoid Pirate). Knows jobs only by id and lease token.
public struct Membership: Sendable {
    public internal(set) var workers: [[UInt8]: WorkerEntry] = [:]

    public init() {}

    public subscript(peer: [UInt8]) -> WorkerEntry? { workers[peer] }

    /// The session of a worker by name (a reconnect arrives on a new routing id).
    func peer(named name: String) -> [UInt8]? {
        workers.first(where: { $0.value.name == name })?.key
    }

    mutating func join(_ entry: WorkerEntry) { workers[entry.peer] = entry }

    mutating func leave(_ peer: [UInt8]) -> WorkerEntry? { workers.removeValue(forKey: peer) }

    /// Any message from a worker is a heartbeat. False if the peer has no session.
    mutating func heard(_ peer: [UInt8], now: Int64) -> Bool {
        guard workers[peer] != nil else { return false }
        workers[peer]!.lastSeenMs = now
        workers[peer]!.liveness = .alive
        return true
    }

    mutating func addCredit(_ peer: [UInt8], _ n: UInt32) {
        guard let credit = workers[peer]?.credit else { return }
        // Bounded: a worker cannot claim more than a million slots.
        workers[peer]!.credit = min(credit + Int(n), 1_000_000)
    }

    /// Hands leases to a worker: they become outstanding and use its credit.
    /// (One lookup of the peer per message, not per lease: hashing its routing id was a
    /// measurable part of a no-op job's coordinator time.)
    mutating func lease(_ leases: [Lease], to peer: [UInt8]) {
        workers[peer]?.hold(leases)
    }

    /// A worker reported these attempts: they are no longer outstanding there.
    mutating func settle(_ leases: some Sequence<Lease>, from peer: [UInt8]) {
        workers[peer]?.settle(leases)
    }

    /// The workers holding this attempt (at most one, unless a reconnect raced).
    func holders(of lease: Lease) -> [[UInt8]] {
        workers.compactMap { $0.value.outstanding[lease.jobID] == lease.token ? $0.key : nil }
    }

    /// Alive workers with credit, in a fixed order (dispatch must not depend on hash seeds).
    func eligible() -> [[UInt8]] {
        workers.values.filter { $0.liveness == .alive && $0.credit > 0 }.map(\.peer)
            .sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// Marks workers silent past `suspectAfterMs` suspect and returns those silent past `leaseMs`
    /// (dead), sorted: dictionary order varies per process, journal order must not.
    mutating func expired(now: Int64, suspectAfterMs: Int64, leaseMs: Int64) -> [[UInt8]] {
        var dead: [[UInt8]] = []
        for (peer, w) in workers {
            let silence = now - w.lastSeenMs
            if silence > leaseMs {
                dead.append(peer)
            } else if silence > suspectAfterMs, w.liveness == .alive {
                workers[peer]!.liveness = .suspect
            }
        }
        return dead.sorted { $0.lexicographicallyPrecedes($1) }
    }

    public func counts() -> ClusterStatus.WorkerCounts {
        ClusterStatus.WorkerCounts(
            alive: workers.values.filter { $0.liveness == .alive }.count,
            suspect: workers.values.filter { $0.liveness == .suspect }.count,
            slots: workers.values.reduce(0) { $0 + $1.slots })
    }

    public func infos(now: Int64) -> [WorkerInfo] {
        workers.values.sorted { $0.name < $1.name }.map { w in
            WorkerInfo(name: w.name, state: w.liveness.rawValue, slots: w.slots, credit: w.credit,
                       running: w.outstanding.count, tags: w.tags.sorted(), lastSeenMsAgo: now - w.lastSeenMs,
                       completed: w.completed)
        }
    }
}
