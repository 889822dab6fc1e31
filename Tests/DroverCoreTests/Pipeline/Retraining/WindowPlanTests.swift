@testable import DroverCore
import Testing

@Suite("Pipeline planner: training window and warm start")
struct WindowPlanTests {
    static let spans = (1...3).map { SpanInput(dataset: "diamonds", span: $0, digest: "sha256:span-\($0)", size: 600) }

    static func planner(warmStart: Bool, champion: ChampionInput?) throws -> PipelinePlannerTests.Driver {
        var spec = try PipelineSpecLoader.load(yaml: PipelineSpecLoaderTests.good + "\nwindow: {last: 2}\n" + (warmStart ? "warm_start: champion\n" : ""),
                                               file: "p.yaml")
        spec.shards = 2
        var inputs = RunInputs(runID: "r1", spans: ["diamonds": spans[2]], champion: champion, codeVersion: "v1")
        inputs.window = ["diamonds": Array(spans.suffix(2))]
        return PipelinePlannerTests.Driver(PipelinePlanner(spec: spec, inputs: inputs))
    }

    @Test("validate reads the newest span; features read every span of the window; train reads all their shards")
    func window() throws {
        var d = try Self.planner(warmStart: false, champion: nil)
        d.perform(d.planner.start(now: 0))
        #expect(d.submitted.map(\.kind) == ["stats", "stats"])
        #expect(d.submitted.allSatisfy { $0.params["input"] == "sha256:span-3" })
        d.completeJobs()
        let features = d.submitted.filter { $0.kind == "features" }
        #expect(features.map { $0.params["input"]! } == ["sha256:span-2", "sha256:span-2", "sha256:span-3", "sha256:span-3"])
        #expect(features.map { $0.params["range"]! } == ["0-300", "300-600", "0-300", "300-600"])
        #expect(features.map(\.shard) == [0, 1, 2, 3] && Set(features.map(\.key)).count == 4)
        let train = d.submitted.first { $0.kind == "train" }
        #expect(train?.params["inputs"] == "sha256:feat-0,sha256:feat-1,sha256:feat-2,sha256:feat-3")
        #expect(train?.params["warm_start"] == nil)
        #expect(d.finished == .promoted)
    }

    @Test("warm_start: champion passes the champion's model to the train job; without a champion it trains cold")
    func warmStart() throws {
        var warm = try Self.planner(warmStart: true, champion: ChampionInput(version: 4, digest: "sha256:champ:10"))
        warm.perform(warm.planner.start(now: 0))
        warm.completeJobs()
        #expect(warm.submitted.first { $0.kind == "train" }?.params["warm_start"] == "sha256:champ:10")
        var cold = try Self.planner(warmStart: true, champion: nil)
        cold.perform(cold.planner.start(now: 0))
        cold.completeJobs()
        #expect(cold.submitted.first { $0.kind == "train" }?.params["warm_start"] == nil)
    }
}
