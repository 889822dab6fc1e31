import Foundation
import Testing

/// `drover run` on `drover up` with the diamonds example spans that ship in the repository.
@Suite(.serialized, .timeLimit(.minutes(5)))
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
        #expect(checks.contains { $0["kind"] as? String == "change.absolute" && $0["passed"] as? Bool == false })

        try addSpan(cluster, "span-broken.csv")
        let (third, run3) = try runJSON(cluster)
        #expect(third == 3, "\(run3)")
        #expect(run3["state"] as? String == "blocked")
        #expect((run3["message"] as? String)?.contains("clarity") == true, "\(run3)")
        #expect((run3["champion"] as? String)?.hasPrefix("v1") == true, "@champion did not move")
        let steps3 = run3["steps"] as? [[String: Any]] ?? []
        #expect(steps3.dropFirst().allSatisfy { $0["status"] as? String == "skipped" })
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
