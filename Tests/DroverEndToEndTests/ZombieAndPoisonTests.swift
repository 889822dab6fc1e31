import DroverCore
import DroverStore
import Foundation
import Testing

/// Faults that need no network namespaces: a hung worker that comes back (zombie), a job that
/// kills every worker it runs on (poison), and a coordinator crash between its journal commit
/// and the acknowledgement (failpoint). Real processes on loopback.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct ZombieAndPoisonTests {
    @Test("SIGSTOP a worker until its lease expires, then SIGCONT: its late results are discarded, none committed twice")
    func zombieWorker() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let w1 = try cluster.worker("w1", slots: 8), w2 = try cluster.worker("w2", slots: 8)
        try cluster.waitForStatus { $0.aliveWorkers == 2 }

        let submit = try cluster.run(["submit", "--kind", "sleep", "--param", "ms=5", "--count", "3000", "--json"])
        #expect(submit.status == 0, "\(submit.stderr)")
        try cluster.waitForStatus { $0.jobs("succeeded") >= 300 }
        kill(w1.pid, SIGSTOP)
        // Lease expired: w1 is dead to the coordinator and its attempts run elsewhere with new tokens.
        try cluster.waitForStatus { $0.aliveWorkers == 1 && $0.suspect == 0 }
        kill(w1.pid, SIGCONT)
        try cluster.waitForStatus(timeout: .seconds(60)) { $0.jobs("succeeded") == 3_000 && $0.aliveWorkers == 2 }
        w1.stop()
        w2.stop()
        coordinator.stop()

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 3_000)
        #expect(audit.count(.succeeded) == 3_000)
        #expect(audit.duplicates == 0)
        #expect(audit.unfinished == 0)
        // The zombie's results for superseded attempts reached the coordinator and were discarded.
        #expect(discardedResults(in: coordinator.output) > 0, "coordinator log: \(coordinator.output.suffix(2_000))")
    }

    @Test("a job that kills its worker every time is held after 3 worker deaths; the other jobs all succeed")
    func poisonJob() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        var workers = try (1...3).map { try cluster.worker("w\($0)", slots: 4, extra: ["--allow-test-kinds"]) }
        try cluster.waitForStatus { $0.aliveWorkers == 3 }

        #expect(try cluster.run(["submit", "--kind", "sleep", "--param", "ms=5", "--count", "1000", "--json"]).status == 0)
        let poison = try cluster.run(["submit", "--kind", "crash", "--json"])
        #expect(poison.status == 0, "\(poison.stderr)")
        let poisonID = try #require(jsonObject(poison.stdout)["firstID"] as? Int)

        // Act as the supervisor: restart each worker the poison job kills, until it is held.
        var deaths = 0, restarts = 0
        let deadline = ContinuousClock.now + .seconds(90)
        while try heldCount(cluster) == 0 {
            for i in workers.indices where !workers[i].process.isRunning {
                #expect(workers[i].process.terminationStatus == 134)
                deaths += 1
                restarts += 1
                workers[i] = try cluster.worker("w\(i + 1)", slots: 4, extra: ["--allow-test-kinds"])
            }
            guard ContinuousClock.now < deadline, restarts < 10 else {
                Issue.record("poison job not held after \(deaths) worker deaths")
                throw TestFailure("poison job not held")
            }
            usleep(20_000)
        }
        try cluster.waitForStatus(timeout: .seconds(60)) { $0.jobs("succeeded") == 1_000 && $0.jobs("held") == 1 }
        let held = try cluster.run(["jobs", "--state", "held", "--json"])
        let heldIDs = try (JSONSerialization.jsonObject(with: Data(held.stdout.utf8)) as? [[String: Any]])?.compactMap { $0["id"] as? Int }
        #expect(heldIDs == [poisonID])
        #expect(deaths == 3)
        for w in workers { w.stop() }
        coordinator.stop()

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 1_001)
        #expect(audit.count(.succeeded) == 1_000)
        #expect(audit.heldJobs == [UInt64(poisonID)])
        #expect(audit.duplicates == 0)
        #expect(audit.unfinished == 0)
    }

    @Test("the coordinator crashes after a journal commit and before sending; after a restart nothing is lost or doubled")
    func crashAfterCommit() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let first = try cluster.coordinator(name: "coordinator-1", environment: ["DROVER_FAILPOINT": "crash-after-commit:40"])
        let w1 = try cluster.worker("w1"), w2 = try cluster.worker("w2")
        try cluster.waitForStatus { $0.aliveWorkers == 2 }
        let submit = try cluster.run(["submit", "--kind", "sleep", "--param", "ms=2", "--count", "2000",
                                      "--idempotency-key", "failpoint", "--json"])
        #expect(submit.status == 0, "\(submit.stderr)")
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 137)
        #expect(first.output.contains("failpoint crash-after-commit:40"))

        let second = try cluster.coordinator(name: "coordinator-2")
        try cluster.waitForStatus(timeout: .seconds(60)) { $0.jobs("succeeded") == 2_000 && $0.aliveWorkers == 2 }
        w1.stop()
        w2.stop()
        second.stop()

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 2_000)
        #expect(audit.count(.succeeded) == 2_000)
        #expect(audit.duplicates == 0)
        #expect(audit.unfinished == 0)
    }

    private func heldCount(_ cluster: TestCluster) throws -> Int {
        let r = try cluster.run(["status", "--json", "--timeout", "1000"], timeout: .seconds(10))
        guard r.status == 0 else { return 0 }
        return try jsonObject(r.stdout).jobs("held")
    }
}

func jsonObject(_ text: String) throws -> [String: Any] {
    try (JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
}

/// `discarded_results=N` from a coordinator's shutdown line `coordinator.journal.stats`.
func discardedResults(in log: String) -> Int {
    guard let range = log.range(of: #"discarded_results=\d+"#, options: .regularExpression) else { return -1 }
    return Int(log[range].split(separator: "=")[1]) ?? -1
}

extension [String: Any] {
    var suspect: Int { ((self["workers"] as? [String: Any])?["suspect"] as? Int) ?? 0 }
}
