import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Logging

/// The planner's requests, performed on the runner's thread.
extension LoopState {
    mutating func perform(_ actions: [PlannerAction], run: String) {
        for action in actions {
            guard let entry = live[run] else { return }
            switch action {
            case .submit(let jobs):
                submit(jobs, run: run)
            case .cancel(let keys):
                cancel(keys, run: run)
            case .lookUpCache(let step, let key):
                var hit: CachedStep?
                do {
                    hit = try records.cached(key: key)
                } catch {
                    logger.warning("pipeline.cache.unreadable", metadata: ["run.id": "\(run)", "error": "\(error)"])
                }
                handle(.cacheAnswered(step: step, hit: hit), run: run)
            case .checkStatistics(let step, let dataset, let shards):
                let reference = entry.record.inputs.spans[dataset]?.referenceStatistics
                let t = phases.start()
                let outcome = StatisticsCheck.run(shards: shards, reference: reference,
                                                  params: entry.planner.parameters(step), store: artifacts)
                phases.end(t, "statistics.check", run: run)
                handle(.statisticsChecked(step: step, report: outcome), run: run)
            case .decide(let step, let verdict, let model):
                decide(run: run, step: step, verdict: verdict, model: model)
            case .storeCache(let step, let key, let result):
                records.emit([.stepCache(StepCacheEntry(key: key, runID: result.runID, step: step, outputs: result.outputs,
                                                        metrics: result.metrics, createdAt: Double(PipelineRunner.nowMs()) / 1000))])
            case .finished(let outcome):
                finish(run, outcome)
            }
        }
    }

    mutating func submit(_ jobs: [PlannedJob], run: String) {
        guard let client, !jobs.isEmpty else { return }
        let jobs = attachTraining(jobs, run: run)
        let specs = jobs.map {
            JobSpec(kind: $0.kind, params: $0.params, tags: $0.tags, maxRetries: 1,
                    timeoutMs: UInt32(clamping: $0.timeoutMs), idempotencyKey: "pipeline:\($0.key)")
        }
        do {
            let t = phases.start()
            let ids = try client.submit(specs)
            phases.end(t, "submit", run: run)
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

    /// Registers the candidate, stores the verdict and — if it passed — moves `@champion`, all
    /// keyed by `run/step` in the registry, so a decision repeated after a crash (before its
    /// event was stored) finds the first one. Retried later if the registry cannot be written.
    mutating func decide(run: String, step: String, verdict: Verdict, model: String) {
        guard let entry = live[run] else { return }
        failpoint.before("decide")
        guard !model.isEmpty else {
            handle(.decisionRecorded(step: step, version: nil), run: run)
            return
        }
        let spec = entry.planner.spec
        let train = entry.planner.steps.values.first { $0.type == .train && $0.outputs["model"] == model }
        do {
            let t = phases.start()
            let (version, superseded) = try records.decide(model: spec.model, candidate: model, metrics: train?.metrics ?? [:],
                                                           verdict: verdict, baseline: entry.record.inputs.champion?.version,
                                                           runID: run, step: step)
            phases.end(t, "decide", run: run)
            logger.info("pipeline.decided", metadata: ["run.id": "\(run)", "version": "\(version)", "passed": "\(verdict.passed)",
                                                       "superseded": "\(superseded ?? "no")"])
            failpoint.after("decide")
            if let superseded {
                handle(.decisionSuperseded(step: step, version: version, reason: superseded), run: run)
            } else {
                handle(.decisionRecorded(step: step, version: version), run: run)
            }
        } catch {
            logger.error("pipeline.decide.failed", metadata: ["run.id": "\(run)", "error": "\(error)"])
            retry.append((run, .decide(step: step, verdict: verdict, model: model)))
        }
    }

    /// Records the steps whose status changed since the last call; a finished train step's
    /// model becomes a registry version.
    mutating func track(_ run: String) {
        guard let entry = live[run] else { return }
        var seen = tracked[run] ?? [:]
        var events: [MetadataEvent] = []
        var models: [(String, [String: Double])] = []
        var trials = trialsTracked[run] ?? [:]
        for name in PipelineGraph.order(entry.planner.spec) {
            if let s = entry.planner.steps[name], s.sweep != nil { events += RunTracking.trials(s, planner: entry.planner, run: run, seen: &trials) }
            guard let s = entry.planner.steps[name], s.status != .waiting, seen[name] != s.status else { continue }
            events += RunTracking.step(s, planner: entry.planner, run: run)
            seen[name] = s.status
            if s.type == .train, s.status == .succeeded, let model = s.outputs["model"] { models.append((model, s.metrics)) }
        }
        tracked[run] = seen
        trialsTracked[run] = trials
        records.emit(events)
        for (model, metrics) in models {
            let t = phases.start()
            defer { phases.end(t, "register", run: run) }
            do {
                let version = try records.register(model: entry.planner.spec.model, reference: model, metrics: metrics, runID: run)
                logger.info("pipeline.model.registered", metadata: ["run.id": "\(run)", "version": "\(version)"])
            } catch {
                // The promote step registers it again (same key); a run without one logs it here.
                logger.error("pipeline.model.unregistered", metadata: ["run.id": "\(run)", "error": "\(error)"])
            }
        }
    }

    /// Ends the run: its final state is committed to the metadata store before clients see it.
    mutating func finish(_ run: String, _ outcome: RunOutcome) {
        guard var entry = live[run], entry.record.outcome == nil else { return }
        entry.record.outcome = outcome
        entry.record.endedAtMs = PipelineRunner.nowMs()
        entry.record.message = RunView.message(entry.planner)
        live[run] = entry
        track(run)
        records.emit([RunTracking.finished(entry.record, spec: entry.planner.spec, codeVersion: entry.record.inputs.codeVersion)])
        let t = phases.start()
        records.flush()
        phases.end(t, "finish.flush", run: run)
        save(run, durable: true)
        live[run] = nil
        written[run] = nil
        tracked[run] = nil
        trialsTracked[run] = nil
        logger.info("pipeline.run.finished", metadata: ["run.id": "\(run)", "outcome": "\(outcome.rawValue)"])
        release(run, model: entry.planner.spec.model)
    }
}
