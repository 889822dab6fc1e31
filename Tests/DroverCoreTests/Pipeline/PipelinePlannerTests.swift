@testable import DroverCore
import Testing

@Suite("Pipeline planner")
struct PipelinePlannerTests {
    static let spec = try! PipelineSpecLoader.load(yaml: PipelineSpecLoaderTests.good, file: "p.yaml")
    static let span = SpanInput(dataset: "diamonds", span: 1, digest: "sha256:span", size: 900)

    static func inputs(champion: ChampionInput? = nil, run: String = "r1") -> RunInputs {
        RunInputs(runID: run, spans: ["diamonds": span], champion: champion, codeVersion: "v1")
    }

    /// Drives a planner like the shell does: jobs succeed with outputs named after their key,
    /// the cache misses, checks pass; returns the events fed and every action seen.
    struct Driver {
        var planner: PipelinePlanner
        var events: [PlannerEvent] = []
        var submitted: [PlannedJob] = []
        var decisions: [Verdict] = []
        var finished: RunOutcome?
        var evaluation: [String: Double] = ["candidate.rmse": 500, "candidate.r2": 0.9]
        var blocking = false
        var supersede: String?
        var cancelled: [String] = []
        var cache: [String: CachedStep] = [:]

        init(_ planner: PipelinePlanner) { self.planner = planner }

        mutating func feed(_ e: PlannerEvent) {
            events.append(e)
            perform(planner.handle(e, now: 1))
        }

        mutating func perform(_ actions: [PlannerAction]) {
            for a in actions {
                switch a {
                case .submit(let jobs): submitted += jobs
                case .lookUpCache(let step, let key): feed(.cacheAnswered(step: step, hit: cache[key]))
                case .checkStatistics(let step, _, let shards):
                    feed(.statisticsChecked(step: step, report: ValidationOutcome(rows: shards.count, statistics: "sha256:merged",
                                                                                 anomalies: blocking ? ["error price: missing column"] : [],
                                                                                 drifted: [], blocking: blocking)))
                case .decide(let step, let verdict, _):
                    decisions.append(verdict)
                    if let supersede {
                        feed(.decisionSuperseded(step: step, version: 1, reason: supersede))
                    } else {
                        feed(.decisionRecorded(step: step, version: verdict.passed ? 1 : nil))
                    }
                case .storeCache(_, let key, let result): cache[key] = result
                case .cancel(let keys): cancelled += keys
                case .finished(let o): finished = o
                }
            }
        }

        /// Completes every submitted, unfinished job.
        mutating func completeJobs() {
            var i = 0
            while i < submitted.count {
                let j = submitted[i]
                i += 1
                let outputs: [String: String] = switch j.kind {
                case "stats": ["statistics": "sha256:stats-\(j.shard)"]
                case "features": ["features": "sha256:feat-\(j.shard)", "rows": "10"]
                case "train": ["model": "sha256:model-\(j.params["trees"] ?? "")"]
                default: [:]
                }
                feed(.jobSucceeded(key: j.key, metrics: j.kind == "evaluate" ? evaluation : [:], outputs: outputs))
            }
        }
    }

