import DroverProtocol

extension CoordinatorCore {
    /// Advances time: heartbeats out, worker liveness (suspect, dead), retry backoffs,
    /// attempt deadlines and the post-restart reclaim window. The shell calls it every
    /// `tickMs` (a quarter of the heartbeat, at most 50 ms).
    public mutating func tick(now: Int64) -> Effects {
        if now - lastHeartbeatMs >= config.heartbeatMs {
            lastHeartbeatMs = now
            for peer in members.workers.keys { out.toWorkers.append((peer, .heartbeat)) }
        }
        for peer in members.expired(now: now, suspectAfterMs: config.suspectAfterMs, leaseMs: config.leaseMs) {
            removeDeadWorker(peer, now: now)
        }
        table.releaseDueRetries(now: now)
        for lease in table.popDueDeadlines(now: now) {
            record(.finished(lease.jobID, attempt: lease.attempt, state: .timedOut, metrics: [:],
                             message: "no result within timeout + \(config.timeoutGraceMs) ms grace", atMs: now))
            sendCancel(lease)
        }
        if let deadline = reclaimDeadline, now >= deadline {
            reclaimDeadline = nil
            for id in unclaimed.sorted() {
                guard let job = table.job(id), job.state == .assigned || job.state == .running else { continue }
                record(.requeued(id, cause: .unclaimedAfterRestart, readyAtMs: now, message: "", atMs: now))
            }
            unclaimed.removeAll()
        }
        return finish()
    }

    /// Sends CANCEL for an attempt to whichever worker holds it.
    mutating func sendCancel(_ lease: Lease) {
        for peer in members.holders(of: lease) { out.toWorkers.append((peer, .cancel([lease]))) }
    }
}
