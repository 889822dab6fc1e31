@testable import DroverCore
import Testing

/// `distributed: { shards: N }` on a train step: the spec field and the planned shard jobs.
@Suite("Distributed train planning")
struct DistributedTrainPlanTests {
    static let yaml = """
        pipeline: p
        model: m
        datasets:
          d: {span: latest}
        params: {label: y, model: gbdt}
        steps:
          validate: {dataset: d}
          train:
            needs: [validate]
            dataset: d
            distributed: {shards: 3}
          evaluate: {needs: [train]}
        """

    @Test("the spec field is read; a non-train step or a missing count is refused with file, line and field")
    func specField() throws {
        let spec = try PipelineSpecLoader.load(yaml: Self.yaml, file: "p.yaml")
        #expect(spec.step(named: "train")?.distributedShards == 3)
        #expect(spec.step(named: "validate")?.distributedShards == nil)
        func error(_ yaml: String) -> String {
            do { _ = try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml"); return "" } catch { return "\(error)" }
        }
        #expect(error(Self.yaml.replacingOccurrences(of: "{shards: 3}", with: "{shards: 0}")).contains("p.yaml:11:27: steps.train.distributed.shards: must be a whole number from 1 to 1024"))
        #expect(error(Self.yaml.replacingOccurrences(of: "{shards: 3}", with: "{}")).contains("steps.train.distributed: needs `shards: N`"))
        #expect(error(Self.yaml.replacingOccurrences(of: "{shards: 3}", with: "{shard: 3}")).contains("did you mean 'shards'?"))
        #expect(error(Self.yaml.replacingOccurrences(of: "validate: {dataset: d}", with: "validate: {dataset: d, distributed: {shards: 2}}"))
                .contains("steps.validate.distributed: only train steps are distributed"))
    }

    @Test("a distributed train step becomes one train-shard job per shard over byte ranges of its input, in row order")
    func shardJobs() throws {
        let spec = try PipelineSpecLoader.load(yaml: Self.yaml, file: "p.yaml")
        let span = SpanInput(dataset: "d", span: 1, digest: "sha256:aa:900", size: 900)
        var planner = PipelinePlanner(spec: spec, inputs: RunInputs(runID: "r1", spans: ["d": span], champion: nil, codeVersion: "v"))
        var submitted: [PlannedJob] = []
        func perform(_ actions: [PlannerAction]) {
            for case .submit(let jobs) in actions { submitted += jobs }
            for case .lookUpCache(let step, _) in actions { perform(planner.handle(.cacheAnswered(step: step, hit: nil), now: 1)) }
            for case .checkStatistics(let step, _, _) in actions {
                perform(planner.handle(.statisticsChecked(step: step, report: ValidationOutcome(
                    rows: 9, statistics: "sha256:s", anomalies: [], drifted: [], blocking: false)), now: 1))
            }
        }
        perform(planner.start(now: 0))
        for job in submitted where job.kind == "stats" {
            perform(planner.handle(.jobSucceeded(key: job.key, metrics: [:], outputs: ["statistics": "sha256:s\(job.shard)"]), now: 1))
        }
        let shards = submitted.filter { $0.kind == "train-shard" }
        #expect(shards.map(\.params["pieces"]) == ["sha256:aa:900@0-300", "sha256:aa:900@300-600", "sha256:aa:900@600-900"])
        #expect(shards.map(\.params["shard"]) == ["0", "1", "2"] && shards.allSatisfy { $0.params["shards"] == "3" })
        #expect(shards.allSatisfy { $0.params["label"] == "y" && $0.params["holdout_modulo"] == "5" })
        // Every shard job reports the coordinator's model; shard 0's metrics are the step's.
        for job in shards {
            perform(planner.handle(.jobSucceeded(key: job.key, metrics: ["rmse": Double(job.shard)], outputs: ["model": "sha256:m:1"]), now: 2))
        }
        #expect(planner.steps["train"]?.status == .succeeded)
        #expect(planner.steps["train"]?.outputs["model"] == "sha256:m:1" && planner.steps["train"]?.metrics["rmse"] == 0)
        #expect(submitted.last?.kind == "evaluate" && submitted.last?.params["candidate"] == "sha256:m:1")
    }

    @Test("inputs split into pieces: whole artifacts when there are enough, else byte ranges of each")
    func pieces() {
        let a = "sha256:a:100", b = "sha256:b:50"
        #expect(PipelinePlanner.pieces([a, b], shards: 2) == [["\(a)@0-100"], ["\(b)@0-50"]])
        #expect(PipelinePlanner.pieces([a, b], shards: 1) == [["\(a)@0-100", "\(b)@0-50"]])
        #expect(PipelinePlanner.pieces([a, b], shards: 3) == [["\(a)@0-50"], ["\(a)@50-100"], ["\(b)@0-50"]])
        #expect(PipelinePlanner.pieces([], shards: 3).isEmpty)
    }
}