    @Test("a run becomes shard jobs over byte ranges, then one train and one evaluate job, then a promotion")
    func happyPath() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        d.perform(d.planner.start(now: 0))
        #expect(d.submitted.map(\.kind) == ["stats", "stats", "stats"])
        #expect(d.submitted.map { $0.params["range"]! } == ["0-300", "300-600", "600-900"])
        #expect(d.submitted.allSatisfy { $0.params["input"] == "sha256:span" && $0.params["label"] == nil })
        d.completeJobs()
        #expect(d.submitted.map(\.kind) == ["stats", "stats", "stats", "features", "features", "features", "train", "evaluate"])
        let train = d.submitted[6], evaluate = d.submitted[7]
        #expect(train.params["inputs"] == "sha256:feat-0,sha256:feat-1,sha256:feat-2")
        #expect(train.params["trees"] == "40" && train.params["model"] == "gbdt" && train.params["holdout_modulo"] == "5")
        #expect(evaluate.params["candidate"] == "sha256:model-40" && evaluate.params["baseline"] == nil)
        #expect(evaluate.params["inputs"] == train.params["inputs"])
        #expect(d.finished == .promoted)
        #expect(d.decisions.count == 1 && d.decisions[0].passed)
        #expect(d.planner.steps["promote"]?.outputs["version"] == "1")
        #expect(Set(d.submitted.map(\.key)).count == d.submitted.count)
    }

    @Test("a weaker candidate than the champion is rejected on the change threshold")
    func rejectedAgainstChampion() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs(champion: ChampionInput(version: 1, digest: "sha256:champ"))))
        d.evaluation = ["candidate.rmse": 700, "baseline.rmse": 500, "candidate.r2": 0.8, "baseline.r2": 0.9]
        d.perform(d.planner.start(now: 0))
        d.completeJobs()
        #expect(d.submitted.last?.params["baseline"] == "sha256:champ")
        #expect(d.finished == .rejected)
        let failed = d.decisions[0].checks.filter { !$0.passed }
        #expect(failed.map(\.kind) == [.relativeChange] && failed[0].candidate == 700 && failed[0].baseline == 500)
    }

    @Test("a passing candidate whose champion moved during the run is registered, not promoted")
    func superseded() throws {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs(champion: ChampionInput(version: 1, digest: "sha256:champ"))))
        d.evaluation = ["candidate.rmse": 400, "baseline.rmse": 500, "candidate.r2": 0.9, "baseline.r2": 0.9]
        d.supersede = "@champion moved to version 3"
        d.perform(d.planner.start(now: 0))
        d.completeJobs()
        #expect(d.decisions.first?.passed == true)
        #expect(d.finished == .rejected)
        #expect(d.planner.steps["promote"]?.outputs["version"] == "1" && d.planner.steps["promote"]?.message?.contains("moved") == true)
    }

    @Test("a blocking validation stops the run: later steps are skipped, nothing is trained")
    func blocked() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        d.blocking = true
        d.perform(d.planner.start(now: 0))
        d.completeJobs()
        #expect(d.finished == .blocked)
        #expect(!d.submitted.contains { $0.kind == "train" })
        #expect(d.planner.steps["train"]?.status == .skipped && d.planner.steps["validate"]?.status == .blocked)
        #expect(d.planner.steps["validate"]?.message?.contains("missing column") == true)
    }

    @Test("a failed shard fails the run; a duplicate or late result changes nothing")
    func failure() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        d.perform(d.planner.start(now: 0))
        let key = d.submitted[0].key
        d.feed(.jobSucceeded(key: key, metrics: [:], outputs: ["statistics": "a"]))
        d.feed(.jobSucceeded(key: key, metrics: [:], outputs: ["statistics": "b"]))
        #expect(d.planner.steps["validate"]?.shardsDone == 1)
        d.feed(.jobFailed(key: d.submitted[1].key, message: "boom"))
        #expect(d.finished == .failed)
        #expect(d.planner.steps["validate"]?.message == "shard 1 failed: boom")
    }

    @Test("replaying the stored events rebuilds the same state; pending work is only what was open")
    func replayResumes() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        d.perform(d.planner.start(now: 0))
        // Finish validate and two feature shards, then "crash".
        for j in d.submitted.prefix(3) { d.feed(.jobSucceeded(key: j.key, metrics: [:], outputs: ["statistics": "s\(j.shard)"])) }
        let features = d.submitted.filter { $0.kind == "features" }
        for j in features.prefix(2) { d.feed(.jobSucceeded(key: j.key, metrics: [:], outputs: ["features": "f\(j.shard)"])) }
        var replayed = PipelinePlanner(spec: Self.spec, inputs: Self.inputs())
        _ = replayed.start(now: 0)
        for e in d.events { _ = replayed.handle(e, now: 1) }
        #expect(replayed.steps == d.planner.steps)
        #expect(replayed.pending() == [.submit([features[2]])])
    }

    @Test("after a restart between the decision and its record, the decision is asked again, never twice recorded")
    func replayDuringDecision() {
        var d = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        d.perform(d.planner.start(now: 0))
        d.completeJobs()
        // Drop the decisionRecorded event (the crash came before it was stored).
        let stored = d.events.filter { if case .decisionRecorded = $0 { false } else { true } }
        var replayed = PipelinePlanner(spec: Self.spec, inputs: Self.inputs())
        _ = replayed.start(now: 0)
        for e in stored { _ = replayed.handle(e, now: 1) }
        guard case .decide(let step, let verdict, let model)? = replayed.pending().first else {
            Issue.record("expected a pending decision")
            return
        }
        #expect(step == "promote" && verdict.passed && model == "sha256:model-40")
        _ = replayed.handle(.decisionRecorded(step: "promote", version: 1), now: 2)
        #expect(replayed.outcome == .promoted)
        #expect(replayed.handle(.decisionRecorded(step: "promote", version: 2), now: 3) == [])
        #expect(replayed.steps["promote"]?.outputs["version"] == "1")
    }

    @Test("a second run with the same inputs is served from the cache and says from which run")
    func cached() {
        var first = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs()))
        first.perform(first.planner.start(now: 0))
        first.completeJobs()
        var second = Driver(PipelinePlanner(spec: Self.spec, inputs: Self.inputs(run: "r2")))
        second.cache = first.cache
        second.perform(second.planner.start(now: 0))
        second.completeJobs()
        #expect(second.submitted.isEmpty)
        #expect(second.planner.steps["train"]?.status == .cached && second.planner.steps["train"]?.cachedFrom == "r1")
        #expect(second.planner.steps["validate"]?.status == .cached)
        #expect(second.finished == .promoted)
    }

    /// A promote step's gate as written in YAML, evaluated by the planner (VerdictEvaluator).
    static func verdict(_ gates: String, firstModel: String = "value-thresholds", _ evaluation: [String: Double], champion: Bool) throws -> Verdict {
        let yaml = PipelineSpecLoaderTests.good.replacingOccurrences(of: "first_model: value-thresholds", with: "first_model: \(firstModel)")
        let head = yaml[..<yaml.range(of: "gates:")!.upperBound]
        let spec = try PipelineSpecLoader.load(yaml: head + "\n" + gates + "\n", file: "g.yaml")
        let promote = try #require(spec.step(named: "promote"))
        return PipelinePlanner.verdict(policy: promote.policy, evaluation: evaluation, hasChampion: champion)
    }

    @Test("gates: bounds inclusive, missing metric fails, first model policy, change as improvement in the metric's direction")
    func gates() throws {
        let rmse = "      - {metric: rmse, max: 500, change: {absolute: 0}}"
        #expect(try Self.verdict(rmse, ["candidate.rmse": 500], champion: false).passed)
        #expect(try !Self.verdict(rmse, [:], champion: false).passed)
        #expect(try !Self.verdict(rmse, firstModel: "reject", ["candidate.rmse": 400], champion: false).passed)
        #expect(try Self.verdict(rmse, ["candidate.rmse": 400, "baseline.rmse": 400], champion: true).passed)
        #expect(try !Self.verdict(rmse, ["candidate.rmse": 401, "baseline.rmse": 400], champion: true).passed)
        #expect(try !Self.verdict(rmse, ["candidate.rmse": 400], champion: true).passed, "a missing champion metric fails")
        let better = "      - {metric: rmse, change: {absolute: 10}}"
        #expect(try Self.verdict(better, ["candidate.rmse": 390, "baseline.rmse": 400], champion: true).passed)
        #expect(try !Self.verdict(better, ["candidate.rmse": 395, "baseline.rmse": 400], champion: true).passed)
        let rel = "      - {metric: r2, change: {relative: 0.01}}"
        #expect(try Self.verdict(rel, ["candidate.r2": 0.91, "baseline.r2": 0.9], champion: true).passed)
        #expect(try !Self.verdict(rel, ["candidate.r2": 0.905, "baseline.r2": 0.9], champion: true).passed)
    }

    @Test("a metric gated twice is refused with the field")
    func duplicateGate() throws {
        let yaml = PipelineSpecLoaderTests.good.replacingOccurrences(of: "      - {metric: r2, min: 0.5}", with: "      - {metric: rmse, min: 0.5}")
        #expect(throws: PipelineSpecError.self) { try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml") }
    }
}
