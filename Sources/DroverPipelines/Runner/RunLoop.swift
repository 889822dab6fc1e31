import DroverArtifacts
import DroverClient
import DroverCore
import DroverProtocol
import Foundation
import Logging
import Synchronization

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

    init(runner: PipelineRunner) {
        self.runner = runner
    }

    var logger: Logger { runner.logger }

    mutating func connect() throws {
        client = try DroverClient(coordinator: runner.options.coordinator, timeoutMs: 10_000, curve: runner.options.curve)
        artifacts = runner.artifacts
    }

    /// Loads every stored run; unfinished ones are replayed and their open requests performed again.
    mutating func recover() throws {
        let files = (try? FileManager.default.contentsOfDirectory(atPath: runner.runsDirectory)) ?? []
        var records: [RunRecord] = []
        for f in files where f.hasSuffix(".json") {
            if let r = try JSONFiles.read(RunRecord.self, from: (runner.runsDirectory as NSString).appendingPathComponent(f)) { records.append(r) }
        }
        records.sort { $0.number < $1.number }
        var resumed: [RunRecord] = []
        for record in records {
            let planner = try record.replay()
            runner.shared.withLock { s in
                s.runs[record.id] = RunView.info(record, planner: planner)
                if !s.order.contains(record.id) { s.order.append(record.id) }
                s.nextNumber = max(s.nextNumber, record.number + 1)
            }
            if record.outcome == nil { resumed.append(record) }
        }
        for record in resumed {
            logger.info("pipeline.run.resumed", metadata: ["run.id": "\(record.id)", "events": "\(record.events.count)"])
            live[record.id] = (record, try record.replay())
        }
        pendingResume = resumed.map(\.id)
    }

    var pendingResume: [String] = []

    /// One turn: start new runs, resume recovered ones, read DONE notifications.
    mutating func step() {
        guard let client else { return }
        for id in pendingResume {
            if let planner = live[id]?.planner { perform(planner.pending(), run: id) }
        }
        pendingResume = []
        let fresh = runner.shared.withLock { s -> [RunRecord] in
            defer { s.inbox = [] }
            return s.inbox
        }
        for record in fresh {
            do {
                var planner = PipelinePlanner(spec: try record.spec(), inputs: record.inputs)
                let actions = planner.start(now: record.startedAtMs)
                live[record.id] = (record, planner)
                perform(actions, run: record.id)
            } catch {
                logger.error("pipeline.run.unloadable", metadata: ["run.id": "\(record.id)", "error": "\(error)"])
            }
        }
        do {
            var done: [ClientReply.DoneJob] = client.takePendingDone()
            if let reply = try client.receiveAny(), case .done(let jobs) = reply { done += jobs }
            for d in done { report(d.jobID) }
            if ContinuousClock.now - lastWatch > .seconds(2), !watching.isEmpty {
                try client.rewatch(Array(watching.keys))
                lastWatch = .now
            }
        } catch {
            logger.warning("pipeline.client.error", metadata: ["error": "\(error)"])
        }
    }

    /// A watched job ended: read its result and feed the planner.
    mutating func report(_ jobID: UInt64) {
        guard let (run, key) = watching[jobID], let client else { return }
        let info: JobInfo
        do {
            info = try client.query(JobQuery(id: jobID))
        } catch {
            logger.warning("pipeline.job.unreadable", metadata: ["job.id": "\(jobID)", "error": "\(error)"])
            return
        }
        guard ["succeeded", "failed", "timedOut", "cancelled"].contains(info.state) else { return }
        watching[jobID] = nil
        let event: PlannerEvent = info.state == "succeeded"
            ? .jobSucceeded(key: key, metrics: info.metrics, outputs: info.outputs ?? [:])
            : .jobFailed(key: key, message: "job \(jobID) \(info.state): \(info.message ?? "no message")")
        handle(event, run: run)
    }

    /// Stores the event, then performs what the planner asks in return.
    mutating func handle(_ event: PlannerEvent, run: String) {
        guard var entry = live[run] else { return }
        let now = PipelineRunner.nowMs()
        let actions = entry.planner.handle(event, now: now)
        entry.record.events.append(.init(atMs: now, event: event))
        live[run] = entry
        save(run)
        perform(actions, run: run)
    }

    mutating func save(_ run: String) {
        guard let entry = live[run] else { return }
        do {
            try JSONFiles.write(entry.record, to: runner.runPath(run))
        } catch {
            logger.error("pipeline.run.unsaved", metadata: ["run.id": "\(run)", "error": "\(error)"])
        }
        let info = RunView.info(entry.record, planner: entry.planner)
        runner.shared.withLock { $0.runs[run] = info }
    }

    mutating func perform(_ actions: [PlannerAction], run: String) {
        for action in actions {
            guard let entry = live[run] else { return }
            switch action {
            case .submit(let jobs):
                submit(jobs, run: run)
            case .lookUpCache(let step, let key):
                let hit = runner.shared.withLock { $0.books.cache[key] }
                handle(.cacheAnswered(step: step, hit: hit), run: run)
            case .checkStatistics(let step, let dataset, let shards):
                let reference = entry.record.inputs.spans[dataset]?.referenceStatistics
                let outcome = StatisticsCheck.run(shards: shards, reference: reference,
                                                  params: entry.planner.parameters(step), store: artifacts)
                handle(.statisticsChecked(step: step, report: outcome), run: run)
            case .decide(let step, let verdict, let model):
                let evaluation = entry.planner.steps.values.first { $0.type == .evaluate }?.metrics ?? [:]
                let spec = entry.planner.spec
                let version = updateBooks { books in
                    books.decide(model: spec.model, runID: run, artifact: model, metrics: evaluation,
                                 verdict: verdict, now: PipelineRunner.nowMs())
                }
                handle(.decisionRecorded(step: step, version: version), run: run)
            case .storeCache(_, let key, let result):
                updateBooks { $0.cache[key] = result }
            case .finished(let outcome):
                finish(run, outcome)
            }
        }
    }

    mutating func submit(_ jobs: [PlannedJob], run: String) {
        guard let client, !jobs.isEmpty else { return }
        let specs = jobs.map {
            JobSpec(kind: $0.kind, params: $0.params, maxRetries: 1, idempotencyKey: "pipeline:\($0.key)")
        }
        do {
            let ids = try client.submit(specs)
            for (job, id) in zip(jobs, ids) {
                watching[id] = (run, job.key)
                live[run]?.record.jobIDs[job.key] = id
            }
            save(run)
            try client.rewatch(ids)
        } catch {
            logger.error("pipeline.submit.failed", metadata: ["run.id": "\(run)", "error": "\(error)"])
            for job in jobs { handle(.jobFailed(key: job.key, message: "could not submit: \(error)"), run: run) }
        }
    }

    mutating func finish(_ run: String, _ outcome: RunOutcome) {
        guard var entry = live[run], entry.record.outcome == nil else { return }
        entry.record.outcome = outcome
        entry.record.endedAtMs = PipelineRunner.nowMs()
        entry.record.message = RunView.message(entry.planner)
        live[run] = entry
        if outcome == .promoted {
            // The promoted model's training data becomes its dataset's drift reference.
            let references = entry.planner.steps.values.filter { $0.type == .validate }.compactMap { s -> (String, String)? in
                guard let d = entry.planner.spec.step(named: s.name)?.dataset, let use = entry.planner.spec.datasets[d],
                      let stats = s.outputs["statistics"] else { return nil }
                return (use.dataset, stats)
            }
            updateBooks { books in for (d, s) in references { books.references[d] = s } }
        }
        save(run)
        live[run] = nil
        logger.info("pipeline.run.finished", metadata: ["run.id": "\(run)", "outcome": "\(outcome.rawValue)"])
    }

    /// Changes the books under the lock and stores them.
    func updateBooks<T>(_ change: (inout Books) -> T) -> T {
        runner.shared.withLock { s in
            let result = change(&s.books)
            do {
                try JSONFiles.write(s.books, to: runner.booksPath)
            } catch {
                logger.error("pipeline.books.unsaved", metadata: ["error": "\(error)"])
            }
            return result
        }
    }
}
