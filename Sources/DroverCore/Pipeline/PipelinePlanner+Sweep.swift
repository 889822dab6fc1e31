/// A swept step: one job per trial (key `<run>/<step>/<trial>`), at most `max_parallel` at
/// once; the early-stopping rule sees the points trials report and stops the losers through
/// the cancel path; when every trial has ended, the best one's model and metrics are the step's.
extension PipelinePlanner {
    func isTrial(_ key: String) -> Bool {
        guard let name = jobs[key]?.step else { return false }
        return steps[name]?.sweep != nil
    }

    /// The first trials of a step whose jobs were just planned.
    mutating func launchTrials(_ name: String, _ planned: [PlannedJob], now: Int64) -> [PlannerAction] {
        guard var sweep = steps[name]?.sweep else { return [] }
        let start = Set(sweep.launch(now: now))
        steps[name]?.sweep = sweep
        return [.submit(planned.filter { start.contains($0.shard) })]
    }

    mutating func handleTrial(_ event: PlannerEvent, now: Int64) -> [PlannerAction] {
        let key: String
        switch event {
        case .jobSucceeded(let k, _, _), .jobFailed(let k, _), .trialReported(let k, _): key = k
        default: return []
        }
        guard let (name, trial) = jobs[key], var s = steps[name], s.status == .running, var sweep = s.sweep else { return [] }
        var out: [PlannerAction] = []
        switch event {
        case .trialReported(_, let points):
            let stop = sweep.report(trial: trial, points: points)
            if !stop.isEmpty { out.append(.cancel(keys: stop.map { s.jobKeys[$0] })) }
        case .jobSucceeded(_, let metrics, var outputs):
            if stepSpec(name).command != nil {
                guard let model = Self.commandModel(outputs) else {
                    sweep.failed(trial: trial, message: Self.noModelMessage, now: now)
                    break
                }
                outputs["model"] = model
            }
            sweep.succeeded(trial: trial, metrics: metrics, outputs: outputs, now: now)
        case .jobFailed(_, let message):
            sweep.failed(trial: trial, message: message, now: now)
        default: break
        }
        let next = Set(sweep.launch(now: now))
        s.sweep = sweep
        s.shardsDone = sweep.trials.filter(\.status.isFinal).count
        steps[name] = s
        if !next.isEmpty { out.append(.submit(plannedJobs(name).filter { next.contains($0.shard) })) }
        if sweep.isDone { out += sweepDone(name, now: now) }
        return out
    }

    /// Every trial ended: the best is the step's result, or the step fails.
    mutating func sweepDone(_ name: String, now: Int64) -> [PlannerAction] {
        guard var s = steps[name], let sweep = s.sweep else { return [] }
        guard let best = sweep.best else {
            let failed = sweep.trials.filter { $0.status == .failed }
            let why = failed.first?.reason.map { "; trial \(failed[0].index): \($0)" } ?? ""
            finish(name, .failed, now: now, message: "no trial of \(sweep.trials.count) finished with '\(sweep.spec.metric)'\(why)")
            return []
        }
        s.outputs = best.outputs
        s.outputs["best_trial"] = String(best.index)
        s.metrics = best.metrics
        s.message = "best of \(sweep.trials.count) trials: #\(best.index) " + best.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            + (sweep.value(best).map { ", \(sweep.spec.metric) \($0)" } ?? "")
        steps[name] = s
        let stored = storeCache(name)
        finish(name, .succeeded, now: now)
        return stored
    }

    /// After a restart: submit the running trials again (same keys), cancel the stopping ones.
    func pendingTrials(_ name: String) -> [PlannerAction] {
        guard let s = steps[name], let sweep = s.sweep else { return [] }
        let running = Set(sweep.running)
        var out: [PlannerAction] = [.submit(plannedJobs(name).filter { running.contains($0.shard) })]
        if !sweep.stopping.isEmpty { out.append(.cancel(keys: sweep.stopping.map { s.jobKeys[$0] })) }
        return out
    }

    /// The metric a running trial's job streams for early stopping (nil: nothing to watch).
    public func watchedMetric(key: String) -> String? {
        guard let (name, _) = jobs[key], let sweep = steps[name]?.sweep, sweep.spec.earlyStopping != nil else { return nil }
        return sweep.spec.metric
    }

    /// The trial's parameters on top of the step's.
    func trialParameters(_ name: String, trial: Int) -> [String: String] {
        guard let sweep = steps[name]?.sweep, sweep.trials.indices.contains(trial) else { return [:] }
        return sweep.trials[trial].params
    }
}
