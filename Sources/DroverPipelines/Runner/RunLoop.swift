import DroverArtifacts
import DroverClient
import DroverCore
import DroverProtocol
import Foundation
import Logging
import Synchronization
import ZeroMQ

/// The runner's thread: owns the client socket and every live planner. Blocking calls (libzmq,
/// file writes, statistics merges) happen here, never on the cooperative pool.
final class RunLoop: Sendable {
    let runner: PipelineRunner
    let finished = Signal()
    private let stop = Atomic<Bool>(false)

    init(runner: PipelineRunner) throws {
        self.runner = runner
    }

    func requestStop() { stop.store(true, ordering: .relaxed) }

    func run() {
        defer { finished.fire() }
        var state = LoopState(runner: runner)
        do {
            try state.recover()
            try state.connect()
        } catch {
            runner.logger.error("pipeline.runner.failed", metadata: ["error": "\(error)"])
            return
        }
        while !stop.load(ordering: .relaxed) {
            state.step()
        }
        state.stopTraining()
    }
}

/// A one-time signal an async task can wait for.
final class Signal: Sendable {
    private let state = Mutex<(fired: Bool, waiters: [CheckedContinuation<Void, Never>])>((false, []))

    func fire() {
        let waiters = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.fired = true
            defer { s.waiters = [] }
            return s.waiters
        }
        for w in waiters { w.resume() }
    }

    func wait() async {
        await withCheckedContinuation { c in
            let now = state.withLock { s -> Bool in
                if s.fired { return true }
                s.waiters.append(c)
                return false
            }
            if now { c.resume() }
        }
    }
}

/// Live runs and the client, confined to the runner's thread.
struct LoopState {
    let runner: PipelineRunner
    var client: DroverClient?
    var live: [String: (record: RunRecord, planner: PipelinePlanner)] = [:]
    /// Coordinator job id → (run, planner key), for jobs not yet reported.
    var watching: [UInt64: (run: String, key: String)] = [:]
    var lastWatch = ContinuousClock.now
    var artifacts: ArtifactStore?
    /// Per run: the step statuses last recorded in the metadata store.
    var tracked: [String: [String: StepStatus]] = [:]
    /// What the run files already hold of each live run (`save` appends only what is newer).
    var written: [String: RunFiles.Mark] = [:]
    /// Runs to begin: new ones, and recovered ones whose inputs were not resolved yet.
    var beginning: [RunRecord] = []
    /// Recovered runs whose open requests are to be performed again.
    var pendingResume: [String] = []
    /// Actions that failed for a passing reason (the registry could not be written), retried.
    var retry: [(run: String, action: PlannerAction)] = []
    var lastRetry = ContinuousClock.now
    /// Where each running command job's streamed metrics were read up to.
    var metricStreams: [UInt64: MetricStream] = [:]
    /// Per run: the trial statuses last recorded (`STEP/trial-N` → status).
    var trialsTracked: [String: [String: String]] = [:]
    var lastMetricsPoll = ContinuousClock.now
    /// Data-parallel train steps in progress (`run/step` → session) and re-runs per shard job.
    var sessions: [String: TrainingSession] = [:]
    var reassigned: [String: Int] = [:]
    let failpoint = PipelineFailpoint()
    var phases: PhaseTimer { PhaseTimer(logger: runner.logger) }
    /// Online retraining: the registered pipelines and their triggers' memory, one promotion per
    /// model at a time, triggered runs waiting for their model, span statistics for drift.
    var book = TriggerBook()
    var queue = ModelRunQueue()
    var waitingRuns: [String: RunRecord] = [:]
    var driftMeter = SpanDrift()
    var lastScheduleCheck = ContinuousClock.now
    var lastTestClockMs: Int64?

    init(runner: PipelineRunner) {
        self.runner = runner
    }

    var logger: Logger { runner.logger }
    var records: RunnerRecords { runner.records }

    mutating func connect() throws {
        client = try DroverClient(coordinator: runner.options.coordinator, timeoutMs: 10_000, curve: runner.options.curve)
        artifacts = runner.artifacts
    }

