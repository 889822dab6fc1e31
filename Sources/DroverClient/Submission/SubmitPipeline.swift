import DroverProtocol

/// The decisions of a large submission, without I/O: which batch of jobs to send next (up to
/// `window` SUBMITs in flight), when to re-send one the coordinator answered BUSY, which ids
/// came back for which submission index, and — with `watch` — which accepted jobs have ended.
/// The shell (`DroverClient.submitMany`) sends what `nextBatch` returns and feeds every reply
/// to `handle`; time comes in as `now`.
public struct SubmitPipeline {
    public struct Batch: Equatable, Sendable {
        public var requestID: UInt64
        /// Submission indices of the batch's jobs.
        public var range: Range<Int>
    }

    public let total: Int
    /// Jobs per SUBMIT; shrinks when the queue bound is smaller (a SUBMIT is all-or-nothing).
    public private(set) var batchSize: Int
    public let window: Int
    public let watch: Bool
    /// How long the queue may stay full (nothing accepted while batches wait for BUSY retries).
    public let busyPatience: Duration

    /// Job ids by submission index; valid where accepted.
    public private(set) var ids: [JobID]
    public private(set) var accepted = 0
    /// BUSY replies so far (each batch is re-sent until accepted).
    public private(set) var busyReplies = 0
    public private(set) var messagesSent = 0
    /// Watched jobs that ended, by final state (each distinct id counted once).
    public private(set) var ended: [JobState: Int] = [:]
    public private(set) var endedCount = 0

    private var nextIndex = 0
    private var nextRequestID: UInt64
    private var inFlight: [UInt64: Range<Int>] = [:]
    private var retries: [(at: ContinuousClock.Instant, range: Range<Int>)] = []
    private var lastAccepted: ContinuousClock.Instant
    private var lastBusy: (queued: UInt64, limit: UInt64) = (0, 0)
    /// Accepted ids not yet reported ended.
    private var unfinished = JobIDSet()
    /// Ids already counted as ended.
    private var finished = JobIDSet()
    /// DONE that arrived before the SUBMITTED naming its id.
    private var early: [JobID: JobState] = [:]

    public init(total: Int, batchSize: Int, window: Int, watch: Bool, firstRequestID: UInt64,
                busyPatience: Duration = .seconds(60), now: ContinuousClock.Instant) {
        precondition(total >= 0 && batchSize > 0 && window > 0, "SubmitPipeline needs total ≥ 0, batch and window > 0")
        self.total = total
        self.batchSize = min(batchSize, WireLimits.maxBatch)
        self.window = window
        self.watch = watch
        self.busyPatience = busyPatience
        nextRequestID = firstRequestID
        ids = [JobID](repeating: 0, count: total)
        lastAccepted = now
    }

    /// Every job accepted (SUBMITTED for each batch).
    public var isAccepted: Bool { accepted == total }
    /// Accepted and, with `watch`, every accepted job ended.
    public var isFinished: Bool { isAccepted && (!watch || unfinished.isEmpty) }
    /// Accepted jobs not yet reported ended (to WATCH again after a coordinator restart).
    public var unfinishedIDs: [JobID] { unfinished.elements }
    /// Distinct jobs accepted (fewer than `total` when idempotency keys name one job twice).
    public var distinctJobs: Int { unfinished.count + finished.count }

    /// The next batch to send now, if the window has room: a BUSY batch whose delay has
    /// passed first, then fresh jobs (none while a retry waits, so the queue is not flooded).
    public mutating func nextBatch(now: ContinuousClock.Instant) -> Batch? {
        guard inFlight.count < window else { return nil }
        let range: Range<Int>
        if let i = retries.firstIndex(where: { $0.at <= now }) {
            range = retries.remove(at: i).range
        } else if nextIndex < total, retries.isEmpty {
            range = nextIndex..<min(nextIndex + batchSize, total)
            nextIndex = range.upperBound
        } else {
            return nil
        }
        let batch = Batch(requestID: nextRequestID, range: range)
        nextRequestID += 1
        inFlight[batch.requestID] = range
        messagesSent += 1
        return batch
    }

    /// Feeds one reply; replies to other requests are ignored.
    public mutating func handle(_ reply: ClientReply, now: ContinuousClock.Instant) throws(SubmitPipelineError) {
        switch reply {
        case .submitted(let requestID, let jobIDs):
            guard let range = inFlight.removeValue(forKey: requestID) else { return }
            guard jobIDs.count == range.count else {
                throw .badReply("SUBMITTED for \(range.count) jobs named \(jobIDs.count) ids")
            }
            for (offset, id) in jobIDs.enumerated() {
                ids[range.lowerBound + offset] = id
                if watch { track(id) }
            }
            accepted += range.count
            lastAccepted = now
        case .busy(let requestID, let retryAfterMs, let queued, let limit):
            guard let range = inFlight.removeValue(forKey: requestID) else { return }
            busyReplies += 1
            lastBusy = (queued, limit)
            // At least 5 ms, so a coordinator advising 0 is not hammered.
            let at = now + .milliseconds(Int(max(retryAfterMs, 5)))
            // A batch larger than the whole queue bound could never be accepted: send quarters of
            // the bound instead, so pieces fit while the queue drains.
            if limit > 0, UInt64(range.count) > limit / 2 {
                batchSize = min(batchSize, max(1, Int(limit / 4)))
            }
            for start in stride(from: range.lowerBound, to: range.upperBound, by: batchSize) {
                retries.append((at, start..<min(start + batchSize, range.upperBound)))
            }
        case .done(let jobs):
            guard watch else { return }
            for job in jobs { end(job.jobID, job.state) }
        case .error(let requestID, let code, let message):
            guard requestID == 0 || inFlight[requestID] != nil else { return }
            throw .rejected(code, message)
        case .reply:
            return
        }
    }

    /// Throws when the queue has stayed full past `busyPatience`.
    public func check(now: ContinuousClock.Instant) throws(SubmitPipelineError) {
        if !retries.isEmpty, now - lastAccepted > busyPatience {
            throw .queueFull(queued: lastBusy.queued, limit: lastBusy.limit)
        }
    }

    private mutating func track(_ id: JobID) {
        guard !finished.contains(id) else { return }
        if let state = early.removeValue(forKey: id) {
            finished.insert(id)
            count(state)
        } else {
            unfinished.insert(id)
        }
    }

    private mutating func end(_ id: JobID, _ state: JobState) {
        if unfinished.remove(id) {
            finished.insert(id)
            count(state)
        } else if !finished.contains(id) {
            early[id] = state
        }
    }

    private mutating func count(_ state: JobState) {
        ended[state, default: 0] += 1
        endedCount += 1
    }
}

/// Why a submission stopped.
public enum SubmitPipelineError: Error, Equatable, Sendable {
    case rejected(ErrorCode, String)
    case queueFull(queued: UInt64, limit: UInt64)
    case badReply(String)
}
