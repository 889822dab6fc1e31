import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import GRDB
import Testing

/// A fresh directory under the system temp dir, removed by `cleanup()`.
struct TempDir {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory
            .appendingPathComponent("drover-store-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    var journalPath: String { path + "/journal.sqlite" }

    func cleanup() { try? FileManager.default.removeItem(atPath: path) }
}

func replayAll(_ journal: some Journal) throws -> [JournalRecord] {
    var out: [JournalRecord] = []
    try journal.replay { out.append($0) }
    return out
}

@Suite("SQLite journal and data directory")
struct SQLiteJournalTests {
    static let batches: [[JournalRecord]] = [
        [.epoch(1, atMs: 10)],
        [.submitted(1, JobSpec(kind: "noop", params: ["ü": "✓"], priority: .high, tags: ["gpu"], maxRetries: 2,
                               timeoutMs: 500, idempotencyKey: "k"), atMs: 11),
         .submitted(2, JobSpec(kind: "noop"), atMs: 11)],
        [.assigned(worker: "w1", leases: [Lease(jobID: 1, attempt: 1, token: 1 << 32 | 1)], atMs: 12)],
        [.finished(1, attempt: 1, state: .succeeded, metrics: ["loss": 0.5], message: "", atMs: 13),
         .requeued(2, cause: .workerLost, readyAtMs: 20, message: "lost", atMs: 14),
         .held(2, cause: .poison, atMs: 15), .released(2, atMs: 16), .cancelled(2, atMs: 17)],
    ]

    @Test("appended batches replay in order after the journal is reopened")
    func appendReopenReplay() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        do {
            let journal = try SQLiteJournal(path: dir.journalPath)
            for b in Self.batches { try journal.append(b) }
            try journal.append([]) // an empty batch writes nothing
            #expect(journal.batchesWritten == Self.batches.count)
        }
        let reopened = try SQLiteJournal(path: dir.journalPath, durability: .fsync)
        #expect(try replayAll(reopened) == Self.batches.flatMap { $0 })
        #expect(reopened.summary.contains(dir.journalPath))
    }

    @Test("a journal reopened after a checkpoint still replays everything")
    func checkpointKeepsRecords() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        for b in Self.batches { try journal.append(b) }
        try journal.checkpoint()
        try journal.append([.epoch(2, atMs: 99)])
        let reopened = try SQLiteJournal(path: dir.journalPath)
        #expect(try replayAll(reopened) == Self.batches.flatMap { $0 } + [.epoch(2, atMs: 99)])
    }

    @Test("a core recovered from the SQLite journal after a crash has the same job states")
    func coreRecoversFromSQLite() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        var now: Int64 = 1_000
        let w: [UInt8] = Array("w1".utf8)
        let c: [UInt8] = Array("client".utf8)
        var before: [JobState] = []
        var tokens: [UInt64] = []
        do {
            let journal = try SQLiteJournal(path: dir.journalPath)
            var core = CoordinatorCore()
            var pending = try core.recover(from: journal, now: now)
            func step(_ core: inout CoordinatorCore) throws -> Effects {
                pending.append(core.dispatch(now: now))
                defer { pending = Effects() }
                try journal.append(pending.journal)
                return pending
            }
            _ = try step(&core)
            pending = core.submit(from: c, requestID: 1, watch: false,
                        specs: (0..<8).map { JobSpec(kind: "noop", maxRetries: $0 == 3 ? 1 : 0, idempotencyKey: "job-\($0)") },
                        now: now)
            _ = try step(&core)
            pending = core.workerMessage(from: w, .hello(.init(name: "w1", slots: 5, credit: 5, tags: [], kinds: [], held: [])), now: now)
            let assigned = try step(&core).toWorkers.flatMap { m -> [Assignment] in
                if case .assign(let l) = m.message { return l }
                return []
            }
            #expect(assigned.count == 5)
            now += 10
            pending = core.workerMessage(from: w, .results(credit: 0, [
                AttemptResult(lease: assigned[0].lease, outcome: .succeeded),
                AttemptResult(lease: assigned[1].lease, outcome: .failed, message: "x"),
                AttemptResult(lease: assigned[3].lease, outcome: .failed, message: "retry me"),
            ]), now: now)
            pending.append(core.cancel(7, now: now).effects)
            _ = try step(&core)
            // Events after the last journal append are lost with the crash.
            _ = core.cancel(8, now: now)
            before = core.jobs.map(\.state)
            before[7] = .queued
            tokens = core.jobs.map(\.token)
        }
        let journal = try SQLiteJournal(path: dir.journalPath)
        var recovered = CoordinatorCore()
        _ = try recovered.recover(from: journal, now: now + 1)
        #expect(recovered.jobs.map(\.state) == before)
        #expect(recovered.jobs.map(\.token) == tokens)
        #expect(recovered.epoch == 2)
        #expect(recovered.job(4)?.state == .retryWait)
        // Idempotency keys survive: resubmitting job-0 returns id 1.
        let reply = recovered.submit(from: c, requestID: 2, watch: false, specs: [JobSpec(kind: "noop", idempotencyKey: "job-0")],
                                     now: now).toClients.first?.reply
        #expect(reply == .submitted(requestID: 2, jobIDs: [1]))
    }

    @Test("a corrupt batch fails replay with JournalError.corrupt naming the batch")
    func corruptBatch() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        for b in Self.batches { try journal.append(b) }
        // Damage batch 3 behind the journal's back.
        let db = try DatabaseQueue(path: dir.journalPath)
        try db.write { try $0.execute(sql: "UPDATE journal SET batch = X'010000006300000000000000000000000000000000' WHERE seq = 3") }
        try db.close()
        let reopened = try SQLiteJournal(path: dir.journalPath)
        var seen = 0
        let error = try #require(throws: JournalError.self) { try reopened.replay { _ in seen += 1 } }
        guard case .corrupt(let path, let batch, let reason) = error else { return }
        #expect(path == dir.journalPath)
        #expect(batch == 3)
        #expect(reason.contains("record.tag"))
        #expect(seen == 3) // batches 1 and 2 were replayed before the damage
        #expect(error.description.contains("corrupt at batch 3"))
    }

    @Test("a truncated batch blob is reported as corrupt too")
    func truncatedBatch() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        for b in Self.batches { try journal.append(b) }
        let db = try DatabaseQueue(path: dir.journalPath)
        try db.write { try $0.execute(sql: "UPDATE journal SET batch = substr(batch, 1, 10) WHERE seq = 4") }
        try db.close()
        #expect(throws: JournalError.self) { try replayAll(try SQLiteJournal(path: dir.journalPath)) }
    }

    @Test("a second lock on the same data directory fails with a message naming it")
    func secondLockFails() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let first = try DataDirectory(path: dir.path)
        try first.lock()
        let second = try DataDirectory(path: dir.path)
        let error = try #require(throws: DataDirectoryError.self) { try second.lock() }
        #expect(error.description.contains("another coordinator is using the data directory"))
        #expect(error.description.contains(dir.path))
        #expect(first.journalPath.hasSuffix("/journal.sqlite"))
    }

    @Test("the lock is released when its holder goes away")
    func lockReleased() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        do {
            let first = try DataDirectory(path: dir.path)
            try first.lock()
        }
        let again = try DataDirectory(path: dir.path)
        try again.lock()
    }
}
