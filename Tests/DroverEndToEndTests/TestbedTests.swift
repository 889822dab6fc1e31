import Foundation
import Testing

/// The short fault suite on the network-namespace testbed (`cluster/testbed/run-faults --short`):
/// worker kill, zombie, partitions, coordinator kill, crash after commit, poison, tbf and a
/// pipeline's coordinator crashes (kill -9 mid-train, exit right after the promotion committed),
/// data-parallel training and a sweep with a worker killed and a link cut (the model against one
/// process's), each checked with the journal audit. Needs root and `ip netns`; skipped otherwise.
@Suite(.offPool, .serialized, .timeLimit(.minutes(8)))
struct TestbedTests {
    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("cluster/testbed/run-faults").path

    /// Root, iproute2 with netns, nftables and python3: what the testbed needs.
    static var available: Bool {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: script) else { return false }
        return ["ip netns list", "nft --version", "python3 --version"].allSatisfy { shell($0) == 0 }
    }

    static func shell(_ command: String) -> Int32 {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command + " >/dev/null 2>&1"]
        do { try p.run() } catch { return -1 }
        p.waitUntilExit()
        return p.terminationStatus
    }

    @Test("short fault suite on the netns testbed: no job lost, none committed twice (needs root and ip netns)",
          .enabled(if: TestbedTests.available, "needs root, `ip netns`, nftables and python3: run as root on Linux"))
    func shortFaultSuite() throws {
        let (status, stdout, log) = try Self.runScript("run-faults", ["--short", "--json"], limit: .seconds(420))
        #expect(status == 0, "run-faults: \(log)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [[String: Any]])
        #expect(results.count >= 10)
        let names = Set(results.compactMap { $0["scenario"] as? String })
        #expect(names.isSuperset(of: ["pipeline-coordinator-kill", "pipeline-crash-after-promote", "distributed-train", "sweep"]), "\(names)")
        for r in results where r["skipped"] as? Bool != true {
            let name = r["scenario"] as? String ?? "?"
            #expect(r["ok"] as? Bool == true, "\(name): \(r["problems"] ?? "")")
            #expect(r["lost"] as? Int == 0, "\(name) lost jobs")
            #expect(r["duplicates"] as? Int == 0, "\(name) committed a job twice")
        }
    }

    @Test("20 s of seeded random faults on the netns testbed: the invariants hold afterwards (needs root and ip netns)",
          .enabled(if: TestbedTests.available, "needs root, `ip netns`, nftables and python3: run as root on Linux"))
    func shortChaos() throws {
        let (status, stdout, log) = try Self.runScript("chaos", ["--seed", "7", "--duration", "20", "--json"], limit: .seconds(200))
        #expect(status == 0, "chaos: \(stdout) \(log)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(stdout.utf8)) as? [String: Any])
        #expect(summary["ok"] as? Bool == true, "\(summary["problems"] ?? "")")
        #expect(summary["lost"] as? Int == 0)
        #expect(summary["duplicates"] as? Int == 0)
        #expect((summary["jobs"] as? Int ?? 0) > 0)
    }

    /// Runs `cluster/testbed/NAME ARGS` against this build's binary, bounded in time; the script
    /// tears its namespaces down on exit (also on SIGTERM).
    static func runScript(_ name: String, _ arguments: [String], limit: Duration) throws -> (Int32, String, String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: script).deletingLastPathComponent().appendingPathComponent(name)
        p.arguments = arguments + ["--bin", DroverBinary.path]
        // A prefix of its own, so a manual run of the testbed on the same machine does not collide.
        p.environment = ProcessInfo.processInfo.environment.merging(["TESTBED_PREFIX": "drvci"]) { _, new in new }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        let stdout = try Reader(out.fileHandleForReading), stderr = try Reader(err.fileHandleForReading)
        let deadline = ContinuousClock.now + limit
        while p.isRunning, ContinuousClock.now < deadline { usleep(50_000) }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            Issue.record("\(name) did not finish within \(limit)")
        }
        p.waitUntilExit()
        return (p.terminationStatus, stdout.text(), stderr.text())
    }
}
