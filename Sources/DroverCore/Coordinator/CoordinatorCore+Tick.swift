import DroverProtocol

extension CoordinatorCore {
    /// Advances time: heartbeats out, worker liveness (suspect, dead), retry backoffs,
    /// attempt deadlines and the post-restart reclaim window. The shell calls it every
    /// `tickMs` (a quarter of the heartbeat, at most 50 ms).
    public mutating func tick(now: Int64) {
        if now - lastHeartbeatMs >= config.heartbeatMs {
            lastHeartbeatMs = now
            for peer in workers.keys { effects.toWorkers.append((peer, .heartbeat)) }
        }
        checkLiveness(now: now)
        for (due, id) in retryTimers.popDue(now: now) {
            guard let i = index(id), jobs[i].state == .retryWait, jobs[i].timerMs == due else { continue }
            setState(id, .queued, cause: .backoffElapsed, at: now)
            enqueue(id)
        }
        for (due, id) in deadlineTimers.popDue(now: now) {
            guard let i = index(id), jobs[i].state == .assigned || jobs[i].state == .running,
                  jobs[i].timerMs == due else { continue }
            let lease = Lease(jobID: id, attempt: jobs[i].attempt, token: jobs[i].token)
            record(.finished(id, attempt: lease.attempt, state: .timedOut, metrics: [:],
                             message: "no result within timeout + \(config.timeoutGraceMs) ms grace", atMs: now))
            sendCancel(lease)
        }
        if let deadline = reclaimDeadline, now >= deadline {
            reclaimDeadline = nil
            for id in unclaimed.sorted() {
                guard let i = index(id), jobs[i].state == .assigned || jobs[i].state == .running else { continue }
                record(.requeued(id, cause: .unclaimedAfterRestart, readyAtMs: now, message: "", atMs: now))
            }
            unclaimed.removeAll()
        }
    }

    mutating func checkLiveness(now: Int64) {
        var dead: [[UInt8]] = []
        for (peer, w) in workers {
            let silence = now - w.lastSeenMs
            if silence > config.leaseMs {
                dead.append(peer)
            } else if silence > config.suspectAfterMs, w.liveness == .alive {
                workers[peer]!.liveness = .suspect
            }
        }
        // Sorted: dictionary order varies per process (seeded hashing); journal order must not.
        for peer in dead.sorted(by: { $0.lexicographicallyPrecedes($1) }) { removeDeadWorker(peer, now: now) }
    }

    /// Sends CANCEL for an attempt to whichever worker holds it.
    mutating func sendCancel(_ lease: Lease) {
        for (peer, w) in workers where w.outstanding[lease.jobID] == lease.token {
            effects.toWorkers.append((peer, .cancel([lease])))
        }
    }
}