    /// Loads every stored run; unfinished ones are replayed and their open requests performed again.
    mutating func recover() throws {
        book = try TriggerBook.load(directory: runner.directory)
        let files = (try? FileManager.default.contentsOfDirectory(atPath: runner.runsDirectory)) ?? []
        var stored: [RunRecord] = []
        for f in files where f.hasSuffix(".json") {
            if let r = try RunFiles.load((runner.runsDirectory as NSString).appendingPathComponent(f)) { stored.append(r) }
        }
        stored.sort { $0.number < $1.number }
        for record in stored {
            let planner = record.resolved == false
                ? PipelinePlanner(spec: try record.spec(), inputs: record.inputs)
                : try record.replay()
            runner.shared.withLock { s in
                s.publish(RunView.info(record, planner: planner))
                if !s.order.contains(record.id) { s.order.append(record.id) }
                s.nextNumber = max(s.nextNumber, record.number + 1)
            }
            guard record.outcome == nil else { continue }
            logger.info("pipeline.run.resumed", metadata: ["run.id": "\(record.id)", "events": "\(record.events.count)"])
            if record.resolved == false {
                beginning.append(record)
                continue
            }
            live[record.id] = (record, planner)
            written[record.id] = RunFiles.Mark(record)
            _ = queue.hold(record.id, model: planner.spec.model)
            // Steps already final in the store are not recorded again; the others are.
            let store = records.store, id = record.id
            let recorded = (try? Blocking.wait { try await store.steps(runID: id) }) ?? []
            tracked[id] = Dictionary(recorded.compactMap { s in StepStatus(rawValue: s.status).map { (s.name, $0) } }) { a, _ in a }
            pendingResume.append(id)
        }
        recoverTriggers(stored)
    }

    /// One turn: begin new runs, resume recovered ones, read DONE notifications, retry.
    mutating func step() {
        guard let client else { return }
        for id in pendingResume {
            recordFinishedAttempts(id)
            track(id)
            if let planner = live[id]?.planner { perform(planner.pending(), run: id) }
        }
        pendingResume = []
        let fresh = runner.shared.withLock { s -> [RunRecord] in
            defer { s.inbox = [] }
            return s.inbox
        }
        let waiting = beginning + fresh
        beginning = []
        for record in waiting { admitAndBegin(record) }
        serveIngests()
        serveTraining()
        if !retry.isEmpty, ContinuousClock.now - lastRetry > .seconds(1) {
            lastRetry = .now
            let again = retry
            retry = []
            for (run, action) in again { perform([action], run: run) }
        }
        do {
            var done: [ClientReply.DoneJob] = client.takePendingDone()
            // Woken by a DONE, by a new run (`wake`) or after 100 ms for the timers below; without
            // waiting when DONEs came in during the last step's own requests (they were waiting
            // up to 100 ms here: a step whose shards ended together finished that much later).
            let wait = done.isEmpty ? 100 : 0
            if let reply = try client.receiveAny(timeoutMs: wait, wakingOn: runner.wake), case .done(let jobs) = reply { done += jobs }
            if ContinuousClock.now - lastMetricsPoll > MetricStream.pollInterval {
                lastMetricsPoll = .now
                pollMetrics()
            }
            for d in done { report(d.jobID) }
            if ContinuousClock.now - lastWatch > .seconds(2), !watching.isEmpty {
                try client.rewatch(Array(watching.keys))
                lastWatch = .now
            }
        } catch {
            logger.warning("pipeline.client.error", metadata: ["error": "\(error)"])
        }
    }

    /// Resolves the run's champion and drift references (registry reads), stores them with the
    /// run, records the run's start and starts its planner. A failed read is tried again later.
    mutating func begin(_ stored: RunRecord) {
        var record = stored
        do {
            let spec = try record.spec()
            if record.resolved == false {
                let t = phases.start()
                try resolve(&record, spec: spec)
                phases.end(t, "begin.resolve", run: record.id)
                // Stored by `save` below, not fsynced: lost to a power failure, the inputs are
                // resolved again on restart.
            }
            if spec.trigger != nil, record.trigger == nil {
                // A run of a spec with `trigger:` registers it as its model's pipeline.
                book.register(model: spec.model, file: record.file, yaml: record.yaml, nowMs: PipelineRunner.nowMs())
                saveBook()
                runner.shared.withLock { $0.pipelines[spec.model] = (record.file, record.yaml) }
            }
            records.emit(RunTracking.started(record, spec: spec, codeVersion: record.inputs.codeVersion))
            var planner = PipelinePlanner(spec: spec, inputs: record.inputs)
            let actions = planner.start(now: record.startedAtMs)
            live[record.id] = (record, planner)
            tracked[record.id] = [:]
            save(record.id)
            track(record.id)
            perform(actions, run: record.id)
        } catch let error as PipelineSpecError {
            logger.error("pipeline.run.unloadable", metadata: ["run.id": "\(record.id)", "error": "\(error)"])
        } catch {
            logger.warning("pipeline.run.unresolved", metadata: ["run.id": "\(record.id)", "error": "\(error)"])
            beginning.append(stored)
        }
    }

