import Foundation
import Testing

/// Pipelines whose train step runs the user's program (`command:`), swept over parameters, with
/// the real `drover up --allow-commands`, real Python processes and the metadata store.
@Suite(.offPool, .serialized, .timeLimit(.minutes(5)))
struct CommandPipelineTests {
    static let repository = SklearnExampleTests.repository

    /// `drover up` whose worker runs commands from a copy of what the pipeline needs (the command root).
    static func withCluster(copy: [String], _ body: (TestCluster) throws -> Void) throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        for path in copy {
            let target = cluster.dir.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: target.deletingLastPathComponent(), withIntermediateDirectories: true)
            try FileManager.default.copyItem(at: repository.appendingPathComponent(path), to: target)
        }
        // The python of CI's venv first on PATH (scikit-learn is installed there), the helper importable.
        let python = URL(fileURLWithPath: SklearnExampleTests.python).deletingLastPathComponent().path
        let env = ["PATH": (SklearnExampleTests.python.contains("/") ? python + ":" : "") + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
                   "PYTHONPATH": repository.appendingPathComponent("clients/python/src").path]
        let up = try DroverProcess(["up", "--workers", "1", "--slots", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                    "--heartbeat-ms", "100", "--allow-commands", "--allow-root-commands", "--command-root", cluster.dir.path],
                                   name: "up", in: cluster.dir, environment: env)
        defer { up.stop() }
        try cluster.waitForStatus { $0.aliveWorkers >= 1 }
        try body(cluster)
    }

    static func run(_ cluster: TestCluster, _ file: URL, _ extra: [String] = []) throws -> (Int32, [String: Any]) {
        let r = try cluster.run(["run", file.path, "--wait", "--json"] + extra, timeout: .seconds(240))
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        if obj.isEmpty { Issue.record("no JSON from drover run (exit \(r.status)): \(r.stderr)") }
        return (r.status, obj)
    }

    static func show(_ cluster: TestCluster, _ run: String) throws -> [String: Any] {
        let r = try drover(["runs", "show", run, "--data-dir", cluster.dataDir, "--json"])
        return try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any], "\(r.stderr)")
    }

    @Test("ASHA on known curves: the losing trial is stopped at its first rung through a real cancel, the best finished trial is promoted; curves land in the metadata store (trials as fresh processes, and as forks of a warm interpreter)",
          arguments: [false, true])
    func ashaSweep(preload: Bool) throws {
        try Self.withCluster(copy: ["Tests/Fixtures/commands/curve.py"]) { cluster in
            let data = cluster.dir.appendingPathComponent("d.csv")
            try "x,label\n1,0\n2,1\n".write(to: data, atomically: true, encoding: .utf8)
            #expect(try cluster.run(["data", "add", "d", data.path, "--data-dir", cluster.dataDir]).status == 0)
            // With preload, a module of the command root that notes each import of it.
            let imports = cluster.dir.appendingPathComponent("imports.txt")
            try "import os\nopen(os.path.join(os.environ['DROVER_COMMAND_ROOT'], 'imports.txt'), 'a').write(f'{os.getpid()}\\n')\n"
                .write(to: cluster.dir.appendingPathComponent("warm_probe.py"), atomically: true, encoding: .utf8)
            // One trial at a time, so the rung decisions are deterministic: trial 0 runs to its
            // end (8 steps × 0.4 s); trial 1 (score 0.25 at step 1 < 0.45) is stopped while it runs;
            // trial 2 beats trial 0 at every rung and wins.
            let spec = cluster.dir.appendingPathComponent("curves.yaml")
            try """
            pipeline: curves
            model: curves
            datasets: {d: }
            steps:
              train:
                dataset: d
                command: ["\(SklearnExampleTests.python)", "Tests/Fixtures/commands/curve.py", "{{ params.q }}", "8", "0.4"]
                timeout: 2m\(preload ? "\n    preload: [json, warm_probe]" : "")
                sweep:
                  q: [0.9, 0.5, 0.95]
                  max_parallel: 1
                  metric: score
                  mode: max
                  early_stopping: {asha: {grace_period: 1, reduction_factor: 2, max_t: 8}}
              promote:
                needs: [train]
                gates: [{metric: score, direction: higher, min: 0.5}]
            """.write(to: spec, atomically: true, encoding: .utf8)
            let (status, run) = try Self.run(cluster, spec)
            #expect(status == 0 && run["state"] as? String == "promoted", "\(run)")
            let train = (run["steps"] as? [[String: Any]])?.first { $0["name"] as? String == "train" } ?? [:]
            #expect((train["message"] as? String)?.contains("best of 3 trials: #2 q=0.95") == true, "\(train)")
            #expect(train["jobsDone"] as? Int == 3)

            let imported = ((try? String(contentsOf: imports, encoding: .utf8)) ?? "").split(separator: "\n")
            #expect(imported.count == (preload ? 1 : 0), "warm_probe imported \(imported.count) times for 3 trials")
            let shown = try Self.show(cluster, "curves-1")
            let trials = shown["trials"] as? [[String: Any]] ?? []
            #expect(trials.map { $0["status"] as? String } == ["succeeded", "stopped", "succeeded"], "\(trials)")
            #expect(trials.map { $0["winner"] as? Bool } == [false, false, true])
            #expect((trials[1]["reason"] as? String)?.contains("asha: score 0.25 at step 1 is below rung 1's cutoff 0.45") == true, "\(trials[1])")
            #expect((trials[1]["params"] as? [String: String]) == ["q": "0.5"])
            let curves = trials.map { ($0["curve"] as? [[Double]] ?? []).count }
            #expect(curves[0] == 8 && curves[2] == 8, "the finished trials' whole curves: \(curves)")
            #expect(curves[1] >= 1 && curves[1] < 8, "the stopped trial ended early: \(curves)")
            // The stopped trial's job was cancelled on the coordinator (its process got SIGTERM).
            let jobIDs = train["jobIDs"] as? [Int] ?? []
            #expect(jobIDs.count == 3)
            if jobIDs.count == 3 {
                let job = try CommandJobTests.json(try cluster.run(["status", "\(jobIDs[1])", "--json"]))
                #expect(job["state"] as? String == "cancelled", "\(job)")
                let logs = try cluster.run(["logs", "\(jobIDs[0])", "--stream", "metrics"])
                #expect(logs.stdout.split(separator: "\n").count == 8, "the metrics stream kept with the job: \(logs.stdout)")
            }
            let model = try CommandJobTests.json(try drover(["models", "show", "curves@champion", "--data-dir", cluster.dataDir, "--json"]))
            let version = model["version"] as? [String: Any] ?? [:]
            #expect((version["metrics"] as? [String: Double])?["score"].map { abs($0 - 0.95 * 8 / 9) < 1e-9 } == true, "\(version)")
        }
    }

    @Test("examples/sklearn/pipeline.yaml: a grid over C as command trials, the best promoted (exit 0); fewer features is worse than @champion (exit 3)",
          .enabled(if: SklearnExampleTests.hasSklearn))
    func sklearnPipeline() throws {
        try Self.withCluster(copy: ["examples/sklearn"]) { cluster in
            let example = cluster.dir.appendingPathComponent("examples/sklearn")
            #expect(try cluster.run(["data", "add", "cancer", example.appendingPathComponent("cancer.csv").path, "--data-dir", cluster.dataDir]).status == 0)
            var yaml = try String(contentsOf: example.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
            yaml = yaml.replacingOccurrences(of: "[\"python3\",", with: "[\"\(SklearnExampleTests.python)\",")
            let spec = cluster.dir.appendingPathComponent("pipeline.yaml")
            try yaml.write(to: spec, atomically: true, encoding: .utf8)

            let (first, run1) = try Self.run(cluster, spec)
            #expect(first == 0 && run1["state"] as? String == "promoted", "\(run1)")
            let shown = try Self.show(cluster, "cancer-sklearn-1")
            let trials = shown["trials"] as? [[String: Any]] ?? []
            #expect(trials.count == 4 && trials.allSatisfy { $0["status"] as? String == "succeeded" }, "\(trials)")
            let winner = try #require(trials.first { $0["winner"] as? Bool == true })
            let best = trials.compactMap { $0["value"] as? Double }.max()
            #expect(winner["value"] as? Double == best, "the best trial is the candidate")
            #expect((shown["metrics"] as? [String: Double])?["auc"] == best)
            let lineage = shown["lineage"] as? [[String: Any]] ?? []
            #expect(lineage.contains { $0["step"] as? String == "train" && $0["direction"] as? String == "read" }, "the span is the model's input: \(lineage)")

            let (second, run2) = try Self.run(cluster, spec, ["--param", "features=2"])
            #expect(second == 3 && run2["state"] as? String == "rejected", "\(run2)")
            #expect((run2["champion"] as? String)?.hasPrefix("v1") == true)
        }
    }
}
