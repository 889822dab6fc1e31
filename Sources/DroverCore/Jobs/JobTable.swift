import DroverProtocol

/// Every job the coordinator knows, its history, and the queues that order it: the ready queue,
/// retry backoffs and attempt deadlines. Changed only by journal records (`apply`) and by the
/// timers (`popDueRetries`, `popDueDeadlines`); knows nothing of workers' sessions or clients.
public struct JobTable: Sendable {
    public let retainFinished: Int
    let timeoutGraceMs: Int64
    /// Jobs in memory by id: job `id` lives at index `id - evictedCount - 1`. Finished jobs
    /// older than the newest `retainFinished` are evicted (see `evictFinished`).
    public internal(set) var jobs: ContiguousArray<JobRecord> = []
    /// Jobs evicted from memory (all finished): ids 1…evictedCount.
    public internal(set) var evictedCount = 0
    /// Final state of each evicted job (one byte each), so DONE and status still answer.
    var evictedStates: [UInt8] = []
    /// Jobs at the head of `jobs` known to be finished (the eviction candidates).
    var finishedPrefix = 0
    public internal(set) var transitions = TransitionLog()
    /// Number of jobs in each state, indexed by `JobState.rawValue`.
    public internal(set) var stateCounts = [Int](repeating: 0, count: JobState.allCases.count)
    var ready = ReadyQueue()
    var retryTimers = TimerHeap()
    var deadlineTimers = TimerHeap()
    var idempotency: [String: JobID] = [:]
    /// Worker names seen in assignments; transitions refer to them by index.
    var names: [String] = []
    var nameIndex: [String: Int32] = [:]
    /// While replaying the journal, queues and timers are left alone (`restoreQueues` fills them).
    var replaying = false
    /// Queue wait and run time of the transitions applied live (not replayed).
    public internal(set) var timings = JobTimings()

    public init(retainFinished: Int, timeoutGraceMs: Int64) {
        self.retainFinished = retainFinished
        self.timeoutGraceMs = timeoutGraceMs
    }

    @inline(__always) func index(_ id: JobID) -> Int? {
        id > JobID(evictedCount) && id <= JobID(evictedCount + jobs.count) ? Int(id) - evictedCount - 1 : nil
    }

    /// The id the next submitted job gets.
    var nextJobID: JobID { JobID(evictedCount + jobs.count + 1) }

    public func job(_ id: JobID) -> JobRecord? { index(id).map { jobs[$0] } }

    /// The final state of a job evicted from memory, or nil if `id` was not evicted.
    public func evictedState(_ id: JobID) -> JobState? {
        id >= 1 && id <= JobID(evictedCount) ? JobState(rawValue: evictedStates[Int(id - 1)]) : nil
    }

    /// The state of any job the table has seen, evicted or not.
    public func state(of id: JobID) -> JobState? { evictedState(id) ?? job(id)?.state }

    public func count(_ state: JobState) -> Int { stateCounts[Int(state.rawValue)] }

    /// Jobs waiting for dispatch or release: what the queue bound limits.
    public var waitingCount: Int { count(.queued) + count(.retryWait) + count(.held) }

    public func workerName(_ index: Int32) -> String? {
        index >= 0 && Int(index) < names.count ? names[Int(index)] : nil
    }

    mutating func intern(_ name: String) -> Int32 {
        if let i = nameIndex[name] { return i }
        names.append(name)
        let i = Int32(names.count - 1)
        nameIndex[name] = i
        return i
    }

    mutating func enqueue(_ id: JobID) {
        guard !replaying, let i = index(id) else { return }
        ready.push(id, priority: jobs[i].spec.priority, tags: ReadyQueue.key(for: jobs[i].spec.tags))
    }

    mutating func setState(_ id: JobID, _ state: JobState, cause: Cause, at: Int64) {
        let i = index(id)!
        if !replaying { timings.observe(from: jobs[i].state, to: state, sinceMs: at - lastTransitionAt(i)) }
        stateCounts[Int(jobs[i].state.rawValue)] -= 1
        stateCounts[Int(state.rawValue)] += 1
        jobs[i].state = state
        appendTransition(id, state: state, cause: cause, at: at)
    }

    /// When job `i` last changed state (its submission if never).
    func lastTransitionAt(_ i: Int) -> Int64 {
        let t = jobs[i].lastTransition
        return t >= 0 ? transitions.entries[Int(t)].atMs : 0
    }

    mutating func appendTransition(_ id: JobID, state: JobState, cause: Cause, at: Int64) {
        let i = index(id)!
        jobs[i].lastTransition = transitions.append(Transition(
            state: state, cause: cause, attempt: jobs[i].attempt, workerName: jobs[i].workerName,
            atMs: at, previous: jobs[i].lastTransition))
    }
}
