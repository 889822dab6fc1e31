import DroverProtocol

extension CoordinatorCore {
    /// Leases ready jobs to alive workers with credit, sharing them out in rounds so that
    /// one worker does not take everything while others wait. Never exceeds a worker's credit.
    mutating func dispatch(now: Int64) {
        var queued = stateCounts[Int(JobState.queued.rawValue)]
        guard queued > 0 else { return }
        var eligible = workers.values.filter { $0.liveness == .alive && $0.credit > 0 }.map(\.peer)
        eligible.sort { $0.lexicographicallyPrecedes($1) }
        while queued > 0, !eligible.isEmpty {
            let share = max(1, (queued + eligible.count - 1) / eligible.count)
            var next: [[UInt8]] = []
            for peer in eligible {
                let taken = assign(to: peer, upTo: share, now: now)
                queued -= taken
                if taken == share, workers[peer]!.credit > 0 { next.append(peer) }
            }
            eligible = next
        }
    }

    /// Leases up to `limit` jobs to one worker; returns how many.
    mutating func assign(to peer: [UInt8], upTo limit: Int, now: Int64) -> Int {
        var worker = workers[peer]!
        let budget = min(limit, worker.credit, config.maxAssignBatch)
        var leases: [Lease] = []
        var list = pendingAssign.removeValue(forKey: peer) ?? []
        while leases.count < budget, let id = ready.pop(offering: worker.tags) {
            guard let i = index(id), jobs[i].state == .queued else { continue } // stale entry (cancelled)
            let lease = Lease(jobID: id, attempt: jobs[i].attempt + 1, token: nextToken())
            leases.append(lease)
            worker.outstanding[id] = lease.token
            list.append(Assignment(jobID: id, attempt: lease.attempt, token: lease.token, kind: jobs[i].spec.kind,
                                   params: jobs[i].spec.params, timeoutMs: jobs[i].spec.timeoutMs))
        }
        worker.credit -= leases.count
        workers[peer] = worker
        pendingAssign[peer] = list
        if !leases.isEmpty { record(.assigned(worker: worker.name, leases: leases, atMs: now)) }
        return leases.count
    }
}
