import DroverProtocol
import DroverStore
import Logging

/// Turns what changed into events, by asking the coordinator and the registry what the CLI
/// would (the coordinator core knows nothing about HTTP): job counts, runs and their steps,
/// verdicts and alias moves; and the newest jobs' states when the journal cannot be followed
/// (with it, `JobEventTail` gives every job transition). One pass per `intervalMs`; a pass's queries
/// are a handful of small reads, whatever the number of subscribers.
public struct EventFeed: Sendable {
    let backend: APIBackend
    let logger: Logger
    public var intervalMs: Int
    /// How many of the newest jobs are watched for state changes.
    public var watchedJobs: Int
    /// Step and run durations go here when they end.
    let metrics: DroverMetrics?

    public init(backend: APIBackend, logger: Logger, intervalMs: Int = 250, watchedJobs: Int = 500, metrics: DroverMetrics? = nil) {
        self.metrics = metrics
        self.backend = backend
        self.logger = logger
        self.intervalMs = intervalMs
        self.watchedJobs = watchedJobs
    }

    struct Seen {
        var counts: [String: Int]?
        var jobs: [UInt64: String] = [:]
        var runs: [String: RunInfo] = [:]
        var verdict: Int64 = -1
        var move: Int64 = -1
        var modelEvent: Int64 = -1
        var pings = 0
    }

    struct JobEvent: Encodable { var id: UInt64; var kind: String; var state: String; var attempt: UInt32; var worker: String? }
    struct CountsEvent: Encodable { var jobs: [String: Int]; var workers: ClusterStatus.WorkerCounts }
    struct RunEvent: Encodable { var run: RunInfo }

    /// Runs until cancelled. `answered` runs once, after the coordinator first answered (its
    /// journal is then open and recovered: a reader started earlier could lock a journal that
    /// needs recovery after a crash, and the coordinator would fail to open it).
    public func run(answered: @Sendable () -> Void = {}) async {
        var seen = Seen()
        var first = true
        while !Task.isCancelled {
            do {
                try await pass(&seen)
                if first { first = false; answered() }
            } catch {
                logger.debug("events.pass.failed", metadata: ["error": "\(error)"])
            }
            seen.pings += 1
            if seen.pings * intervalMs >= 15_000 { seen.pings = 0; backend.events.ping() }
            try? await Task.sleep(for: .milliseconds(intervalMs))
        }
    }

    func pass(_ seen: inout Seen) async throws {
        let hub = backend.events, link = backend.link
        let status = try await link.query(StatusQuery())
        if seen.counts != nil, seen.counts != status.jobs { hub.publish("jobs", CountsEvent(jobs: status.jobs, workers: status.workers)) }
        let first = seen.counts == nil
        seen.counts = status.jobs

        if backend.journalPath == nil, hub.hasSubscribers(wanting: "job") {
            var jobs: [UInt64: String] = [:]
            for j in try await link.query(JobsQuery(limit: watchedJobs)).reversed() {
                jobs[j.id] = j.state
                if !first, seen.jobs[j.id] != j.state { hub.publish("job", JobEvent(id: j.id, kind: j.kind, state: j.state, attempt: j.attempt, worker: j.worker)) }
            }
            seen.jobs = jobs
        }

        try await runs(&seen, first: first)

        let reg = backend.registry
        if seen.verdict < 0 { (seen.verdict, seen.move) = try await reg.feedPosition() }
        for v in try await reg.verdicts(after: seen.verdict) {
            hub.publish("verdict", v)
            if !v.verdict.passed { hub.publish("rejection", v) }
            seen.verdict = v.id
        }
        for m in try await reg.aliasMoves(after: seen.move) {
            hub.publish("promotion", m)
            seen.move = m.id
        }
        if seen.modelEvent < 0 { seen.modelEvent = try await reg.lastEventID() }
        for e in try await reg.events(after: seen.modelEvent) {
            hub.publish("rollout", e)
            seen.modelEvent = e.id
        }
    }

    /// Step and run durations of what ended between two looks at a run (cached steps did no work).
    func observeEnded(_ before: RunInfo, _ now: RunInfo) {
        guard let metrics else { return }
        let ended = Dictionary(before.steps.map { ($0.name, $0.endedAtMs != nil) }, uniquingKeysWith: { a, _ in a })
        for s in now.steps where ended[s.name] == false && s.cachedFrom == nil {
            guard let start = s.startedAtMs, let end = s.endedAtMs else { continue }
            metrics.recordStep(pipeline: now.pipeline, step: s.name, status: s.status, seconds: Double(end - start) / 1000)
        }
        if !before.isFinished, now.isFinished, let end = now.endedAtMs {
            metrics.recordRun(pipeline: now.pipeline, state: now.state, seconds: Double(end - now.startedAtMs) / 1000)
        }
    }

    /// A run event when a run appears, its state changes or one of its steps progresses.
    func runs(_ seen: inout Seen, first: Bool) async throws {
        let link = backend.link
        let listed: [RunInfo]
        do {
            listed = try await link.query(RunsQuery(limit: 20))
        } catch {
            if APIError.from(error).status == .notImplemented { return } // a coordinator without a pipeline runner
            throw error
        }
        for summary in listed.reversed() {
            let before = seen.runs[summary.id]
            guard before == nil || !(before!.isFinished && summary.isFinished) else { continue }
            let full = try await link.query(RunQuery(id: summary.id))
            if !first, before != full {
                backend.events.publish("run", RunEvent(run: full))
                if let before { observeEnded(before, full) }
            }
            seen.runs[summary.id] = full
        }
        if seen.runs.count > 200 {
            let keep = Set(listed.map(\.id))
            seen.runs = seen.runs.filter { keep.contains($0.key) }
        }
    }
}
