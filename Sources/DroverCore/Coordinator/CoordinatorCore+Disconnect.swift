import DroverProtocol

extension CoordinatorCore {
    /// The shell saw the worker's connection close at `closedAtMs` and, after a short grace, found
    /// its routing id unroutable. If the worker had been talking until then (heard from within
    /// `disconnectSilenceMs`), it died or exited: its attempts are re-queued now instead of at
    /// lease expiry. A connection that closed after a longer silence was timed out by the
    /// transport (a partition, a stopped process): the lease decides, so an attempt that may
    /// still be running is not started elsewhere early.
    public mutating func workerDisconnected(_ peer: [UInt8], closedAtMs: Int64, now: Int64) {
        guard let worker = workers[peer], closedAtMs - worker.lastSeenMs <= config.disconnectSilenceMs else { return }
        removeDeadWorker(peer, now: now)
    }

    /// Forgets a worker and re-queues every attempt it held.
    mutating func removeDeadWorker(_ peer: [UInt8], now: Int64) {
        guard let entry = workers.removeValue(forKey: peer) else { return }
        for (id, token) in entry.outstanding.sorted(by: { $0.key < $1.key }) {
            requeueLost(id, token: token, cause: nil, now: now)
        }
    }
}
