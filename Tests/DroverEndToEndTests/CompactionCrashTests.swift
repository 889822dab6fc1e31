import DroverStore
import Foundation
import Testing

/// Journal compaction under kill -9: the coordinator dies inside a snapshot (failpoint), a new one
/// starts on the same data directory, and nothing is lost or committed twice.
@Suite(.offPool, .serialized, .timeLimit(.minutes(3)))
struct CompactionCrashTests {
    @Test("a coordinator killed inside a journal snapshot restarts with every job; the audit passes across snapshots",
          arguments: ["written", "renamed"])
    func crashInsideSnapshot(step: String) throws {
        let cluster = try TestCluster()
        defer { cluster.cleanUp() }
        let compaction = ["--compact-every", "3000", "--retain-finished", "200"]
        let first = try cluster.coordinator(name: "coordinator-1", extra: compaction,
                                            environment: ["DROVER_FAILPOINT": "crash-in-snapshot:\(step)"])
        let w1 = try cluster.worker("w1"), w2 = try cluster.worker("w2")
        try cluster.waitForStatus { $0.aliveWorkers == 2 }
        let submit = try cluster.run(["submit", "--kind", "sleep", "--param", "ms=1", "--count", "4000",
                                      "--idempotency-key", "snap", "--json"])
        #expect(submit.status == 0, "\(submit.stderr)")
        first.process.waitUntilExit()
        #expect(first.process.terminationStatus == 137)
        #expect(first.output.contains("failpoint crash-in-snapshot:\(step) hit"))

        let second = try cluster.coordinator(name: "coordinator-2", extra: compaction)
        try cluster.waitForStatus(timeout: .seconds(90)) { $0.jobs("succeeded") == 4_000 && $0.aliveWorkers == 2 }
        // Resubmitting the same keys returns the same jobs: no key was lost with the compacted records.
        let again = try cluster.run(["submit", "--kind", "sleep", "--param", "ms=1", "--count", "4000",
                                     "--idempotency-key", "snap", "--json"])
        #expect(again.status == 0)
        // How many jobs ended before the crash depends on the machine's load, so the second
        // coordinator gets work of its own to compact, whatever the first left it.
        let more = try cluster.run(["submit", "--kind", "sleep", "--param", "ms=1", "--count", "4000",
                                    "--idempotency-key", "snap-2", "--json"])
        #expect(more.status == 0, "\(more.stderr)")
        try cluster.waitForStatus(timeout: .seconds(90)) { $0.jobs("succeeded") == 8_000 }
        // A compaction may still be running (a loaded machine): its snapshot is what is checked below.
        try cluster.waitForLog(second, contains: "coordinator.journal.snapshot")
        w1.stop()
        w2.stop()
        second.stop()
        #expect(second.output.contains("coordinator.journal.snapshot"), "the second coordinator never compacted")
        #expect(FileManager.default.fileExists(atPath: cluster.dataDir + "/journal.sqlite.snapshot"))

        let audit = try JournalAuditor(dataDir: cluster.dataDir).report
        #expect(audit.ok, "\(audit)")
        #expect(audit.submitted == 8_000)
        #expect(audit.count(.succeeded) == 8_000)

        // A third start recovers from the snapshot: same counts, and compacted jobs still answer.
        let third = try cluster.coordinator(name: "coordinator-3", extra: compaction)
        defer { third.stop() }
        try cluster.waitForStatus { $0.jobs("succeeded") == 8_000 && $0.jobs("queued") == 0 }
        let status = try cluster.run(["status", "1", "--json"])
        #expect(status.stdout.contains("\"state\" : \"succeeded\""), "\(status.stdout)")
    }
}
