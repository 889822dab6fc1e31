import DroverCore
import DroverStore
import Foundation
import Testing

/// Real processes on loopback: a coordinator and two workers, killed with SIGKILL mid-run.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct FailureRecoveryTests {
    @Test("kill -9 of a worker mid-run: all 5,000 jobs succeed, each committed exactly once")
    func workerKilledMidRun() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try cluster.coordinator()
        let w1 = try cluster.worker("w1"), w2 = try cluster.worker("w2")
        try cluster.waitForStatus { $0.aliveWorkers == 2 }

        let submit = try DroverProcess(["submit", "--kind", "sleep", "--param", "ms=2", "--count", "5000", "--wait",
                                        "--json", "--connect", cluster.endpoint], name: "submit", in: cluster.dir)
        try cluster.waitForStatus { $0.jobs("succeeded") >= 1_000 }
        w1.kill9()
        submit.process.waitUntilExit()
        #expect(submit.process.terminationStatus == 0, "submit output: \(submit.output)")
        w2.stop()
        coordinator.stop()

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == 5_000)
        #expect(audit.count(.succeeded) == 5_000)
        #expect(audit.duplicates == 0)
        #expect(audit.unfinished == 0)
    }

    @Test("kill -9 of the coordinator mid-run and a restart: no accepted job lost, none committed twice")
    func coordinatorKilledMidRun() throws {
        try coordinatorKillAndRestart(jobs: 5_000, killAfter: 1_500)
    }

    @Test("with a small --retain-finished, a coordinator kill -9 and restart still lose nothing and answer for evicted jobs")
    func evictionSurvivesRestart() throws {
        try coordinatorKillAndRestart(jobs: 3_000, killAfter: 1_200, coordinatorFlags: ["--retain-finished", "300"]) { cluster in
            let evicted = try cluster.run(["status", "1", "--json"])
            #expect(evicted.stdout.contains("\"state\" : \"succeeded\""))
            #expect(evicted.stdout.contains("evicted from memory"))
        }
    }

    /// Two workers run `jobs` sleep jobs; the coordinator is killed with SIGKILL once `killAfter`
    /// succeeded and restarted on the same data directory. Workers reconnect and the waiting client
    /// re-watches by themselves; afterwards the journal must show every job succeeded exactly once.
    func coordinatorKillAndRestart(jobs: Int, killAfter: Int, coordinatorFlags: [String] = [],
                                   afterRecovery: (TestCluster) throws -> Void = { _ in }) throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let first = try cluster.coordinator(name: "coordinator-1", extra: coordinatorFlags)
        let w1 = try cluster.worker("w1"), w2 = try cluster.worker("w2")
        try cluster.waitForStatus { $0.aliveWorkers == 2 }

        let submit = try DroverProcess(["submit", "--kind", "sleep", "--param", "ms=2", "--count", "\(jobs)", "--wait",
                                        "--json", "--timeout", "30000", "--connect", cluster.endpoint],
                                       name: "submit", in: cluster.dir)
        try cluster.waitForStatus { $0.jobs("succeeded") >= killAfter }
        first.kill9()
        let second = try cluster.coordinator(name: "coordinator-2", extra: coordinatorFlags)
        submit.process.waitUntilExit()
        #expect(submit.process.terminationStatus == 0, "submit output: \(submit.output)")
        try afterRecovery(cluster)
        w1.stop()
        w2.stop()
        second.stop()

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.submitted == jobs)
        #expect(audit.count(.succeeded) == jobs)
        #expect(audit.duplicates == 0)
        #expect(audit.unfinished == 0)
    }
}
