import DroverProtocol

extension CoordinatorCore {
    /// Job counts per state name, every state present.
    public var jobCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.name, stateCounts[Int($0.rawValue)]) })
    }

    public func workerCounts() -> ClusterStatus.WorkerCounts {
        ClusterStatus.WorkerCounts(
            alive: workers.values.filter { $0.liveness == .alive }.count,
            suspect: workers.values.filter { $0.liveness == .suspect }.count,
            slots: workers.values.reduce(0) { $0 + $1.slots })
    }

    public func workerInfos(now: Int64) -> [WorkerInfo] {
        workers.values.sorted { $0.name < $1.name }.map { w in
            WorkerInfo(name: w.name, state: w.liveness.rawValue, slots: w.slots, credit: w.credit,
                       running: w.outstanding.count, tags: w.tags.sorted(), lastSeenMsAgo: now - w.lastSeenMs,
                       completed: w.completed)
        }
    }

    /// One job with its full history and the reason it is where it is.
    public func jobInfo(_ id: JobID, wallOffsetMs: Int64) -> JobInfo? {
        if let state = evictedState(id) {
            return JobInfo(id: id, kind: "", state: state.name, priority: "", params: [:], tags: [], attempt: 0, worker: nil,
                           metrics: [:], message: nil, history: [],
                           reason: "\(state.name); its details were evicted from memory (the coordinator keeps the newest "
                               + "\(config.retainFinished) finished jobs); the journal still holds them (drover journal audit)")
        }
        guard let i = index(id) else { return nil }
        let job = jobs[i]
        let history = transitions.history(from: job.lastTransition).map { t in
            TransitionInfo(state: t.state.name, cause: t.cause.name, attempt: t.attempt,
                           worker: workerName(t.workerName), atMs: t.atMs + wallOffsetMs)
        }
        return JobInfo(id: id, kind: job.spec.kind, state: job.state.name, priority: job.spec.priority.name,
                       params: job.spec.params, tags: job.spec.tags, attempt: job.attempt,
                       worker: workerName(job.workerName), metrics: job.metrics,
                       message: job.message.isEmpty ? nil : job.message, history: history, reason: reason(for: job),
                       outputs: job.outputs.isEmpty ? nil : job.outputs)
    }

    /// "Why is this job not running?" in one sentence.
    public func reason(for job: JobRecord) -> String {
        let last = job.lastTransition >= 0 ? transitions.entries[Int(job.lastTransition)].cause : .submitted
        switch job.state {
        case .queued:
            let offered = workers.values.filter { $0.liveness == .alive }
            if offered.isEmpty { return "queued: no worker is connected" }
            let tags = Set(job.spec.tags)
            if !offered.contains(where: { tags.isSubset(of: $0.tags) }) {
                return "queued: no connected worker offers the tags \(job.spec.tags.sorted().joined(separator: ","))"
            }
            if !offered.contains(where: { $0.credit > 0 }) { return "queued: every worker is busy (no free credit)" }
            return "queued: \(last.text)"
        case .retryWait:
            return "retry-wait until \(job.timerMs) ms: \(last.text)" + (job.message.isEmpty ? "" : " (last error: \(job.message))")
        case .held:
            return "held: \(last.text); release it with `drover release JOB`"
        case .failed:
            return "failed after \(job.attempt) attempt(s): \(job.message)"
        default:
            return "\(job.state.name): \(last.text)"
        }
    }

    /// Jobs in a state (or all), newest first, at most `limit`.
    public func jobSummaries(state: JobState?, limit: Int) -> [JobSummary] {
        var out: [JobSummary] = []
        var i = jobs.count - 1
        while i >= 0, out.count < limit {
            let job = jobs[i]
            if state == nil || job.state == state {
                out.append(JobSummary(id: JobID(evictedCount + i + 1), kind: job.spec.kind, state: job.state.name,
                                      attempt: job.attempt, worker: workerName(job.workerName)))
            }
            i -= 1
        }
        return out
    }
}
