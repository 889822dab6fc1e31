import DroverCore
import DroverStore
import Foundation
import Testing

/// `drover models|runs|lineage` against a metadata store filled through the library API.
@Suite("Registry and runs commands", .offPool)
struct RegistryCommandTests {
    /// A run that read a span and wrote features and a model; two versions, v1 promoted by a
    /// passing verdict, v2 rejected.
    static func populate(_ dir: String) async throws {
        let store = try MetadataStore(dataDirectory: dir)
        let registry = ModelRegistry(store: store)
        for (run, start, rmse) in [("r1", 1_000.0, 10.0), ("r2", 2_000.0, 12.0)] {
            await store.record(.run(RunRecord(id: run, pipeline: "diamonds", status: "succeeded", startedAt: start,
                                              finishedAt: start + 5, codeVersion: "git:abc")))
            await store.record(.span(DatasetSpan(dataset: "diamonds", span: 1, digest: "sha256:span1", rows: 1_000,
                                                 schemaDigest: "sha256:schema", createdAt: 1)))
            await store.record(.step(StepRecord(runID: run, name: "features", kind: "features", status: "succeeded",
                                                startedAt: start, finishedAt: start + 1)))
            await store.record(.step(StepRecord(runID: run, name: "train", kind: "train", status: "succeeded",
                                                startedAt: start + 1, finishedAt: start + 4)))
            await store.record(.jobAttempt(JobAttemptRecord(runID: run, step: "train", jobID: 1, attempt: 1, shard: 0, worker: "w1",
                                                            status: "succeeded", startedAt: start + 1, finishedAt: start + 4)))
            await store.record(.params(runID: run, ["depth": run == "r1" ? "6" : "2"]))
            await store.record(.metric(runID: run, MetricPoint(key: "rmse", value: rmse, timestamp: start + 4)))
            await store.record(.artifact(ArtifactRecord(digest: "sha256:feat-\(run)", size: 10, kind: "features", createdAt: start)))
            await store.record(.artifact(ArtifactRecord(digest: "sha256:model-\(run)", size: 20, kind: "model", createdAt: start)))
            for (step, digest, dir) in [("features", "sha256:span1", LineageEdge.Direction.read),
                                        ("features", "sha256:feat-\(run)", .wrote),
                                        ("train", "sha256:feat-\(run)", .read), ("train", "sha256:model-\(run)", .wrote)] {
                await store.record(.lineage(LineageEdge(runID: run, step: step, digest: digest, direction: dir, at: start)))
            }
        }
        try await store.flush()
        let policy = PromotionPolicy(thresholds: [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100),
                                                                  change: .notWorse(.lowerIsBetter))])
        let v1 = try await registry.registerVersion(model: "diamonds", artifactDigest: "sha256:model-r1", metrics: ["rmse": 10], runID: "r1")
        _ = try await registry.promote(PromotionRequest(
            model: "diamonds", version: 1,
            verdict: try VerdictEvaluator.evaluate(policy: policy, candidate: v1.metrics, baseline: nil), runID: "r1", actor: "pipeline"))
        let v2 = try await registry.registerVersion(model: "diamonds", artifactDigest: "sha256:model-r2", metrics: ["rmse": 12], runID: "r2")
        let rejected = try await registry.promote(PromotionRequest(
            model: "diamonds", version: 2, verdict: try VerdictEvaluator.evaluate(policy: policy, candidate: v2.metrics, baseline: v1.metrics),
            baselineVersion: 1, runID: "r2", actor: "pipeline"))
        #expect(!rejected.moved)
        store.close()
    }

    func withStore(_ body: (String) throws -> Void) async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-registry-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try await Self.populate(dir)
        try body(dir)
    }

    @Test("models list and show print versions, aliases, verdicts and the audit; --json parses")
    func listAndShow() async throws {
        try await withStore { dir in
            let list = try drover(["models", "list", "--data-dir", dir])
            #expect(list.status == 0)
            #expect(list.stdout.contains("diamonds") && list.stdout.contains("champion=1"))
            let show = try drover(["models", "show", "diamonds@champion", "--data-dir", dir])
            #expect(show.status == 0)
            #expect(show.stdout.contains("diamonds version 1"))
            #expect(show.stdout.contains("verdict: PASS"))
            #expect(show.stdout.contains("promote"))
            let json = try drover(["models", "show", "diamonds:2", "--data-dir", dir, "--json"])
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            let verdicts = parsed?["verdicts"] as? [[String: Any]]
            #expect((verdicts?.first?["verdict"] as? [String: Any])?["outcome"] as? String == "fail")
            let missing = try drover(["models", "show", "nope@champion", "--data-dir", dir])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("no model named 'nope'"))
        }
    }

    @Test("promote without a passing verdict needs --reason (exit 2), then records a forced move; rollback undoes it")
    func promoteAndRollback() async throws {
        try await withStore { dir in
            let refused = try drover(["models", "promote", "diamonds", "2", "--data-dir", dir])
            #expect(refused.status == 2)
            #expect(refused.stderr.contains("--reason"))
            let forced = try drover(["models", "promote", "diamonds", "2", "--reason", "hotfix", "--data-dir", dir, "--json"])
            #expect(forced.status == 0)
            #expect(forced.stdout.contains("\"forced\""))
            #expect(try drover(["models", "show", "diamonds@champion", "--data-dir", dir]).stdout.contains("diamonds version 2"))
            let back = try drover(["models", "rollback", "diamonds", "--reason", "bad", "--data-dir", dir])
            #expect(back.status == 0)
            #expect(back.stdout.contains("version 2 → version 1"))
            let history = try drover(["models", "show", "diamonds@champion", "--data-dir", dir]).stdout
            #expect(history.contains("forced") && history.contains("rollback") && history.contains("hotfix"))
            #expect(try drover(["models", "promote", "diamonds", "9", "--reason", "x", "--data-dir", dir]).status == 2)
        }
    }

    @Test("lineage reaches every artifact upstream of the champion: model, features, span")
    func lineage() async throws {
        try await withStore { dir in
            let r = try drover(["lineage", "diamonds@champion", "--data-dir", dir, "--json"])
            #expect(r.status == 0)
            let parsed = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            let artifacts = ((parsed?["graph"] as? [String: Any])?["artifacts"] as? [[String: Any]])?.compactMap { $0["digest"] as? String }
            #expect(artifacts == ["sha256:model-r1", "sha256:feat-r1", "sha256:span1"])
            let text = try drover(["lineage", "diamonds@champion", "--data-dir", dir]).stdout
            #expect(text.contains("span 1 of dataset diamonds, 1000 rows, schema sha256:schema"))
            #expect(text.contains("depth=6"))
            #expect(text.contains("code version git:abc"))
        }
    }

    @Test("runs list and show: steps, jobs, params, metrics, verdicts, anomalies; unknown run is exit 2")
    func runs() async throws {
        try await withStore { dir in
            let list = try drover(["runs", "list", "--data-dir", dir])
            #expect(list.status == 0)
            #expect(list.stdout.contains("r1") && list.stdout.contains("r2"))
            let show = try drover(["runs", "show", "r2", "--data-dir", dir])
            #expect(show.status == 0)
            #expect(show.stdout.contains("train"))
            #expect(show.stdout.contains("verdict: FAIL"))
            #expect(show.stdout.contains("metric_regression")) // rmse 12 against 10
            let json = try drover(["runs", "show", "r2", "--data-dir", dir, "--json"])
            let parsed = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
            #expect((parsed?["anomalies"] as? [Any])?.count == 1)
            let missing = try drover(["runs", "show", "nope", "--data-dir", dir])
            #expect(missing.status == 2)
            #expect(missing.stderr.contains("recent runs"))
        }
    }

    @Test("a data directory without a metadata store is an input error")
    func noStore() throws {
        let r = try drover(["runs", "list", "--data-dir", "/nonexistent-drover-dir"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("no metadata store"))
    }
}
