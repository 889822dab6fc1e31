import Foundation
import Testing

/// Keys made with the real `drover keys generate`, and the flags that use them.
struct TestKeys {
    let dir: URL

    /// Generates `coordinator`, `w1`, `c1` and `stranger` keys; allow-lists hold w1 (workers) and c1 (clients).
    init(in clusterDir: URL) throws {
        dir = clusterDir.appendingPathComponent("keys")
        for name in ["coordinator", "w1", "c1", "stranger"] {
            let r = try drover(["keys", "generate", "--out", dir.path, "--name", name])
            guard r.status == 0 else { throw TestFailure("keys generate \(name) failed: \(r.stderr)") }
        }
        try FileManager.default.copyItem(at: dir.appendingPathComponent("w1.pub"), to: workersAllow)
        try FileManager.default.copyItem(at: dir.appendingPathComponent("c1.pub"), to: clientsAllow)
    }

    var workersAllow: URL { dir.appendingPathComponent("workers.allow") }
    var clientsAllow: URL { dir.appendingPathComponent("clients.allow") }
    func secret(_ name: String) -> String { dir.appendingPathComponent("\(name).key").path }

    var coordinatorFlags: [String] {
        ["--curve-secret", secret("coordinator"), "--allow-workers", workersAllow.path, "--allow-clients", clientsAllow.path]
    }

    /// `--curve-secret NAME.key --server-key coordinator.pub` for a worker or client.
    func peerFlags(_ name: String) -> [String] {
        ["--curve-secret", secret(name), "--server-key", dir.appendingPathComponent("coordinator.pub").path]
    }
}

extension TestCluster {
    /// `drover status --json` as client `c1` until `condition` holds.
    func waitForSecureStatus(_ keys: TestKeys, timeout: Duration = .seconds(30),
                             _ condition: ([String: Any]) -> Bool) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            let r = try run(["status", "--json", "--timeout", "1000"] + keys.peerFlags("c1"), timeout: .seconds(10))
            if r.status == 0, let obj = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any],
               condition(obj) { return }
            usleep(50_000)
        }
        Issue.record("status condition not reached within \(timeout)")
        throw TestFailure("status condition not reached")
    }

    /// Waits until a child's log contains `text` (bounded).
    func waitForLog(_ process: DroverProcess, contains text: String, timeout: Duration = .seconds(20)) throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if process.output.contains(text) { return }
            usleep(50_000)
        }
        throw TestFailure("\(process.name) log never contained '\(text)': \(process.output)")
    }
}
