import Foundation
import Testing

/// examples/sklearn through real command jobs: a scikit-learn script swept over `C` on a worker.
@Suite(.offPool, .serialized, .timeLimit(.minutes(4)))
struct SklearnExampleTests {
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// CI installs scikit-learn into its venv and names that python here.
    static let python = ProcessInfo.processInfo.environment["DROVER_TEST_PYTHON"] ?? "python3"

    static var hasSklearn: Bool {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = [python, "-c", "import sklearn"]
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        return p.terminationStatus == 0
    }

    @Test("a grid of C values runs as command jobs; each trial's metrics, parameters and model come back", .enabled(if: hasSklearn))
    func sweep() throws {
        // The example is copied under the worker's command root (the attempt directories go there too).
        try CommandJobTests.withCommandCluster(slots: 2) { cluster in
            try FileManager.default.copyItem(at: Self.repository.appendingPathComponent("examples/sklearn"),
                                             to: cluster.dir.appendingPathComponent("sklearn"))
            var ids: [Int] = []
            for c in ["0.001", "1.0", "100.0"] {
                let r = try CommandJobTests.submit(cluster, ["--json", "--cwd", "sklearn",
                                                             "--env", "PYTHONPATH=\(Self.repository.path)/clients/python/src"],
                                                   [Self.python, "train.py", "--C", c, "--max-iter", "2000"])
                ids.append(try #require(try CommandJobTests.json(r)["lastID"] as? Int, "\(r.stderr)"))
            }
            var aucs: [Double] = []
            for id in ids {
                let logs = try cluster.run(["logs", "\(id)", "--follow"], timeout: .seconds(180))
                #expect(logs.stdout.contains("model.pkl written"), "\(logs.stdout) \(logs.stderr)")
                let job = try CommandJobTests.json(try cluster.run(["status", "\(id)", "--json"]))
                #expect(job["state"] as? String == "succeeded", "\(job)")
                let metrics = try #require(job["metrics"] as? [String: Any])
                aucs.append(try #require(metrics["auc"] as? Double))
                #expect(metrics["param.C"] != nil && metrics["accuracy"] != nil)
                #expect((job["outputs"] as? [String: Any])?["model.pkl"] != nil, "the model is an output artifact")
            }
            #expect(aucs.allSatisfy { $0 > 0.9 }, "\(aucs)")
        }
    }
}
