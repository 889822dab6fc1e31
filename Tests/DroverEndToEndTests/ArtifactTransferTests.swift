import Foundation
import Testing

/// The artifact server inside a real `drover coordinator`, the `drover artifacts` client and a
/// real worker fetching by digest into its cache.
@Suite("Artifacts end to end", .offPool, .serialized)
struct ArtifactTransferTests {
    /// Waits (bounded) until `drover artifacts put` succeeds against the cluster's coordinator.
    func put(_ file: String, _ cluster: TestCluster) throws -> String {
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            let r = try drover(["artifacts", "put", file, "--connect", cluster.endpoint], timeout: .seconds(60))
            if r.status == 0 { return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard r.stderr.contains("cannot reach") else { throw TestFailure("put failed: \(r.stderr)") }
            usleep(50_000)
        }
        throw TestFailure("the artifact server never answered")
    }

    @Test("put, get and a worker's fetch move the same bytes; a corrupt server copy fails the job, not the cache")
    func putGetFetchAndCorruption() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        defer { coordinator.stop() }
        var bytes = [UInt8](repeating: 0, count: 3 << 20)
        for i in bytes.indices { bytes[i] = UInt8(truncatingIfNeeded: i &* 2_654_435_761 >> 13) }
        let file = cluster.dir.appendingPathComponent("input.bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        let ref = try put(file, cluster)
        #expect(ref.hasPrefix("sha256:") && ref.hasSuffix(":\(bytes.count)"), "\(ref)")
        let hex = String(ref.dropFirst(7).prefix(64))
        let stored = cluster.dataDir + "/artifacts/sha256/\(hex.prefix(2))/\(hex)"
        #expect(try Data(contentsOf: URL(fileURLWithPath: stored)) == Data(bytes))

        let out = cluster.dir.appendingPathComponent("copy.bin").path
        let get = try drover(["artifacts", "get", ref, "--out", out, "--connect", cluster.endpoint])
        #expect(get.status == 0, "\(get.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(bytes))
        let again = try drover(["artifacts", "get", ref, "--out", out, "--connect", cluster.endpoint])
        #expect(again.status == 2 && again.stderr.contains("never written over"), "\(again.stderr)")

        let cacheA = cluster.dir.appendingPathComponent("cache-a").path
        let worker = try cluster.worker("w-a", extra: ["--cache-dir", cacheA])
        defer { worker.stop() }
        let fetched = try cluster.run(["submit", "--kind", "fetch", "--param", "artifact=\(ref)", "--wait", "--json"])
        #expect(fetched.status == 0, "\(fetched.stdout) \(fetched.stderr)")
        #expect(try Data(contentsOf: URL(fileURLWithPath: cacheA + "/sha256/\(hex.prefix(2))/\(hex)")) == Data(bytes))
        worker.stop()

        // The server's copy is damaged: a fresh worker's download is refused by digest.
        chmod(stored, 0o644)
        var damaged = bytes
        damaged[1_000_000] ^= 0xFF
        try Data(damaged).write(to: URL(fileURLWithPath: stored))
        let cacheB = cluster.dir.appendingPathComponent("cache-b").path
        let second = try cluster.worker("w-b", extra: ["--cache-dir", cacheB])
        defer { second.stop() }
        let failed = try cluster.run(["submit", "--kind", "fetch", "--param", "artifact=\(ref)", "--wait", "--json"])
        #expect(failed.status == 1, "\(failed.stdout) \(failed.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(failed.stdout.utf8)) as? [String: Any]
        let id = try #require(summary?["firstID"] as? Int)
        let status = try cluster.run(["status", "\(id)"])
        #expect(status.stdout.contains("digest mismatch for download of sha256:\(hex)"), "\(status.stdout)")
        #expect(!FileManager.default.fileExists(atPath: cacheB + "/sha256/\(hex.prefix(2))/\(hex)"))
    }

    @Test("the artifact port follows the bind rule: beyond loopback only with --insecure, or --plaintext-artifacts with CURVE")
    func artifactPortBindRule() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let refused = try drover(["coordinator", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                  "--artifacts-bind", "0.0.0.0:\(cluster.port + 2)"])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("refusing to bind tcp://0.0.0.0:\(cluster.port + 2)"), "\(refused.stderr)")
        let keys = try TestKeys(in: cluster.dir)
        let curve = try drover(["coordinator", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                "--artifacts-bind", "0.0.0.0:\(cluster.port + 2)"] + keys.coordinatorFlags)
        #expect(curve.status == 2)
        #expect(curve.stderr.contains("--plaintext-artifacts"), "\(curve.stderr)")
        let bad = try drover(["coordinator", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                              "--artifacts-bind", "https://x:1"])
        #expect(bad.status == 2 && bad.stderr.contains("plain HTTP"), "\(bad.stderr)")
    }

    @Test("a taken artifact port is a clear error naming the flag")
    func takenPort() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let first = try cluster.coordinator(name: "first")
        defer { first.stop() }
        _ = try put(try {
            let f = cluster.dir.appendingPathComponent("x").path
            try Data("x".utf8).write(to: URL(fileURLWithPath: f))
            return f
        }(), cluster)
        let neighbour = try TestCluster()
        defer { neighbour.cleanUp() }
        let second = try drover(["coordinator", "--bind", neighbour.endpoint, "--data-dir", neighbour.dataDir,
                                 "--artifacts-bind", "127.0.0.1:\(cluster.port + 2)"], timeout: .seconds(60))
        #expect(second.status == 1)
        #expect(second.stderr.contains("--artifacts-bind"), "\(second.stderr)")
    }
}
