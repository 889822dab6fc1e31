@testable import DroverCore
import Foundation
import Testing

@Suite("Sweeps and command steps in the planner")
struct SweepPlannerTests {
    static let yaml = """
    pipeline: sk
    model: cancer
    datasets:
      cancer: {span: latest}
    params: {max_iter: 200}
    steps:
      train:
        dataset: cancer
        command: ["python3", "train.py", "--C", "{{ params.C }}", "--max-iter", "{{ params.max_iter }}", "--data", "{{ inputs.cancer }}"]
        resources: {cpus: 1, memory: 512MiB, tags: [python]}
        timeout: 2m
        sweep:
          method: grid
          max_parallel: 2
          metric: auc
          mode: max
          early_stopping: {asha: {grace_period: 1, reduction_factor: 2, max_t: 8}}
          space: {C: [0.01, 0.1, 1.0, 10.0]}
      promote:
        needs: [train]
        gates:
          - {metric: auc, direction: higher, min: 0.8, change: {absolute: 0}}
    """

    static func planner(champion: ChampionInput? = nil) throws -> PipelinePlanner {
        let spec = try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml")
        let span = SpanInput(dataset: "cancer", span: 1, digest: "sha256:aa:10", size: 10)
        return PipelinePlanner(spec: spec, inputs: RunInputs(runID: "r1", spans: ["cancer": span], champion: champion, codeVersion: "v1"))
    }

    static func argv(_ job: PlannedJob) -> [String] {
        (try? JSONDecoder().decode([String].self, from: Data((job.params["argv"] ?? "").utf8))) ?? []
    }

    @Test("grid trials in order; random trials seeded, in range, the same every time")
    func trials() {
        let grid = SweepSpec(method: .grid, space: [SweepParameter(name: "a", domain: .choice(["1", "2"])),
                                                    SweepParameter(name: "b", domain: .choice(["x", "y", "z"]))],
                             metric: "auc", direction: .higherIsBetter)
        #expect(SweepTrials.plan(grid).map { "\($0["a"]!)\($0["b"]!)" } == ["1x", "1y", "1z", "2x", "2y", "2z"])
        let random = SweepSpec(method: .random, space: [SweepParameter(name: "lr", domain: .logUniform(0.01, 0.3)),
                                                        SweepParameter(name: "leaves", domain: .integer(15, 63))],
                               trials: 50, seed: 7, metric: "auc", direction: .higherIsBetter)
        let a = SweepTrials.plan(random), b = SweepTrials.plan(random)
        #expect(a == b && a.count == 50)
        let lrs = a.compactMap { Double($0["lr"]!) }, leaves = a.compactMap { Int($0["leaves"]!) }
        #expect(lrs.allSatisfy { $0 >= 0.01 && $0 < 0.3 } && leaves.allSatisfy { (15...63).contains($0) })
        #expect(Set(lrs).count == 50 && lrs.contains { $0 < 0.03 } && lrs.contains { $0 > 0.1 }, "log-uniform spreads over the decades")
        var other = random
        other.seed = 8
        #expect(SweepTrials.plan(other) != a)
    }

    @Test("a command step becomes command jobs: params filled in, inputs named, resources and timeout carried; max_parallel bounds the trials")
    func commandJobs() throws {
        var p = try Self.planner()
        let actions = p.start(now: 0)
        guard case .lookUpCache = actions.first else { Issue.record("\(actions)"); return }
        let out = p.handle(.cacheAnswered(step: "train", hit: nil), now: 1)
        guard case .submit(let jobs) = out.first else { Issue.record("\(out)"); return }
        #expect(jobs.count == 2, "max_parallel 2 of 4 trials")
        #expect(jobs.allSatisfy { $0.kind == "command" && $0.tags == ["python"] && $0.timeoutMs == 120_000 })
        #expect(Self.argv(jobs[0]) == ["python3", "train.py", "--C", "0.01", "--max-iter", "200", "--data", "{{ inputs.cancer }}"])
        #expect(Self.argv(jobs[1])[3] == "0.1")
        #expect(jobs[0].params["inputs"] == #"{"cancer":"sha256:aa:10"}"# && jobs[0].params["memory_bytes"] == "\(512 << 20)")
        #expect(jobs[0].params["cpus"] == "1" && jobs[0].params["run_id"] == "r1")
        #expect(p.watchedMetric(key: jobs[0].key) == "auc")
    }

