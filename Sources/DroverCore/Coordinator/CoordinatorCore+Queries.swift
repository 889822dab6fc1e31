import DroverProtocol

extension CoordinatorCore {
    /// Job counts per state name, every state present.
    public var jobCounts: [String: Int] {
        Dictionary(uniqueKeysWithValues: JobState.allCases.map { ($0.name, table.count($0)) })
    }

    public func workerCounts() -> ClusterStatus.WorkerCounts { members.counts() }

    /// Queue wait and run time of the jobs since this coordinator started.
    public var jobTimings: JobTimings { table.timings }

    public func workerInfos(now: Int64) -> [WorkerInfo] { members.infos(now: now) }

    // Reads of the parts, for queries and tests.
    public var jobs: ContiguousArray<JobRecord> { table.jobs }
    public var evictedCount: Int { table.evictedCount }
    public var stateCounts: [Int] { table.stateCounts }
    public var workers: [[UInt8]: WorkerEntry] { members.workers }
    public var waitingCount: Int { table.waitingCount }
    public func job(_ id: JobID) -> JobRecord? { table.job(id) }
    public func evictedState(_ id: JobID) -> JobState? { table.evictedState(id) }
    public func workerName(_ index: Int32) -> String? { table.workerName(index) }

    /// One job with its full history and the reason it is where it is.
    public func jobInfo(_ id: JobID, wallOffsetMs: Int64) -> JobInfo? {
        if let state = evictedState(id) {
            return JobInfo(id: id, kind: "", state: state.name, priority: "", params: [:], tags: [], attempt: 0, worker: nil,
                           metrics: [:], message: nil, history: [],
                           reason: "\(state.name); its details were evicted from memory (the coordinator keeps the newest "
                               + "\(config.retainFinished) finished jobs); the journal still holds them (drover journal audit)")
        }
        guard let job = table.job(id) else { return nil }
        let history = table.transitions.history(from: job.lastTransition).map { t in
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
        let last = job.lastTransition >= 0 ? table.transitions.entries[Int(job.lastTransition)].cause : .submitted
        switch job.state {
        case .queued:
            let offered = members.workers.values.filter { $0.liveness == .alive }
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

    /// Jobs in a state (or all) and of a kind (or all), newest first, older than `before` when
    /// given (a page cursor), at most `limit`.
    public func jobSummaries(state: JobState?, kind: String? = nil, before: JobID? = nil, limit: Int) -> [JobSummary] {
        var summaries: [JobSummary] = []
        let jobs = table.jobs
        var i = jobs.count - 1
        if let before { i = min(i, Int(clamping: before) - table.evictedCount - 2) }
        while i >= 0, summaries.count < limit {
            let job = jobs[i]
            if state == nil || job.state == state, kind == nil || job.spec.kind == kind {
                summaries.append(JobSummary(id: JobID(table.evictedCount + i + 1), kind: job.spec.kind, state: job.state.name,
                                      attempt: job.attempt, worker: workerName(job.workerName)))
            }
            i -= 1
        }
        return summaries
    }
}
