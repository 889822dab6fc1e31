import Foundation
import Testing

/// A pipeline on a worker that does not share the coordinator's disk: no `--artifacts-dir`, a
/// cache of its own. Every input comes from the coordinator's artifact server by digest and
/// every output goes back there (issue 8, "Artifact store").
@Suite(.offPool, .serialized, .timeLimit(.minutes(5)))
struct RemoteWorkerPipelineTests {
    /// Files in an artifact directory laid out as `sha256/<2 hex>/<64 hex>`.
    static func artifacts(under root: String) -> Set<String> {
        let base = URL(fileURLWithPath: root).appendingPathComponent("sha256")
        let shards = (try? FileManager.default.contentsOfDirectory(atPath: base.path)) ?? []
        return Set(shards.flatMap { shard in
            ((try? FileManager.default.contentsOfDirectory(atPath: base.appendingPathComponent(shard).path)) ?? [])
                .filter { $0.count == 64 }
        })
    }

    @Test("diamonds promotes on a worker that reaches artifacts only over HTTP: inputs cached by digest, outputs uploaded")
    func promoteThroughArtifactServer() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        defer { coordinator.stop() }
        let cache = cluster.dir.appendingPathComponent("remote-cache").path
        let worker = try cluster.worker("remote", slots: 2, extra: ["--cache-dir", cache, "--cache-size", "256M"])
        defer { worker.stop() }
        try cluster.waitForStatus { $0.aliveWorkers >= 1 }
        let add = try cluster.run(["data", "add", "diamonds", PipelineRunTests.examples.appendingPathComponent("span-1.csv").path,
                                   "--data-dir", cluster.dataDir])
        #expect(add.status == 0, "\(add.stderr)")

        let r = try cluster.run(["run", PipelineCrashTests.spec, "--wait", "--json"], timeout: .seconds(240))
        let run = (try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any] ?? [:]
        #expect(r.status == 0, "\(r.stdout) \(r.stderr)")
        #expect(run["state"] as? String == "promoted", "\(run)")
        #expect((run["steps"] as? [[String: Any]] ?? []).allSatisfy { $0["status"] as? String == "succeeded" }, "\(run)")

        // The worker's cache holds what it fetched (the span at least), each under its digest;
        // what it produced (features, model, reports) reached the coordinator's store by upload.
        let cached = Self.artifacts(under: cache)
        let stored = Self.artifacts(under: cluster.dataDir + "/artifacts")
        #expect(!cached.isEmpty, "the worker fetched nothing into \(cache)")
        #expect(cached.isSubset(of: stored), "every cached artifact is one the coordinator serves")
        let uploads = coordinator.output.components(separatedBy: "artifacts.stored").count - 1
        #expect(uploads >= 3, "features, model and evaluation outputs were uploaded over HTTP: \(uploads) upload(s)")
        let champion = try drover(["models", "show", "diamonds@champion", "--data-dir", cluster.dataDir, "--json"])
        #expect(champion.status == 0, "\(champion.stderr)")
    }
}