    /// The champion now, and each dataset's drift reference: the statistics the champion's run
    /// checked for that dataset.
    func resolve(_ record: inout RunRecord, spec: PipelineSpec) throws {
        records.flush() // the last run's records (its statistics, its promotion) are committed
        resolveSpans(&record, spec: spec)
        let spans = runner.shared.withLock { $0.spans }
        let champion = try records.champion(model: spec.model)
        record.inputs.champion = champion?.input
        for (name, span) in record.inputs.spans {
            record.inputs.spans[name]?.referenceStatistics = try records.reference(dataset: span.dataset, championRun: champion?.runID,
                                                                                   spans: spans)
        }
        record.resolved = true
    }

    /// A watched job ended: read its result, record its attempts and feed the planner.
    mutating func report(_ jobID: UInt64) {
        guard let (run, key) = watching[jobID], let client else { return }
        let info: JobInfo
        let t = phases.start()
        do {
            info = try client.query(JobQuery(id: jobID))
            phases.end(t, "report.query", run: run)
        } catch {
            logger.warning("pipeline.job.unreadable", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            return
        }
        guard Self.endedStates.contains(info.state) else { return }
        pollMetrics([jobID]) // the last points, streamed before the result
        watching[jobID] = nil
        metricStreams[jobID] = nil
        recordAttempts(info, run: run, key: key)
        let event: PlannerEvent = info.state == "succeeded"
            ? .jobSucceeded(key: key, metrics: info.metrics, outputs: info.outputs ?? [:])
            : .jobFailed(key: key, message: "job \(jobID) \(info.state): \(info.message ?? "no message")")
        handle(event, run: run)
    }

    /// A job's states once it has ended.
    static let endedStates: Set<String> = ["succeeded", "failed", "timedOut", "cancelled"]

    /// Records a finished job's attempts.
    mutating func recordAttempts(_ info: JobInfo, run: String, key: String) {
        guard let (step, shard) = Self.split(key) else { return }
        if failpoint.unrecordedFrom == step { records.losing.store(true, ordering: .relaxed) }
        let sharded = (live[run]?.planner.steps[step]?.jobKeys.count ?? 0) > 1
        records.emit(RunTracking.attempts(info, run: run, step: step, shard: sharded ? shard : nil))
    }

    /// A resumed run: the attempts of finished jobs of steps not final in the store. The store
    /// is written behind the run (a step's row after its attempts), so a coordinator killed just
    /// after a job's result was used may have lost its attempts; the job is not reported again.
    /// Recording them twice is harmless (one row per job and attempt).
    mutating func recordFinishedAttempts(_ run: String) {
        guard let client, let record = live[run]?.record else { return }
        let final = tracked[run] ?? [:]
        for (key, jobID) in record.jobIDs.sorted(by: { $0.value < $1.value }) {
            guard let (step, _) = Self.split(key), final[step]?.isFinal != true,
                  let info = try? client.query(JobQuery(id: jobID)), Self.endedStates.contains(info.state) else { continue }
            recordAttempts(info, run: run, key: key)
        }
    }

    /// Stores the event, records what changed, then performs what the planner asks in return.
    mutating func handle(_ event: PlannerEvent, run: String) {
        guard var entry = live[run] else { return }
        let now = PipelineRunner.nowMs()
        let t = phases.start()
        let actions = entry.planner.handle(event, now: now)
        entry.record.events.append(.init(atMs: now, event: event))
        live[run] = entry
        save(run)
        track(run)
        phases.end(t, "handle.record", run: run)
        perform(actions, run: run)
    }

    /// Stores the run's changes (a line appended to its log, `RunFiles`) and publishes what
    /// clients see of it. Only the end of a run is made durable (fsync, the whole record) here;
    /// events in between are written without it: a killed process loses none, and after a
    /// power loss the run resumes from an earlier event and repeats requests that are
    /// idempotent (submissions by idempotency key, decisions by run and step).
    mutating func save(_ run: String, durable: Bool = false) {
        guard let entry = live[run] else { return }
        let t = phases.start()
        defer { phases.end(t, durable ? "save.durable" : "save", run: run) }
        do {
            try RunFiles.save(entry.record, to: runner.runPath(run), mark: &written[run], durable: durable)
        } catch {
            logger.error("pipeline.run.unsaved", metadata: ["run.id": "\(run)", "error": "\(error)"])
        }
        let info = RunView.info(entry.record, planner: entry.planner)
        runner.shared.withLock { $0.publish(info) }
        runner.changes?.ring()
    }
}