    @Test("resources.cpus takes fractions (a cgroup CPU quota on the worker); zero and negatives are refused")
    func fractionalCPUs() throws {
        let half = Self.yaml.replacingOccurrences(of: "{cpus: 1,", with: "{cpus: 0.5,")
        let spec = try PipelineSpecLoader.load(yaml: half, file: "p.yaml")
        #expect(spec.steps.first { $0.name == "train" }?.resources.cpus == 0.5)
        let span = SpanInput(dataset: "cancer", span: 1, digest: "sha256:aa:10", size: 10)
        var p = PipelinePlanner(spec: spec, inputs: RunInputs(runID: "r1", spans: ["cancer": span], champion: nil, codeVersion: "v1"))
        _ = p.start(now: 0)
        guard case .submit(let jobs) = p.handle(.cacheAnswered(step: "train", hit: nil), now: 1).first else { Issue.record("no jobs"); return }
        #expect(jobs[0].params["cpus"] == "0.5")
        for bad in ["0", "-1", "x"] {
            #expect(throws: PipelineSpecError.self) {
                try PipelineSpecLoader.load(yaml: Self.yaml.replacingOccurrences(of: "{cpus: 1,", with: "{cpus: \(bad),"), file: "p.yaml")
            }
        }
    }

    @Test("preload: module names reach every trial's job; a bad name, no command or no script are refused with the field")
    func preload() throws {
        let yaml = Self.yaml.replacingOccurrences(of: "    timeout: 2m\n", with: "    timeout: 2m\n    preload: [numpy, sklearn.ensemble]\n")
        let spec = try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml")
        #expect(spec.steps.first { $0.name == "train" }?.preload == ["numpy", "sklearn.ensemble"])
        let span = SpanInput(dataset: "cancer", span: 1, digest: "sha256:aa:10", size: 10)
        var p = PipelinePlanner(spec: spec, inputs: RunInputs(runID: "r1", spans: ["cancer": span], champion: nil, codeVersion: "v1"))
        _ = p.start(now: 0)
        guard case .submit(let jobs) = p.handle(.cacheAnswered(step: "train", hit: nil), now: 1).first else { Issue.record("no jobs"); return }
        #expect(jobs.allSatisfy { $0.params["preload"] == #"["numpy","sklearn.ensemble"]"# })
        let bad: [(String, String)] = [
            (yaml.replacingOccurrences(of: "[numpy, sklearn.ensemble]", with: "[numpy, sklearn..ensemble]"), "'sklearn..ensemble' is not a Python module name"),
            (yaml.replacingOccurrences(of: "[numpy, sklearn.ensemble]", with: "numpy"), "must be a list of 1 to 64 Python modules"),
            (yaml.replacingOccurrences(of: #"command: ["python3", "train.py", "--C", "{{ params.C }}", "--max-iter", "{{ params.max_iter }}", "--data", "{{ inputs.cancer }}"]"#,
                                       with: #"command: ["python3"]"#), "with preload the command must be [python3, SCRIPT.py"),
        ]
        for (text, message) in bad {
            do {
                _ = try PipelineSpecLoader.load(yaml: text, file: "p.yaml")
                Issue.record("accepted: \(message)")
            } catch {
                #expect("\(error)".contains(message) && "\(error)".contains("p.yaml:"), "\(error)")
            }
        }
    }

    @Test("ASHA stops a losing trial through a cancel; the next trial starts; the best finished trial is the candidate, judged on its own metrics")
    func sweepToPromotion() throws {
        var p = try Self.planner(champion: ChampionInput(version: 1, digest: "sha256:champ:1", metrics: ["auc": 0.9]))
        _ = p.start(now: 0)
        guard case .submit(let first) = p.handle(.cacheAnswered(step: "train", hit: nil), now: 1).first else { Issue.record("no jobs"); return }
        let keys = first.map(\.key)
        #expect(p.handle(.trialReported(key: keys[0], points: [.init(step: 1, value: 0.95)]), now: 2).isEmpty)
        let stop = p.handle(.trialReported(key: keys[1], points: [.init(step: 1, value: 0.7)]), now: 3)
        #expect(stop == [.cancel(keys: [keys[1]])])
        #expect(p.steps["train"]?.sweep?.trials[1].reason?.contains("asha") == true)
        // The cancelled job ends: the trial is stopped (not failed) and trial 2 starts.
        let next = p.handle(.jobFailed(key: keys[1], message: "cancelled"), now: 4)
        guard case .submit(let third) = next.first else { Issue.record("\(next)"); return }
        #expect(third.map(\.shard) == [2])
        #expect(p.steps["train"]?.sweep?.trials[1].status == .stopped)
        // Trial 0 ends with a model; trials 2 and 3 too, 3 the best.
        var last = p.handle(.jobSucceeded(key: keys[0], metrics: ["auc": 0.95], outputs: ["model.pkl": "sha256:m0:1", "logs/stdout.log": "sha256:l:1"]), now: 5)
        guard case .submit(let fourth) = last.first else { Issue.record("\(last)"); return }
        #expect(fourth.map(\.shard) == [3], "a slot freed: the last trial starts")
        last = p.handle(.jobSucceeded(key: third[0].key, metrics: ["auc": 0.96], outputs: ["model.pkl": "sha256:m2:1"]), now: 6)
        #expect(last.isEmpty)
        last = p.handle(.jobSucceeded(key: fourth[0].key, metrics: ["auc": 0.97], outputs: ["model.pkl": "sha256:m3:1"]), now: 7)
        let train = try #require(p.steps["train"])
        #expect(train.status == .succeeded && train.outputs["model"] == "sha256:m3:1" && train.outputs["best_trial"] == "3")
        #expect(train.metrics["auc"] == 0.97)
        guard let decide = last.first(where: { if case .decide = $0 { true } else { false } }),
              case .decide(_, let verdict, let model) = decide else { Issue.record("\(last)"); return }
        #expect(model == "sha256:m3:1")
        #expect(verdict.passed, "0.97 ≥ 0.8 and not worse than the champion's 0.9: \(verdict)")
        let change = verdict.checks.first { $0.kind == .absoluteChange }
        #expect(change?.baseline == 0.9 && change?.candidate == 0.97)
    }

    @Test("a command that leaves no model fails its step with a clear reason")
    func noModel() throws {
        var spec = try PipelineSpecLoader.load(yaml: Self.yaml, file: "p.yaml")
        spec.steps[0].sweep = nil
        var p = PipelinePlanner(spec: spec, inputs: RunInputs(runID: "r1", spans: ["cancer": SpanInput(dataset: "cancer", span: 1, digest: "sha256:aa:10", size: 10)],
                                                               champion: nil, codeVersion: "v1"))
        _ = p.start(now: 0)
        guard case .submit(let jobs) = p.handle(.cacheAnswered(step: "train", hit: nil), now: 1).first else { Issue.record("no job"); return }
        #expect(jobs.count == 1)
        let end = p.handle(.jobSucceeded(key: jobs[0].key, metrics: ["auc": 0.9], outputs: ["notes.txt": "sha256:n:1"]), now: 2)
        #expect(p.steps["train"]?.status == .failed && p.steps["train"]?.message?.contains("no model") == true)
        #expect(end.contains(.finished(.failed)))
    }

    @Test("spec errors: unknown template names, early stopping on the built-in train, command on evaluate, a sweep option typo")
    func specErrors() {
        func error(_ yaml: String) -> String {
            do {
                _ = try PipelineSpecLoader.load(yaml: yaml, file: "p.yaml")
                return ""
            } catch { return "\(error)" }
        }
        #expect(error(Self.yaml.replacingOccurrences(of: "{{ params.C }}", with: "{{ params.c }}")).contains("no params named 'c'; did you mean 'C'?"))
        #expect(error(Self.yaml.replacingOccurrences(of: "{{ inputs.cancer }}", with: "{{ inputs.train }}")).contains("no inputs named 'train'"))
        #expect(error(Self.yaml.replacingOccurrences(of: "{{ params.C }}", with: "{{ params.C }")).contains("has no closing"))
        #expect(error(Self.yaml.replacingOccurrences(of: "max_parallel", with: "max_paralel")).contains("did you mean 'max_parallel'"))
        #expect(error(Self.yaml.replacingOccurrences(of: "memory: 512MiB", with: "memory: lots")).contains("steps.train.resources.memory"))
        let builtin = """
        pipeline: p
        model: m
        datasets: {d: }
        steps:
          train: {dataset: d, sweep: {method: random, trials: 4, early_stopping: asha, metric: rmse, space: {trees: {int: [10, 50]}}}}
        """
        #expect(error(builtin).contains("early stopping needs a curve"))
        #expect(error(builtin.replacingOccurrences(of: " early_stopping: asha,", with: "")) == "")
        let shorthand = """
        pipeline: p
        model: m
        datasets: {d: }
        steps:
          train: {dataset: d, sweep: {trees: [10, 20, 40]}}
          evaluate: {needs: train}
          promote: {needs: evaluate, gates: [{metric: rmse, max: 10}]}
        """
        let spec = try? PipelineSpecLoader.load(yaml: shorthand, file: "p.yaml")
        #expect(spec?.steps[0].sweep?.trials == 3 && spec?.steps[0].sweep?.metric == "rmse" && spec?.steps[0].sweep?.direction == .lowerIsBetter,
                "the shorthand is a grid ranked by the promote gate's metric")
        #expect(error(shorthand.replacingOccurrences(of: "gates: [{metric: rmse, max: 10}]", with: "gates: []")).contains("sweep.metric"))
        let evaluateCommand = Self.yaml.replacingOccurrences(of: "  promote:\n    needs: [train]", with: "  evaluate:\n    needs: [train]\n    command: [\"x\"]\n  promote:\n    needs: [train]")
        #expect(error(evaluateCommand).contains("only train steps run a command"))
    }
}
