import DroverProtocol

/// What the coordinator shell must do after feeding an event to the core: first make
/// `journal` durable, then send the messages (write before acknowledging).
public struct Effects: Sendable {
    public var journal: [JournalRecord] = []
    public var toWorkers: [(peer: [UInt8], message: CoordinatorMessage)] = []
    public var toClients: [(peer: [UInt8], reply: ClientReply)] = []

    public init() {}

    public var isEmpty: Bool { journal.isEmpty && toWorkers.isEmpty && toClients.isEmpty }

    /// Adds another event's effects after these (a batch of events commits once).
    public mutating func append(_ other: Effects) {
        if isEmpty { self = other; return }
        journal += other.journal
        toWorkers += other.toWorkers
        toClients += other.toClients
    }

    /// The same effects with consecutive acknowledgements to one worker, and consecutive DONE
    /// entries to one client, merged into one message: a batch of events sends fewer, larger
    /// messages. Only a peer's latest message is extended, so what each peer receives keeps its
    /// order (a client never sees DONE before the SUBMITTED that named the job).
    public func coalesced() -> Effects {
        var merged = self
        merged.toWorkers = []
        var latest: [[UInt8]: Int] = [:]
        for (peer, message) in toWorkers {
            if case .resultAck(let leases) = message, let at = latest[peer],
               case .resultAck(let earlier) = merged.toWorkers[at].message {
                merged.toWorkers[at].message = .resultAck(earlier + leases)
                continue
            }
            latest[peer] = merged.toWorkers.count
            merged.toWorkers.append((peer, message))
        }
        merged.toClients = []
        latest = [:]
        for (peer, reply) in toClients {
            if case .done(let jobs) = reply, let at = latest[peer], case .done(let earlier) = merged.toClients[at].reply {
                merged.toClients[at].reply = .done(earlier + jobs)
                continue
            }
            latest[peer] = merged.toClients.count
            merged.toClients.append((peer, reply))
        }
        return merged
    }
}
