import DroverProtocol

extension CoordinatorCore {
    /// A client submits jobs. All-or-nothing: either every new job is journaled (and the
    /// SUBMITTED reply waits for that commit) or the queue bound answers BUSY and nothing
    /// is written. Jobs whose idempotency key is known return the existing id.
    public mutating func submit(from peer: [UInt8], requestID: UInt64, watch: Bool, specs: [JobSpec], now: Int64) -> Effects {
        if let problem = specs.lazy.compactMap({ CoordinatorCore.problem(in: $0) }).first {
            out.toClients.append((peer, .error(requestID: requestID, .badRequest, problem)))
            return finish()
        }
        var fresh = 0
        var seenKeys: Set<String> = []
        for s in specs {
            guard let key = s.idempotencyKey else { fresh += 1; continue }
            if table.idempotency[key] == nil, seenKeys.insert(key).inserted { fresh += 1 }
        }
        let waiting = table.waitingCount
        if waiting + fresh > config.maxQueued {
            out.toClients.append((peer, .busy(requestID: requestID, retryAfterMs: config.busyRetryAfterMs,
                                              queued: UInt64(waiting), limit: UInt64(config.maxQueued))))
            return finish()
        }
        var ids: [JobID] = []
        ids.reserveCapacity(specs.count)
        for s in specs {
            if let key = s.idempotencyKey, let existing = table.idempotency[key] {
                ids.append(existing)
                continue
            }
            let id = table.nextJobID
            record(.submitted(id, s, atMs: now))
            ids.append(id)
        }
        out.toClients.append((peer, .submitted(requestID: requestID, jobIDs: ids)))
        if watch { startWatching(peer, ids) } // DONE for already-ended jobs follows SUBMITTED
        return finish()
    }

    /// A client asks to be told when these jobs end; ended ones are reported at once.
    public mutating func watch(from peer: [UInt8], jobIDs: [JobID]) -> Effects {
        startWatching(peer, jobIDs)
        return finish()
    }

    private mutating func startWatching(_ peer: [UInt8], _ ids: [JobID]) {
        let table = self.table
        reportDone(watches.watch(peer, jobIDs: ids, state: { table.state(of: $0) }), to: peer)
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
