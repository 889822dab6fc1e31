import Foundation
import Testing

/// `drover run` on `drover up` with the diamonds example spans that ship in the repository.
@Suite(.offPool, .serialized, .timeLimit(.minutes(5)))
struct PipelineRunTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .appendingPathComponent("../../examples/diamonds").standardizedFileURL

    func up(_ cluster: TestCluster) throws -> DroverProcess {
        try DroverProcess(["up", "--workers", "2", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                           "--heartbeat-ms", "100", "--lease-ms", "1500", "--log-level", "info"], name: "up", in: cluster.dir)
    }

    func runJSON(_ cluster: TestCluster, _ extra: [String] = []) throws -> (Int32, [String: Any]) {
        let r = try cluster.run(["run", Self.examples.appendingPathComponent("pipeline.yaml").path, "--wait", "--json"] + extra,
                                timeout: .seconds(240))
        let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        if obj.isEmpty { Issue.record("no JSON from drover run (exit \(r.status)): \(r.stderr)") }
        return (r.status, obj)
    }

    func addSpan(_ cluster: TestCluster, _ file: String) throws {
        let add = try cluster.run(["data", "add", "diamonds", Self.examples.appendingPathComponent(file).path,
                                   "--data-dir", cluster.dataDir])
        #expect(add.status == 0, "\(add.stderr)")
    }

    @Test("diamonds: a first GBDT model is promoted, a weaker run is rejected (exit 3) and a span without a column is blocked; @champion stays")
    func promoteRejectBlock() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let node = try up(cluster)
        defer { node.stop() }
        try cluster.waitForStatus { $0.aliveWorkers >= 2 }
        try addSpan(cluster, "span-1.csv")

        let (first, run1) = try runJSON(cluster)
        #expect(first == 0, "\(run1)")
        #expect(run1["state"] as? String == "promoted")
        #expect(run1["version"] as? Int == 1)
        let steps1 = run1["steps"] as? [[String: Any]] ?? []
        #expect(steps1.map { $0["status"] as? String } == ["succeeded", "succeeded", "succeeded", "succeeded", "succeeded"])
        #expect((steps1.first?["jobs"] as? Int) == 2, "validate runs one stats job per shard")

        let (second, run2) = try runJSON(cluster, ["--param", "trees=3"])
        #expect(second == 3, "\(run2)")
        #expect(run2["state"] as? String == "rejected")
        #expect((run2["champion"] as? String)?.hasPrefix("v1") == true)
        let steps2 = run2["steps"] as? [[String: Any]] ?? []
        #expect(steps2.prefix(2).allSatisfy { $0["status"] as? String == "cached" && $0["cachedFrom"] as? String == "diamonds-price-1" },
                "validate and features are unchanged and served from the cache: \(steps2)")
        let checks = (run2["verdict"] as? [String: Any])?["checks"] as? [[String: Any]] ?? []
        #expect(checks.contains { $0["kind"] as? String == "absolute_change" && $0["passed"] as? Bool == false })
        #expect(run2["version"] as? Int == 2, "the rejected candidate is registered as version 2, without the alias")

        try addSpan(cluster, "span-broken.csv")
        let (third, run3) = try runJSON(cluster)
        #expect(third == 3, "\(run3)")
        #expect(run3["state"] as? String == "blocked")
        #expect((run3["message"] as? String)?.contains("clarity") == true, "\(run3)")
        #expect((run3["champion"] as? String)?.hasPrefix("v1") == true, "@champion did not move")
        let steps3 = run3["steps"] as? [[String: Any]] ?? []
        #expect(steps3.dropFirst().allSatisfy { $0["status"] as? String == "skipped" })

        try checkRecords(cluster)
    }

    @Test("churn (classification): promoted, a weaker run rejected, a drifted span and a span without a column blocked")
    func churnExample() throws {
        let churn = Self.examples.deletingLastPathComponent().appendingPathComponent("churn")
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let node = try up(cluster)
        defer { node.stop() }
        try cluster.waitForStatus { $0.aliveWorkers >= 2 }
        func add(_ file: String) throws { // uploaded to the coordinator's artifact server (no --data-dir)
            let r = try cluster.run(["data", "add", "churn", churn.appendingPathComponent(file).path])
            #expect(r.status == 0, "\(r.stderr)")
        }
        func run(_ extra: [String] = []) throws -> (Int32, String, String) {
            let r = try cluster.run(["run", churn.appendingPathComponent("pipeline.yaml").path, "--wait", "--json"] + extra,
                                    timeout: .seconds(240))
            let obj = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
            return (r.status, obj["state"] as? String ?? "no JSON: \(r.stderr)", obj["message"] as? String ?? "")
        }
        try add("span-1.csv")
        let first = try run()
        #expect(first.0 == 0 && first.1 == "promoted", "\(first)")
        let weaker = try run(["--param", "trees=2"])
        #expect(weaker.0 == 3 && weaker.1 == "rejected", "\(weaker)")
        try add("span-drifted.csv")
        let drifted = try run()
        #expect(drifted.0 == 3 && drifted.1 == "blocked" && drifted.2.contains("drift in monthly_spend"), "\(drifted)")
        try add("span-broken.csv")
        let broken = try run()
        #expect(broken.0 == 3 && broken.1 == "blocked" && broken.2.contains("support_tickets"), "\(broken)")
        let champion = try Self.json(drover(["models", "show", "churn@champion", "--data-dir", cluster.dataDir, "--json"])) as? [String: Any]
        #expect((champion?["version"] as? [String: Any])?["version"] as? Int == 1, "@champion stays on the first model")
    }

    /// The registry, the runs and the lineage, read from the metadata store by the commands a user types.
    func checkRecords(_ cluster: TestCluster) throws {
        let data = ["--data-dir", cluster.dataDir, "--json"]
        let models = try Self.json(drover(["models", "list"] + data))
        #expect((models as? [[String: Any]])?.first?["name"] as? String == "diamonds", "\(models)")
        let versions = try Self.json(drover(["models", "list", "diamonds"] + data)) as? [[String: Any]] ?? []
        #expect(versions.map { $0["version"] as? Int } == [2, 1], "newest first: the rejected v2, the champion v1")
        #expect(versions.first { $0["version"] as? Int == 1 }?["aliases"] as? [String] == ["champion"])
        #expect((versions.first { $0["version"] as? Int == 2 }?["aliases"] as? [String])?.isEmpty == true)

        let shown = try Self.json(drover(["models", "show", "diamonds@champion"] + data)) as? [String: Any] ?? [:]
        let version = shown["version"] as? [String: Any] ?? [:]
        #expect(version["version"] as? Int == 1 && version["runID"] as? String == "diamonds-price-1", "\(shown)")
        let moves = shown["aliasHistory"] as? [[String: Any]] ?? []
        #expect(moves.count == 1 && moves.first?["kind"] as? String == "promote" && moves.first?["toVersion"] as? Int == 1, "\(moves)")
        let verdicts = shown["verdicts"] as? [[String: Any]] ?? []
        #expect(verdicts.count == 1 && (verdicts.first?["verdict"] as? [String: Any])?["outcome"] as? String == "pass")

        let runs = try Self.json(drover(["runs", "list"] + data)) as? [[String: Any]] ?? []
        #expect(Set(runs.compactMap { $0["id"] as? String }) == ["diamonds-price-1", "diamonds-price-2", "diamonds-price-3"])
        #expect(Dictionary(uniqueKeysWithValues: runs.compactMap { r in (r["id"] as? String).map { ($0, r["status"] as? String ?? "") } })
                == ["diamonds-price-1": "promoted", "diamonds-price-2": "rejected", "diamonds-price-3": "blocked"])

        let run1 = try Self.json(drover(["runs", "show", "diamonds-price-1"] + data)) as? [String: Any] ?? [:]
        let steps = run1["steps"] as? [[String: Any]] ?? []
        #expect(Set(steps.compactMap { $0["name"] as? String }) == ["validate", "features", "train", "evaluate", "promote"])
        #expect(steps.allSatisfy { $0["status"] as? String == "succeeded" }, "\(steps)")
        let jobs = run1["jobs"] as? [[String: Any]] ?? []
        #expect(jobs.filter { $0["step"] as? String == "validate" }.count == 2, "one stats job per shard: \(jobs)")
        #expect((run1["params"] as? [String: String])?["trees"] == "60")
        #expect((run1["metrics"] as? [String: Double])?["candidate.rmse"] != nil)
        let run2 = try Self.json(drover(["runs", "show", "diamonds-price-2"] + data)) as? [String: Any] ?? [:]
        let cached = (run2["steps"] as? [[String: Any]] ?? []).filter { $0["cacheHit"] as? Bool == true }.compactMap { $0["name"] as? String }
        #expect(Set(cached) == ["validate", "features"], "\(run2)")
        #expect((run2["verdicts"] as? [[String: Any]])?.count == 1)

        let run3 = try Self.json(drover(["runs", "show", "diamonds-price-3"] + data)) as? [String: Any] ?? [:]
        let anomalies = (run3["anomalies"] as? [[String: Any]] ?? []).compactMap { $0["kind"] as? String }
        #expect(anomalies.contains("few_rows"), "the broken span has half the rows of span 1: \(run3["anomalies"] ?? "none")")

        let lineage = try Self.json(drover(["lineage", "diamonds@champion"] + data)) as? [String: Any] ?? [:]
        let graph = lineage["graph"] as? [String: Any] ?? [:]
        let nodes = graph["artifacts"] as? [[String: Any]] ?? []
        let span = nodes.compactMap { $0["span"] as? [String: Any] }.first
        #expect(span?["dataset"] as? String == "diamonds" && span?["span"] as? Int == 1, "the training span is upstream of the model: \(nodes)")
        #expect((span?["rows"] as? Int ?? 0) > 0)
        let executions = (graph["executions"] as? [[String: Any]] ?? []).compactMap { e in (e["runID"] as? String).map { "\($0)/\(e["step"] as? String ?? "")" } }
        #expect(executions.starts(with: ["diamonds-price-1/train", "diamonds-price-1/features"]), "\(executions)")
        #expect((lineage["run"] as? [String: Any])?["id"] as? String == "diamonds-price-1")

        let text = try drover(["lineage", "diamonds@champion", "--data-dir", cluster.dataDir])
        #expect(text.status == 0 && text.stdout.contains("span 1 of dataset diamonds"), "\(text.stdout)\(text.stderr)")
    }

    static func json(_ r: CommandResult) throws -> Any {
        #expect(r.status == 0, "\(r.stderr)")
        return try JSONSerialization.jsonObject(with: Data(r.stdout.utf8))
    }

    @Test("drover demo shows a promotion, a rejection and a blocked run (exit 0), on data it generates")
    func demo() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let r = try drover(["demo", "--port", String(cluster.port), "--data-dir", cluster.dataDir, "--json"], timeout: .seconds(240))
        #expect(r.status == 0, "\(r.stdout.suffix(2000))\(r.stderr.suffix(2000))")
        let report = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any] ?? [:]
        let steps = (report["steps"] as? [[String: Any]] ?? []).filter { ($0["name"] as? String)?.hasPrefix("pipeline") == true }
        #expect(steps.map { ($0["states"] as? [String: Int])?.keys.first } == ["promoted", "rejected", "blocked"], "\(steps)")
        let champion = try drover(["models", "show", "churn@champion", "--data-dir", cluster.dataDir, "--json"])
        #expect(champion.status == 0, "\(champion.stderr)")
    }

    @Test("a spec error is refused before anything runs, naming file, line and field (exit 2)")
    func specError() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let node = try up(cluster)
        defer { node.stop() }
        let spec = cluster.dir.appendingPathComponent("typo.yaml")
        let text = try String(contentsOf: Self.examples.appendingPathComponent("pipeline.yaml"), encoding: .utf8)
            .replacingOccurrences(of: "needs: [train]", with: "needs: [trian]")
        try text.write(to: spec, atomically: true, encoding: .utf8)
        let r = try cluster.run(["run", spec.path, "--wait"])
        #expect(r.status == 2)
        #expect(r.stderr.contains("typo.yaml:"), "\(r.stderr)")
        #expect(r.stderr.contains("steps.evaluate.needs: unknown step 'trian'; did you mean 'train'?"), "\(r.stderr)")
        let missing = try cluster.run(["run", Self.examples.appendingPathComponent("pipeline.yaml").path, "--wait"])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("dataset 'diamonds' has no spans"), "\(missing.stderr)")
    }
}
