import DroverProtocol

/// Fencing tokens: the epoch in the high 32 bits, a counter in the low ones, so a token from an
/// earlier coordinator epoch can never match a current attempt.
struct LeaseTokens: Sendable {
    private(set) var epoch: UInt64 = 0
    private var counter: UInt64 = 0

    mutating func begin(epoch e: UInt64) {
        epoch = max(epoch, e)
        counter = 0
    }

    mutating func next() -> UInt64 {
        counter += 1
        return (epoch << 32) | counter
    }
}

/// What dispatch gave one worker: the leases to journal and the ASSIGN to send after the commit.
struct WorkerLeases: Sendable {
    var peer: [UInt8]
    var worker: String
    var leases: [Lease]
    var assignments: [Assignment]
}

/// Shares ready jobs out to alive workers with credit, in rounds, so that one worker does not
/// take everything while others wait. Never exceeds a worker's credit or `maxAssignBatch` per
/// ASSIGN. Takes jobs from the table's ready queue and credit from the membership; journaling
/// the leases is the caller's (`CoordinatorCore.dispatch(now:)`).
struct Dispatcher: Sendable {
    let maxAssignBatch: Int

    func plan(jobs: inout JobTable, workers: inout Membership, tokens: inout LeaseTokens) -> [WorkerLeases] {
        var queued = jobs.count(.queued)
        guard queued > 0 else { return [] }
        var given: [[UInt8]: Int] = [:]
        var out: [WorkerLeases] = []
        var eligible = workers.eligible()
        while queued > 0, !eligible.isEmpty {
            let share = max(1, (queued + eligible.count - 1) / eligible.count)
            var next: [[UInt8]] = []
            for peer in eligible {
                let batch = lease(upTo: share, to: peer, jobs: &jobs, workers: &workers, tokens: &tokens)
                queued -= batch.leases.count
                if let at = given[peer] {
                    out[at].leases += batch.leases
                    out[at].assignments += batch.assignments
                } else if !batch.leases.isEmpty {
                    given[peer] = out.count
                    out.append(batch)
                }
                if batch.leases.count == share, workers[peer]!.credit > 0 { next.append(peer) }
            }
            eligible = next
        }
        return out
    }

    /// Leases up to `limit` ready jobs whose tags the worker offers.
    private func lease(upTo limit: Int, to peer: [UInt8], jobs: inout JobTable, workers: inout Membership,
                       tokens: inout LeaseTokens) -> WorkerLeases {
        // Copies of the fields only: holding the whole entry would copy its outstanding table on write.
        let (name, credit, tags) = workers[peer].map { ($0.name, $0.credit, $0.tags) }!
        let budget = min(limit, credit, maxAssignBatch)
        var batch = WorkerLeases(peer: peer, worker: name, leases: [], assignments: [])
        while batch.leases.count < budget, let id = jobs.ready.pop(offering: tags) {
            guard let i = jobs.index(id), jobs.jobs[i].state == .queued else { continue } // stale entry (cancelled)
            let job = jobs.jobs[i]
            let lease = Lease(jobID: id, attempt: job.attempt + 1, token: tokens.next())
            batch.leases.append(lease)
            batch.assignments.append(Assignment(jobID: id, attempt: lease.attempt, token: lease.token, kind: job.spec.kind,
                                                params: job.spec.params, timeoutMs: job.spec.timeoutMs))
        }
        workers.lease(batch.leases, to: peer)
        return batch
    }
}
