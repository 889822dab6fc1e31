import DroverProtocol

extension JobTable {
    /// Evicts the oldest finished jobs once more than `retainFinished` of them lead the job
    /// table, in batches of at least half that (so the transition log's compaction, linear in
    /// what remains, is amortised). Only a finished *prefix* is evicted: ids stay dense and a
    /// job's index stays `id - evictedCount - 1`. A job still running far behind the head
    /// holds back eviction of everything after it.
    mutating func evictFinished() {
        while finishedPrefix < jobs.count, jobs[finishedPrefix].state.isTerminal { finishedPrefix += 1 }
        let batch = max(retainFinished / 2, 1)
        let excess = finishedPrefix - retainFinished
        guard excess >= batch else { return }
        evictedStates.reserveCapacity(evictedCount + excess)
        for i in 0..<excess { evictedStates.append(jobs[i].state.rawValue) }
        jobs.removeFirst(excess)
        evictedCount += excess
        finishedPrefix -= excess
        compactTransitions()
    }

    /// Rebuilds the transition log with only the chains of jobs still in memory.
    mutating func compactTransitions() {
        var log = TransitionLog()
        for i in jobs.indices {
            var previous: Int32 = -1
            for var t in transitions.history(from: jobs[i].lastTransition) {
                t.previous = previous
                previous = log.append(t)
            }
            jobs[i].lastTransition = previous
        }
        transitions = log
    }
}
