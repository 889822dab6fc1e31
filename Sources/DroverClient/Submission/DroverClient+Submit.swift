import DroverProtocol

/// How far a large submission has come, for progress display.
public struct SubmitProgress: Sendable {
    public var total: Int
    public var accepted: Int
    /// Watched jobs that ended, by final state.
    public var ended: [JobState: Int]
    public var endedCount: Int
    /// Distinct jobs accepted so far.
    public var distinctJobs: Int
}

/// The outcome of `submitMany`.
public struct SubmitOutcome: Sendable {
    /// Job ids in submission order.
    public var ids: [JobID]
    /// With `watch`: final states of the distinct jobs.
    public var ended: [JobState: Int]
    public var busyReplies: Int
    public var messagesSent: Int
}

extension DroverClient {
    /// Submits `count` jobs in batches of `batch` with up to `window` SUBMITs in flight; a batch
    /// answered BUSY is re-sent after the advised delay. `specs(range)` builds the jobs of the
    /// submission indices `range` (called again for a re-sent batch: it must be deterministic).
    /// With `watch`, returns once every job has ended; `waitTimeoutMs` (0 = forever) bounds that
    /// wait, counted from the last acceptance. Silence for 5 s while waiting (a restarted
    /// coordinator forgets watches) re-sends WATCH for the unfinished jobs.
    public func submitMany(count: Int, batch: Int = 2_048, window: Int = 8, watch: Bool, waitTimeoutMs: Int = 0,
                           specs: (Range<Int>) -> [JobSpec],
                           progress: (SubmitProgress) -> Void = { _ in }) throws(ClientError) -> SubmitOutcome {
        var pipeline = SubmitPipeline(total: count, batchSize: batch, window: window, watch: watch,
                                      firstRequestID: makeRequestID() << 32, now: .now)
        var lastHeard = ContinuousClock.now
        var acceptedAt: ContinuousClock.Instant?
        do {
            while !pipeline.isFinished {
                while let next = pipeline.nextBatch(now: .now) {
                    try send(.submit(requestID: next.requestID, watch: watch, jobs: specs(next.range)))
                }
                if let reply = try receiveAny() {
                    try pipeline.handle(reply, now: .now)
                    lastHeard = .now
                    // DONE that arrived while an earlier call waited for something else.
                    if !pendingDone.isEmpty {
                        try pipeline.handle(.done(pendingDone), now: .now)
                        pendingDone.removeAll()
                    }
                } else if !pipeline.isAccepted, ContinuousClock.now - lastHeard > .milliseconds(timeoutMs) {
                    throw noAnswer(withinMs: timeoutMs)
                }
                try pipeline.check(now: .now)
                progress(SubmitProgress(total: count, accepted: pipeline.accepted, ended: pipeline.ended,
                                        endedCount: pipeline.endedCount, distinctJobs: pipeline.distinctJobs))
                guard pipeline.isAccepted, !pipeline.isFinished else { continue }
                let since = acceptedAt ?? .now
                acceptedAt = since
                if waitTimeoutMs > 0, ContinuousClock.now - since > .milliseconds(waitTimeoutMs) {
                    let left = pipeline.distinctJobs - pipeline.endedCount
                    throw ClientError(.waitTimedOut, "\(left) of \(pipeline.distinctJobs) jobs still not finished after \(waitTimeoutMs) ms",
                                      hint: "see `drover jobs --state queued` and `drover status JOB`")
                }
                if ContinuousClock.now - lastHeard > .seconds(5) {
                    try rewatch(pipeline.unfinishedIDs)
                    lastHeard = .now
                }
            }
        } catch let error as SubmitPipelineError {
            throw ClientError(error)
        } catch let error as ClientError {
            throw error
        } catch {
            throw ClientError(.badReply("\(error)"), "submission failed: \(error)")
        }
        return SubmitOutcome(ids: pipeline.ids, ended: pipeline.ended, busyReplies: pipeline.busyReplies,
                             messagesSent: pipeline.messagesSent)
    }

    /// Submits `jobs` without watching them and returns their ids in order; while the queue is
    /// full (BUSY), re-sends after the advised delay for up to 60 s.
    public func submit(_ jobs: [JobSpec]) throws(ClientError) -> [JobID] {
        try submitMany(count: jobs.count, watch: false, specs: { Array(jobs[$0]) }).ids
    }

    /// Watches existing jobs until each has ended; returns how many ended in each state.
    /// `timeoutMs` 0 waits forever; 5 s of silence re-sends WATCH (a restarted coordinator forgets).
    public func waitForAll(_ ids: [JobID], timeoutMs: Int = 0,
                           progress: (_ ended: Int, _ byState: [JobState: Int]) -> Void = { _, _ in }) throws(ClientError) -> [JobState: Int] {
        var remaining = JobIDSet()
        for id in ids { remaining.insert(id) }
        let total = remaining.count
        var byState: [JobState: Int] = [:]
        let start = ContinuousClock.now
        var lastHeard = ContinuousClock.now
        try rewatch(remaining.elements)
        while !remaining.isEmpty {
            let reply = try receiveAny()
            var done = pendingDone
            pendingDone.removeAll()
            if let reply {
                lastHeard = .now
                if case .done(let jobs) = reply { done += jobs }
            }
            for d in done where remaining.remove(d.jobID) { byState[d.state, default: 0] += 1 }
            progress(total - remaining.count, byState)
            if remaining.isEmpty { break }
            if timeoutMs > 0, ContinuousClock.now - start > .milliseconds(timeoutMs) {
                throw ClientError(.waitTimedOut, "\(remaining.count) of \(total) jobs still not finished after \(timeoutMs) ms",
                                  hint: "see `drover jobs --state queued` and `drover status JOB`")
            }
            if ContinuousClock.now - lastHeard > .seconds(5) {
                try rewatch(remaining.elements)
                lastHeard = .now
            }
        }
        return byState
    }

    /// DONE notifications that arrived while waiting for other replies (e.g. during a query),
    /// handed over once.
    public func takePendingDone() -> [ClientReply.DoneJob] {
        defer { pendingDone.removeAll() }
        return pendingDone
    }

    /// WATCH for `ids`, in messages of at most `WireLimits.maxBatch`.
    public func rewatch(_ ids: [JobID]) throws(ClientError) {
        for start in stride(from: 0, to: ids.count, by: WireLimits.maxBatch) {
            try send(.watch(requestID: makeRequestID(), jobIDs: Array(ids[start..<min(start + WireLimits.maxBatch, ids.count)])))
        }
    }
}

extension ClientError {
    init(_ error: SubmitPipelineError) {
        switch error {
        case .rejected(let code, let message):
            self.init(.rejected(code), "the coordinator rejected the submission: \(message)")
        case .queueFull(let queued, let limit):
            self.init(.busy, "the coordinator's queue is full (\(queued) of \(limit) jobs waiting)",
                      hint: "wait for jobs to finish, add workers, or raise --max-queued")
        case .badReply(let detail):
            self.init(.badReply(detail), "the coordinator's answer to a submission is inconsistent: \(detail)")
        }
    }
}
