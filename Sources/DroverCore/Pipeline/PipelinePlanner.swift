/// Turns a pipeline run into jobs and reacts to what happens to them. A pure state machine:
/// no I/O, no clock (times come with the events). The runner shell performs its actions
/// (submit jobs, look up the cache, check statistics, record the decision) and feeds the
/// answers back as events, which it also stores: replaying the stored events rebuilds the
/// same state after a coordinator restart, so a finished step never runs again and a
/// recorded decision is never taken twice.
public struct PipelinePlanner: Sendable {
    public let spec: PipelineSpec
    public let inputs: RunInputs
    public internal(set) var steps: [String: StepState] = [:]
    public private(set) var outcome: RunOutcome?
    /// Job key → (step, shard); a swept step's shard is its trial.
    var jobs: [String: (step: String, shard: Int)] = [:]
    private let order: [String]

    /// One step's progress, as `drover runs show` prints it.
    public struct StepState: Sendable, Equatable, Codable {
        public var name: String
        public var type: StepType
        public var status: StepStatus = .waiting
        /// Jobs of the step (keys, by shard) and how many have succeeded.
        public var jobKeys: [String] = []
        public var shardsDone = 0
        public var shardOutputs: [Int: [String: String]] = [:]
        public var outputs: [String: String] = [:]
        public var metrics: [String: Double] = [:]
        /// Data the step's jobs read (artifact digests, in order).
        public var dataInputs: [String] = []
        public var cacheKey: String?
        /// Set when the result came from an earlier run's identical step.
        public var cachedFrom: String?
        public var validation: ValidationOutcome?
        public var verdict: Verdict?
        public var message: String?
        public var startedAtMs: Int64?
        public var endedAtMs: Int64?
        /// A swept step's trials.
        public var sweep: SweepRun?
    }

    public init(spec: PipelineSpec, inputs: RunInputs) {
        self.spec = spec
        self.inputs = inputs
        order = PipelineGraph.order(spec)
        for s in spec.steps {
            steps[s.name] = StepState(name: s.name, type: s.type, sweep: s.sweep.map(SweepRun.init))
        }
    }

    /// Starts the run: the steps with no dependencies.
    public mutating func start(now: Int64) -> [PlannerAction] {
        advance(now: now)
    }

    public mutating func handle(_ event: PlannerEvent, now: Int64) -> [PlannerAction] {
        guard outcome == nil else { return [] }
        var out: [PlannerAction] = []
        switch event {
        case .jobSucceeded(let key, _, _) where isTrial(key), .jobFailed(let key, _) where isTrial(key),
             .trialReported(let key, _) where isTrial(key):
            out += handleTrial(event, now: now)
        case .trialReported:
            return []
        case .jobSucceeded(let key, let metrics, var outputs):
            if let name = jobs[key]?.step, steps[name]?.status == .running, stepSpec(name).command != nil {
                guard let model = Self.commandModel(outputs) else {
                    finish(name, .failed, now: now, message: Self.noModelMessage)
                    return advance(now: now)
                }
                outputs["model"] = model
            }
            guard let (name, shard) = jobs[key], var s = steps[name], s.status == .running,
                  s.shardOutputs[shard] == nil else { return [] }
            s.shardOutputs[shard] = outputs
            s.shardsDone += 1
            if s.jobKeys.count == 1 || (shard == 0 && stepSpec(name).distributedShards != nil) { s.metrics = metrics }
            steps[name] = s
            if s.shardsDone == s.jobKeys.count { out += stepJobsDone(name, now: now) }
        case .jobFailed(let key, let message):
            guard let (name, shard) = jobs[key], steps[name]?.status == .running else { return [] }
            finish(name, .failed, now: now, message: "shard \(shard) failed: \(message)")
        case .cacheAnswered(let name, let hit):
            guard var s = steps[name], s.status == .lookingUp else { return [] }
            if let hit {
                s.cachedFrom = hit.runID
                s.outputs = hit.outputs
                s.metrics = hit.metrics
                steps[name] = s
                if s.type == .validate {
                    out += checkStatistics(name, shards: split(hit.outputs["shards"]))
                } else {
                    finish(name, .cached, now: now)
                }
            } else {
                out += submitJobs(name, now: now)
            }
        case .statisticsChecked(let name, let report):
            guard var s = steps[name], s.status == .checking else { return [] }
            s.validation = report
            s.outputs["statistics"] = report.statistics
            steps[name] = s
            if report.blocking {
                finish(name, .blocked, now: now, message: "blocked: " + (report.anomalies + report.drifted.map { "drift in \($0)" }).joined(separator: "; "))
            } else {
                finish(name, s.cachedFrom == nil ? .succeeded : .cached, now: now)
            }
        case .decisionRecorded(let name, let version):
            guard var s = steps[name], s.status == .deciding else { return [] }
            if let version { s.outputs["version"] = String(version) }
            steps[name] = s
            finish(name, .succeeded, now: now)
        case .decisionSuperseded(let name, let version, let reason):
            guard var s = steps[name], s.status == .deciding else { return [] }
            s.outputs["version"] = String(version)
            s.outputs["superseded"] = reason
            steps[name] = s
            finish(name, .succeeded, now: now, message: "not promoted: \(reason)")
        }
        return out + advance(now: now)
    }

