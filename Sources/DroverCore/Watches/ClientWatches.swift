import DroverProtocol

/// Clients waiting to hear that jobs ended (DONE). Each client gets a small slot while it has
/// open watches; a slot whose watches all ended is recycled at once, so one-shot CLI clients do
/// not accumulate (bounded everything).
public struct ClientWatches: Sendable {
    /// Open watches: job → client slot.
    var watchers = TokenMap<Int32>()
    var clients: [[UInt8]] = []
    var clientIndex: [[UInt8]: Int32] = [:]
    /// Open watches per client slot.
    var openCount: [Int] = []
    var freeSlots: [Int32] = []

    public init() {}

    /// Clients holding a slot (with at least one open watch).
    public var activeClients: Int { clientIndex.count }

    /// A client asks to hear when these jobs end. Returns DONE entries for jobs that already
    /// ended (`state` gives a job's state, nil if unknown); the others are watched. A repeated
    /// id earns one DONE.
    mutating func watch(_ peer: [UInt8], jobIDs: [JobID], state: (JobID) -> JobState?) -> [ClientReply.DoneJob] {
        let client = slot(peer)
        var done: [ClientReply.DoneJob] = []
        var seen: Set<JobID> = []
        for id in jobIDs where seen.insert(id).inserted {
            guard let s = state(id) else { continue }
            if s.isTerminal {
                done.append(ClientReply.DoneJob(jobID: id, state: s))
            } else {
                let previous = watchers.updateValue(client, forKey: id)
                if previous == client { continue } // already watched by this client
                if let previous { drop(previous) } // another client's watch moves here
                openCount[Int(client)] += 1
            }
        }
        if openCount[Int(client)] == 0 { recycle(client) } // everything had ended already
        return done
    }

    /// A job ended: the client watching it (if any) and its DONE entry.
    mutating func ended(_ job: JobEnded) -> (peer: [UInt8], done: ClientReply.DoneJob)? {
        guard let client = watchers.remove(job.id) else { return nil }
        let peer = clients[Int(client)]
        drop(client)
        return (peer, ClientReply.DoneJob(jobID: job.id, state: job.state))
    }

    private mutating func drop(_ client: Int32) {
        openCount[Int(client)] -= 1
        if openCount[Int(client)] == 0 { recycle(client) }
    }

    private mutating func slot(_ peer: [UInt8]) -> Int32 {
        if let i = clientIndex[peer] { return i }
        let i: Int32
        if let free = freeSlots.popLast() {
            i = free
            clients[Int(i)] = peer
            openCount[Int(i)] = 0
        } else {
            clients.append(peer)
            openCount.append(0)
            i = Int32(clients.count - 1)
        }
        clientIndex[peer] = i
        return i
    }

    private mutating func recycle(_ client: Int32) {
        guard !clients[Int(client)].isEmpty else { return }
        clientIndex[clients[Int(client)]] = nil
        clients[Int(client)] = []
        freeSlots.append(client)
    }
}
