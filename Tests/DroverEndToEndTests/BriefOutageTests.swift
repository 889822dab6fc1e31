import DroverCore
import DroverStore
import Foundation
import Testing

/// An outage shorter than the lease must cost no work: workers re-attach what they hold.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct BriefOutageTests {
    @Test("the coordinator hangs for 2 s (lease 3 s) with jobs in flight: workers re-attach, no started job runs twice")
    func coordinatorHungShorterThanLease() throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let coordinator = try DroverProcess(["coordinator", "--bind", cluster.endpoint, "--data-dir", cluster.dataDir,
                                             "--heartbeat-ms", "100", "--lease-ms", "3000", "--log-level", "info"],
                                            name: "coordinator", in: cluster.dir)
        let w1 = try cluster.worker("w1", slots: 8), w2 = try cluster.worker("w2", slots: 8)
        try cluster.waitForStatus { $0.aliveWorkers == 2 }
        #expect(try cluster.run(["submit", "--kind", "sleep", "--param", "ms=5", "--count", "2000", "--json"]).status == 0)
        try cluster.waitForStatus { $0.jobs("succeeded") >= 300 }

        // The workers hear nothing for 2 s, give up on their connection after 300 ms and keep
        // saying HELLO; the retries must stay frequent enough to arrive within the 3 s lease.
        kill(coordinator.pid, SIGSTOP)
        let resume = ContinuousClock.now + .seconds(2)
        while ContinuousClock.now < resume { usleep(10_000) } // the outage's length, not a synchronisation
        kill(coordinator.pid, SIGCONT)

        try cluster.waitForStatus(timeout: .seconds(60)) { $0.jobs("succeeded") == 2_000 && $0.aliveWorkers == 2 }
        w1.stop()
        w2.stop()
        coordinator.stop()
        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.count(.succeeded) == 2_000)
        #expect(audit.duplicates == 0)
        // Assignments sent to a worker's abandoned connection are re-queued (they never ran);
        // an attempt that had started must not be: the worker re-attached it.
        #expect(audit.rerunsAfterWorkerLoss == 0, "a 2 s outage under a 3 s lease re-ran \(audit.rerunsAfterWorkerLoss) started jobs")
    }
}