    /// The requests still unanswered, to perform again after a restart (jobs are resubmitted
    /// with the same idempotency keys, so the coordinator hands back the same jobs).
    public func pending() -> [PlannerAction] {
        var out: [PlannerAction] = []
        for name in order {
            guard let s = steps[name] else { continue }
            switch s.status {
            case .lookingUp: out.append(.lookUpCache(step: name, key: s.cacheKey ?? ""))
            case .running where s.sweep != nil:
                out += pendingTrials(name)
            case .running:
                let open = s.jobKeys.enumerated().filter { s.shardOutputs[$0.offset] == nil }.map(\.offset)
                out.append(.submit(plannedJobs(name).filter { open.contains($0.shard) }))
            case .checking:
                out.append(.checkStatistics(step: name, dataset: stepSpec(name).dataset ?? "", shardStatistics: shardList(s)))
            case .deciding:
                if let verdict = s.verdict { out.append(.decide(step: name, verdict: verdict, model: s.outputs["model"] ?? "")) }
            default: break
            }
        }
        if let outcome { out.append(.finished(outcome)) }
        return out
    }

    // MARK: Transitions

    private mutating func advance(now: Int64) -> [PlannerAction] {
        guard outcome == nil else { return [] }
        var out: [PlannerAction] = []
        for name in order where steps[name]?.status == .waiting {
            let needs = stepSpec(name).needs.compactMap { steps[$0] }
            if needs.contains(where: { [.failed, .blocked, .skipped].contains($0.status) }) {
                finish(name, .skipped, now: now, message: "skipped: an earlier step did not succeed")
                continue
            }
            guard needs.allSatisfy({ $0.status == .succeeded || $0.status == .cached }) else { continue }
            let reads = dataInputs(name)
            steps[name]?.startedAtMs = now
            steps[name]?.dataInputs = reads
            if stepSpec(name).type == .promote {
                out += decide(name)
            } else if spec.cache {
                let key = cacheKey(name)
                steps[name]?.cacheKey = key
                steps[name]?.status = .lookingUp
                out.append(.lookUpCache(step: name, key: key))
            } else {
                out += submitJobs(name, now: now)
            }
        }
        if steps.values.allSatisfy({ $0.status.isFinal }) {
            let result = runOutcome()
            outcome = result
            out.append(.finished(result))
        }
        return out
    }

    mutating func stepJobsDone(_ name: String, now: Int64) -> [PlannerAction] {
        guard var s = steps[name] else { return [] }
        switch s.type {
        case .validate:
            s.outputs["shards"] = shardList(s).joined(separator: ",")
            steps[name] = s
            return storeCache(name) + checkStatistics(name, shards: shardList(s))
        case .features:
            s.outputs["shards"] = (0..<s.jobKeys.count).compactMap { s.shardOutputs[$0]?["features"] }.joined(separator: ",")
            s.outputs["rows"] = String(s.shardOutputs.values.compactMap { Int($0["rows"] ?? "") }.reduce(0, +))
        case .train, .evaluate:
            s.outputs.merge(s.shardOutputs[0] ?? [:]) { _, b in b }
        case .promote:
            break
        }
        steps[name] = s
        let stored = storeCache(name)
        finish(name, .succeeded, now: now)
        return stored
    }

