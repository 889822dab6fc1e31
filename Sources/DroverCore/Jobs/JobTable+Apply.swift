import DroverProtocol

/// A job that reached a terminal state: what client watches (and later a pipeline planner) follow.
public struct JobEnded: Equatable, Sendable {
    public var id: JobID
    public var state: JobState
}

extension JobTable {
    /// Applies one journal record to the jobs. Used live (after the core records it) and on replay.
    /// Returns the job the record ended, if it ended one.
    @discardableResult
    public mutating func apply(_ r: JournalRecord) -> JobEnded? {
        switch r {
        case .epoch, .tally:
            return nil
        case .submitted(let id, let spec, let at):
            guard id == nextJobID else { return nil }
            jobs.append(JobRecord(spec: spec))
            stateCounts[Int(JobState.queued.rawValue)] += 1
            if let key = spec.idempotencyKey { idempotency[key] = id }
            appendTransition(id, state: .queued, cause: .submitted, at: at)
            if !replaying { ready.push(id, priority: spec.priority, tags: ReadyQueue.key(for: spec.tags)) }
        case .assigned(let worker, let leases, let at):
            let w = intern(worker)
            for l in leases {
                guard let i = index(l.jobID) else { continue }
                jobs[i].attempt = l.attempt
                jobs[i].token = l.token
                jobs[i].workerName = w
                setState(l.jobID, .assigned, cause: .assigned, at: at)
                let timeout = Int64(jobs[i].spec.timeoutMs)
                if timeout > 0 {
                    jobs[i].timerMs = at + timeout + timeoutGraceMs
                    if !replaying { deadlineTimers.push(due: jobs[i].timerMs, id: l.jobID) }
                }
            }
        case .finished(let id, _, let state, let metrics, let message, let at):
            guard let i = index(id) else { return nil }
            jobs[i].metrics = metrics
            jobs[i].message = message
            jobs[i].token = 0
            let cause: Cause = state == .succeeded ? .succeeded : state == .timedOut ? .timedOut : .failed
            setState(id, state, cause: cause, at: at)
            return JobEnded(id: id, state: state)
        case .outputs(let id, let outputs):
            guard let i = index(id) else { return nil }
            jobs[i].outputs = outputs
        case .requeued(let id, let cause, let readyAt, let message, let at):
            guard let i = index(id) else { return nil }
            if cause == .workerLost { jobs[i].workerLosses += 1 }
            if cause == .retryAfterFailure { jobs[i].appFailures += 1 }
            if !message.isEmpty { jobs[i].message = message }
            jobs[i].token = 0
            jobs[i].workerName = -1
            if readyAt > at {
                jobs[i].timerMs = readyAt
                setState(id, .retryWait, cause: cause, at: at)
                if !replaying { retryTimers.push(due: readyAt, id: id) }
            } else {
                setState(id, .queued, cause: cause, at: at)
                enqueue(id)
            }
        case .held(let id, let cause, let at):
            guard let i = index(id) else { return nil }
            jobs[i].token = 0
            jobs[i].workerName = -1
            setState(id, .held, cause: cause, at: at)
        case .released(let id, let at):
            guard let i = index(id) else { return nil }
            jobs[i].workerLosses = 0
            setState(id, .queued, cause: .released, at: at)
            enqueue(id)
        case .cancelled(let id, let at):
            guard let i = index(id) else { return nil }
            jobs[i].token = 0
            setState(id, .cancelled, cause: .cancelledByClient, at: at)
            return JobEnded(id: id, state: .cancelled)
        case .compactedJobs(let first, let runs):
            // A snapshot starts with these: the jobs land as evicted ones, one byte each.
            guard first == nextJobID, jobs.isEmpty else { return nil }
            for run in runs {
                evictedStates.append(contentsOf: repeatElement(run.state.rawValue, count: Int(run.count)))
                evictedCount += Int(run.count)
                stateCounts[Int(run.state.rawValue)] += Int(run.count)
            }
        case .idempotencyKeys(let keys):
            for k in keys { idempotency[k.key] = k.job }
        }
        return nil
    }

    /// After a replay: fills the ready queue and the timers, and returns the attempts that were
    /// leased before the restart (their workers may still hold them; see the reclaim window).
    mutating func restoreQueues() -> [JobID] {
        var leased: [JobID] = []
        for i in jobs.indices {
            let id = JobID(evictedCount + i + 1)
            switch jobs[i].state {
            case .queued: ready.push(id, priority: jobs[i].spec.priority, tags: ReadyQueue.key(for: jobs[i].spec.tags))
            case .retryWait: retryTimers.push(due: jobs[i].timerMs, id: id)
            case .assigned, .running:
                jobs[i].workerName = -1
                leased.append(id)
                // Deadlines are not pushed during replay; a re-attached attempt must still time out.
                if jobs[i].spec.timeoutMs > 0 { deadlineTimers.push(due: jobs[i].timerMs, id: id) }
            default: break
            }
        }
        return leased
    }

    /// Retry backoffs that elapsed by `now`: the jobs go back to the queue.
    mutating func releaseDueRetries(now: Int64) {
        for (due, id) in retryTimers.popDue(now: now) {
            guard let i = index(id), jobs[i].state == .retryWait, jobs[i].timerMs == due else { continue }
            setState(id, .queued, cause: .backoffElapsed, at: now)
            enqueue(id)
        }
    }

    /// Attempts whose deadline (timeout + grace) passed by `now` and that are still open.
    mutating func popDueDeadlines(now: Int64) -> [Lease] {
        deadlineTimers.popDue(now: now).compactMap { due, id in
            guard let i = index(id), jobs[i].state == .assigned || jobs[i].state == .running,
                  jobs[i].timerMs == due else { return nil }
            return Lease(jobID: id, attempt: jobs[i].attempt, token: jobs[i].token)
        }
    }
}
