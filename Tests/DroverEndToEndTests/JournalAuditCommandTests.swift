import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Testing

/// `drover journal audit` must catch every kind of violation the fault scripts rely on it for.
@Suite(.offPool) struct JournalAuditCommandTests {
    @Test("a journal with a duplicate result, a lost job, an orphan result and a reused idempotency key fails the audit")
    func reportsViolations() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = try SQLiteJournal(path: DataDirectory(path: dir.path).journalPath)
        let keyed = JobSpec(kind: "noop", idempotencyKey: "k")
        try journal.append([
            .epoch(1, atMs: 0),
            .submitted(1, keyed, atMs: 1), .submitted(2, keyed, atMs: 1),         // one key, two jobs
            .submitted(3, JobSpec(kind: "noop"), atMs: 1),                         // never finished
            .submitted(4, JobSpec(kind: "crash"), atMs: 1), .held(4, cause: .poison, atMs: 2),
            .finished(1, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 3),
            .finished(1, attempt: 2, state: .succeeded, metrics: [:], message: "", atMs: 4), // twice
            .finished(2, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 4),
            .finished(9, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 5), // never submitted
        ])
        let r = try drover(["journal", "audit", "--data-dir", dir.path, "--json"])
        #expect(r.status == 1)
        let report = try jsonObject(r.stdout)
        #expect(report["submitted"] as? Int == 4)
        #expect(report["duplicates"] as? Int == 1)
        #expect(report["unfinished"] as? Int == 1)
        #expect(report["orphans"] as? Int == 1)
        #expect(report["duplicateKeys"] as? Int == 1)
        #expect(report["held"] as? Int == 1)
        #expect(report["ok"] as? Bool == false)
    }

    @Test("a clean journal passes the audit with exit status 0")
    func cleanJournalPasses() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = try SQLiteJournal(path: DataDirectory(path: dir.path).journalPath)
        try journal.append([
            .submitted(1, JobSpec(kind: "noop"), atMs: 1),
            .assigned(worker: "w1", leases: [Lease(jobID: 1, attempt: 1, token: 7)], atMs: 2),
            .finished(1, attempt: 1, state: .succeeded, metrics: ["x": 1], message: "", atMs: 3),
        ])
        let r = try drover(["journal", "audit", "--data-dir", dir.path])
        #expect(r.status == 0, "\(r.stdout)\(r.stderr)")
        #expect(r.stdout.contains("journal audit: ok"))
    }
}

extension JournalAuditCommandTests {
    @Test("the audit reports the same violations and counts after the journal was compacted", arguments: [0, 1, 100])
    func auditAcrossSnapshot(retain: Int) throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-audit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: dir) }
        let journal = try SQLiteJournal(path: DataDirectory(path: dir.path).journalPath)
        let keyed = JobSpec(kind: "noop", idempotencyKey: "k")
        try journal.append([
            .epoch(1, atMs: 0),
            .submitted(1, keyed, atMs: 1), .submitted(2, keyed, atMs: 1),
            .assigned(worker: "w1", leases: [Lease(jobID: 1, attempt: 1, token: 7), Lease(jobID: 2, attempt: 1, token: 8)], atMs: 2),
            .requeued(2, cause: .workerLost, readyAtMs: 3, message: "", atMs: 3),
            .finished(1, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 3),
            .finished(1, attempt: 2, state: .succeeded, metrics: [:], message: "", atMs: 4),
            .finished(2, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 4),
            .finished(9, attempt: 1, state: .succeeded, metrics: [:], message: "", atMs: 5),
            .submitted(3, JobSpec(kind: "noop"), atMs: 6),
        ])
        let before = try jsonObject(try drover(["journal", "audit", "--data-dir", dir.path, "--json"]).stdout)
        _ = try JournalCompaction.run(journalPath: journal.path, through: journal.lastSeq, retainFinished: retain)
        try journal.append([.submitted(4, JobSpec(kind: "noop"), atMs: 7),
                            .finished(4, attempt: 0, state: .failed, metrics: [:], message: "", atMs: 8)])
        let r = try drover(["journal", "audit", "--data-dir", dir.path, "--json"])
        #expect(r.status == 1)
        let after = try jsonObject(r.stdout)
        #expect(before["submitted"] as? Int == 3)
        #expect(after["submitted"] as? Int == 4)
        for field in ["duplicates", "orphans", "duplicateKeys", "unfinished", "attempts", "requeues"] {
            #expect(after[field] as? Int == before[field] as? Int, "\(field) after compaction (retain \(retain))")
        }
        #expect((after["byState"] as? [String: Int])?["succeeded"] == 2)
        #expect((after["byState"] as? [String: Int])?["failed"] == 1)
    }
}
