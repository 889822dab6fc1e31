import DroverProtocol

extension CoordinatorCore {
    /// A client submits jobs. All-or-nothing: either every new job is journaled (and the
    /// SUBMITTED reply waits for that commit) or the queue bound answers BUSY and nothing
    /// is written. Jobs whose idempotency key is known return the existing id.
    public mutating func submit(from peer: [UInt8], requestID: UInt64, watch: Bool, specs: [JobSpec], now: Int64) {
        if let problem = specs.lazy.compactMap({ CoordinatorCore.problem(in: $0) }).first {
            effects.toClients.append((peer, .error(requestID: requestID, .badRequest, problem)))
            return
        }
        var fresh = 0
        var seenKeys: Set<String> = []
        for s in specs {
            guard let key = s.idempotencyKey else { fresh += 1; continue }
            if idempotency[key] == nil, seenKeys.insert(key).inserted { fresh += 1 }
        }
        if waitingCount + fresh > config.maxQueued {
            effects.toClients.append((peer, .busy(requestID: requestID, retryAfterMs: config.busyRetryAfterMs,
                                                  queued: UInt64(waitingCount), limit: UInt64(config.maxQueued))))
            return
        }
        var ids: [JobID] = []
        ids.reserveCapacity(specs.count)
        for s in specs {
            if let key = s.idempotencyKey, let existing = idempotency[key] {
                ids.append(existing)
                continue
            }
            let id = nextJobID
            record(.submitted(id, s, atMs: now))
            ids.append(id)
        }
        if watch { self.watch(from: peer, jobIDs: ids) }
        effects.toClients.append((peer, .submitted(requestID: requestID, jobIDs: ids)))
    }

    /// A client asks to be told when these jobs end; terminal ones are reported at once.
    public mutating func watch(from peer: [UInt8], jobIDs: [JobID]) {
        let client = clientSlot(peer)
        var seen: Set<JobID> = []
        // A repeated id (one key twice in a batch) must not earn a second DONE.
        for id in jobIDs where seen.insert(id).inserted {
            if let state = evictedState(id) {
                pendingDone[client, default: []].append(ClientReply.DoneJob(jobID: id, state: state))
                continue
            }
            guard let i = index(id) else { continue }
            if jobs[i].state.isTerminal {
                pendingDone[client, default: []].append(ClientReply.DoneJob(jobID: id, state: jobs[i].state))
            } else {
                if let previous = watchers.updateValue(client, forKey: id) {
                    clientWatches[Int(previous)] -= 1
                    if clientWatches[Int(previous)] == 0 { idleClients.append(previous) }
                }
                clientWatches[Int(client)] += 1
            }
        }
        if clientWatches[Int(client)] == 0 { idleClients.append(client) } // everything had ended already
    }

    mutating func clientSlot(_ peer: [UInt8]) -> Int32 {
        if let i = clientIndex[peer] { return i }
        let i: Int32
        if let free = freeClientSlots.popLast() {
            i = free
            clients[Int(i)] = peer
            clientWatches[Int(i)] = 0
        } else {
            clients.append(peer)
            clientWatches.append(0)
            i = Int32(clients.count - 1)
        }
        clientIndex[peer] = i
        return i
    }

    /// Frees the slots of clients whose watches all ended (after their DONE messages were
    /// flushed). Only the candidates noted since the last flush are looked at.
    mutating func recycleIdleClients() {
        for i in idleClients where clientWatches[Int(i)] == 0 && !clients[Int(i)].isEmpty {
            clientIndex[clients[Int(i)]] = nil
            clients[Int(i)] = []
            freeClientSlots.append(i)
        }
        idleClients.removeAll(keepingCapacity: true)
    }

    /// Why a job spec cannot be accepted, or nil.
    static func problem(in spec: JobSpec) -> String? {
        if spec.kind.isEmpty { return "job kind is empty; give a kind such as noop, sleep, echo or fail" }
        if spec.tags.contains(where: { $0.isEmpty || $0.contains(",") }) {
            return "job tag is empty or contains a comma; tags are single words such as gpu"
        }
        return nil
    }
}