    func storeCache(_ name: String) -> [PlannerAction] {
        guard let s = steps[name], let key = s.cacheKey else { return [] }
        return [.storeCache(step: name, key: key, result: CachedStep(runID: inputs.runID, outputs: s.outputs, metrics: s.metrics))]
    }

    private mutating func checkStatistics(_ name: String, shards: [String]) -> [PlannerAction] {
        steps[name]?.status = .checking
        return [.checkStatistics(step: name, dataset: stepSpec(name).dataset ?? "", shardStatistics: shards)]
    }

    private mutating func decide(_ name: String) -> [PlannerAction] {
        let step = stepSpec(name)
        let evaluation = step.needs.compactMap { steps[$0] }.first { $0.type == .evaluate }
        var train = evaluation.flatMap { e in stepSpec(e.name).needs.compactMap { steps[$0] }.first { $0.type == .train } }
        var metrics = evaluation?.metrics ?? [:]
        if evaluation == nil, let command = step.needs.compactMap({ steps[$0] }).first(where: { $0.type == .train }) {
            train = command
            metrics = Self.commandEvaluation(candidate: command.metrics, champion: inputs.champion?.metrics)
        }
        let verdict = Self.verdict(policy: step.policy, evaluation: metrics, hasChampion: inputs.champion != nil)
        let model = train?.outputs["model"] ?? ""
        steps[name]?.verdict = verdict
        steps[name]?.outputs["model"] = model
        steps[name]?.status = .deciding
        return [.decide(step: name, verdict: verdict, model: model)]
    }

    private mutating func submitJobs(_ name: String, now: Int64) -> [PlannerAction] {
        let planned = plannedJobs(name)
        for j in planned { jobs[j.key] = (name, j.shard) }
        steps[name]?.jobKeys = planned.map(\.key)
        steps[name]?.status = .running
        if steps[name]?.sweep != nil { return launchTrials(name, planned, now: now) }
        return [.submit(planned)]
    }

    mutating func finish(_ name: String, _ status: StepStatus, now: Int64, message: String? = nil) {
        steps[name]?.status = status
        steps[name]?.endedAtMs = now
        if let message { steps[name]?.message = message }
    }

    private func runOutcome() -> RunOutcome {
        let all = steps.values
        if all.contains(where: { $0.status == .blocked }) { return .blocked }
        if all.contains(where: { $0.status == .failed }) { return .failed }
        if let promote = all.first(where: { $0.type == .promote }) {
            return promote.verdict?.passed == true && promote.outputs["superseded"] == nil ? .promoted : .rejected
        }
        return .succeeded
    }

    // MARK: Helpers

    /// The gate's verdict on an evaluate step's metrics (`candidate.M`, `baseline.M`: both
    /// models on the same holdout in the same run), by `VerdictEvaluator` (TFX semantics).
    static func verdict(policy: PromotionPolicy, evaluation: [String: Double], hasChampion: Bool) -> Verdict {
        var candidate: [String: Double] = [:], baseline: [String: Double] = [:]
        for (key, value) in evaluation {
            if key.hasPrefix("candidate.") { candidate[String(key.dropFirst("candidate.".count))] = value }
            if key.hasPrefix("baseline.") { baseline[String(key.dropFirst("baseline.".count))] = value }
        }
        do {
            return try VerdictEvaluator.evaluate(policy: policy, candidate: candidate, baseline: hasChampion ? baseline : nil)
        } catch {
            return Verdict(outcome: .fail, checks: [], firstModel: !hasChampion, notes: ["the gate cannot decide: \(error)"])
        }
    }

    func stepSpec(_ name: String) -> StepSpec { spec.step(named: name)! }

    private func shardList(_ s: StepState) -> [String] {
        (0..<s.jobKeys.count).compactMap { s.shardOutputs[$0]?["statistics"] }.nilIfEmpty ?? split(s.outputs["shards"])
    }

    func split(_ list: String?) -> [String] {
        (list ?? "").split(separator: ",").map(String.init)
    }
}

extension Array {
    var nilIfEmpty: Self? { isEmpty ? nil : self }
}
