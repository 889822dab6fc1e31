import DroverCore
import DroverProtocol
@testable import DroverStore
import Foundation
import GRDB
import Testing

@Suite("Journal compaction on disk: snapshot file, truncation, crash safety")
struct CompactionTests {
    /// `jobs` jobs, each submitted, assigned and finished in its own batch of three records.
    static func fill(_ journal: SQLiteJournal, jobs: ClosedRange<JobID>) throws {
        for id in jobs {
            try journal.append([
                .submitted(id, JobSpec(kind: "noop", idempotencyKey: "k\(id)"), atMs: Int64(id)),
                .assigned(worker: "w", leases: [Lease(jobID: id, attempt: 1, token: id)], atMs: Int64(id)),
                .finished(id, attempt: 1, state: id % 7 == 0 ? .failed : .succeeded, metrics: [:], message: "", atMs: Int64(id)),
            ])
        }
    }

    /// One row of `count` records (jobs `next`…, each cancelled).
    static func appendCancelled(_ journal: SQLiteJournal, count: Int, next: inout JobID) throws {
        let first = next
        next += JobID(count)
        try journal.append((0..<count).map { .cancelled(first + JobID($0), atMs: 0) })
    }

    static func rowCount(_ path: String) throws -> Int {
        try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT count(*) FROM journal") ?? 0 }
    }

    static func fold(_ records: [JournalRecord], retain: Int) -> [[JournalRecord]] {
        var fold = JournalFold(retainFinished: retain)
        for r in records { fold.add(r) }
        fold.compact()
        return fold.records()
    }

    @Test("a truncation step deletes rows holding at most truncateRecordsPerStep records, and at least one row")
    func truncationIsBoundedByRecords() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        // Rows of 3/4 of the bound, then one row larger than the bound.
        let big = Int(BatchAppender.truncateRecordsPerStep) * 3 / 4
        var next: JobID = 1
        for size in [big, big, big, big, Int(BatchAppender.truncateRecordsPerStep) * 2, 1] {
            try Self.appendCancelled(journal, count: size, next: &next)
        }
        journal.snapshotWritten(coveredSeq: journal.lastSeq - 1)
        var rows = try Self.rowCount(dir.journalPath)
        #expect(rows == 6)
        var deleted: [Int] = []
        while journal.rowsAwaitingTruncation > 0 {
            try journal.truncateStep()
            let now = try Self.rowCount(dir.journalPath)
            deleted.append(rows - now)
            rows = now
        }
        // One big row per step (two would exceed the bound); the oversized row alone; the newest stays.
        #expect(deleted == [1, 1, 1, 1, 1])
        #expect(rows == 1)
    }

    @Test("a commit only appends: rows a snapshot covers wait for truncation steps, which delete them")
    func commitsOnlyAppend() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        var next: JobID = 1
        for _ in 0..<10 { try Self.appendCancelled(journal, count: 100, next: &next) }
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        let before = try Self.rowCount(dir.journalPath)
        for _ in 0..<3 { try Self.appendCancelled(journal, count: 100, next: &next) }
        #expect(try Self.rowCount(dir.journalPath) == before + 3)
        #expect(before == 10)
        #expect(journal.rowsAwaitingTruncation == 10) // commits deleted none of them
        try journal.truncateStep()
        #expect(try Self.rowCount(dir.journalPath) == before + 3 - 8) // one step: truncateChunk rows
        while journal.rowsAwaitingTruncation > 0 { try journal.truncateStep() }
        #expect(try Self.rowCount(dir.journalPath) == 3)
    }

    @Test("upkeep runs steps until its budget is spent: every covered row deleted and free pages given back in one call")
    func upkeepRunsManySteps() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        let note = String(repeating: "x", count: 16_000) // ~4 pages a row
        for id in JobID(1)...JobID(1_000) {
            try journal.append([.finished(id, attempt: 1, state: .succeeded, metrics: [:], message: note, atMs: 0)])
        }
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        var steps: [JournalMaintenance] = []
        try journal.upkeep(for: .zero) { work, _ in steps.append(work) }
        #expect(steps == [.truncated]) // no budget: one step, as on a busy tick's first
        steps = []
        try journal.upkeep(for: .seconds(60)) { work, _ in steps.append(work) }
        #expect(journal.rowsAwaitingTruncation == 0)
        #expect(steps.count > 100 && steps.contains(.vacuumed) && steps.last == JournalMaintenance.none)
        #expect(try Self.pages(dir.journalPath).free <= BatchAppender.freePagesKept)
        let file = try journal.fileBytes()
        #expect(file.free <= Int64(BatchAppender.freePagesKept) * 4_096 && file.total > 0)
    }

    @Test("a compaction writes a snapshot; replay gives the snapshot then the rows after it; covered rows are deleted")
    func compactReplayTruncate() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try journal.append([.epoch(1, atMs: 0)])
        try Self.fill(journal, jobs: 1...100)
        let everything = try replayAll(journal)
        let covered = journal.lastSeq

        let outcome = try JournalCompaction.run(journalPath: dir.journalPath, through: covered, retainFinished: 10)
        #expect(outcome.coveredSeq == covered)
        #expect(outcome.compactedJobs == 90)
        #expect(outcome.keptJobs == 10)
        try Self.fill(journal, jobs: 101...105) // committed while the compaction ran
        journal.snapshotWritten(coveredSeq: covered)
        while journal.rowsAwaitingTruncation > 0 { try journal.truncateStep() }
        // Every covered row is gone (the newest row never is, so rowids keep growing).
        #expect(try Self.rowCount(dir.journalPath) == 5)

        let reopened = try SQLiteJournal(path: dir.journalPath)
        let replayed = try replayAll(reopened)
        let tail = try tailRecords(reopened, after: covered)
        #expect(tail.count == 5 * 3)
        #expect(replayed == Self.fold(everything, retain: 10).flatMap { $0 } + tail)
        // New rows continue after the covered ones.
        try reopened.append([.epoch(2, atMs: 1)])
        #expect(reopened.lastSeq > covered + 5)
    }

    private func tailRecords(_ journal: SQLiteJournal, after seq: Int64) throws -> [JournalRecord] {
        let db = try DatabaseQueue(path: journal.path)
        return try db.read { db in
            try Data.fetchAll(db, sql: "SELECT batch FROM journal WHERE seq > ? ORDER BY seq", arguments: [seq])
                .flatMap { try JournalRecord.decodeBatch([UInt8]($0)) }
        }
    }

    static func pages(_ path: String) throws -> (total: Int, free: Int) {
        try DatabaseQueue(path: path).read { db in
            (try Int.fetchOne(db, sql: "PRAGMA page_count") ?? 0, try Int.fetchOne(db, sql: "PRAGMA freelist_count") ?? 0)
        }
    }

    @Test("once covered rows are deleted, the journal file gives their pages back (incremental vacuum) and still replays")
    func truncationShrinksTheFile() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        let note = String(repeating: "x", count: 16_000) // ~4 pages a row: 1,000 rows ≈ 16 MiB
        for id in JobID(1)...JobID(1_000) {
            try journal.append([
                .submitted(id, JobSpec(kind: "noop"), atMs: Int64(id)),
                .finished(id, attempt: 1, state: .succeeded, metrics: [:], message: note, atMs: Int64(id)),
            ])
        }
        let grown = try Self.pages(dir.journalPath)
        #expect(grown.total > 4_000)
        let everything = try replayAll(journal)
        let covered = journal.lastSeq
        _ = try JournalCompaction.run(journalPath: dir.journalPath, through: covered, retainFinished: 10)
        journal.snapshotWritten(coveredSeq: covered)
        while journal.rowsAwaitingTruncation > 0 { try journal.truncateStep() }
        #expect(try Self.pages(dir.journalPath).free > BatchAppender.freePagesKept) // deleting alone frees, never shrinks
        var steps = 0
        while try Self.pages(dir.journalPath).free > BatchAppender.freePagesKept, steps < 1_000 {
            try journal.truncateStep()
            steps += 1
        }
        let shrunk = try Self.pages(dir.journalPath)
        #expect(shrunk.free <= BatchAppender.freePagesKept)
        #expect(shrunk.total < grown.total / 2)
        #expect(steps > 1) // a step gives back at most vacuumPagesPerStep pages
        #expect(try replayAll(SQLiteJournal(path: dir.journalPath)) == Self.fold(everything, retain: 10).flatMap { $0 })
    }

    @Test("a second compaction folds the first snapshot and the newer rows into one")
    func successiveCompactions() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try Self.fill(journal, jobs: 1...50)
        _ = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 5)
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        try Self.fill(journal, jobs: 51...80)
        let expected = try replayAll(try SQLiteJournal(path: dir.journalPath))
        let second = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 5)
        #expect(second.compactedJobs == 75)
        let snapshot = try #require(try SnapshotFile.read(journal.snapshotPath))
        #expect(snapshot.batches.flatMap { $0 } == Self.fold(expected, retain: 5).flatMap { $0 })
    }

    @Test("a compaction continuing from the previous one's fold (not the snapshot file) writes the same snapshot")
    func foldCarriedOver() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try Self.fill(journal, jobs: 1...50)
        let first = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 5, previous: nil)
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        while journal.rowsAwaitingTruncation > 0 { try journal.truncateStep() }
        try Self.fill(journal, jobs: 51...80)
        let expected = try replayAll(try SQLiteJournal(path: dir.journalPath))
        // Without the file, only the carried fold knows jobs 1...50 (their rows are deleted).
        try FileManager.default.removeItem(atPath: journal.snapshotPath)
        let second = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 5,
                                               previous: first.folded)
        #expect(second.outcome.compactedJobs == 75)
        let snapshot = try #require(try SnapshotFile.read(journal.snapshotPath))
        #expect(snapshot.batches.flatMap { $0 } == Self.fold(expected, retain: 5).flatMap { $0 })
    }

    @Test("at each step of a compaction, what a crash would leave on disk replays to the same state")
    func crashWindows() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try Self.fill(journal, jobs: 1...20)
        _ = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 3)
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        try Self.fill(journal, jobs: 21...40)
        let state = Self.fold(try replayAll(try SQLiteJournal(path: dir.journalPath)), retain: 0)
        var seen: [JournalCompaction.Step] = []
        _ = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 3) { step in
            // A process started now (after a kill -9 at this step) replays to the same jobs.
            seen.append(step)
            let replayed = (try? replayAll(try SQLiteJournal(path: dir.journalPath))) ?? []
            #expect(Self.fold(replayed, retain: 0) == state, "after step \(step)")
        }
        #expect(seen == [.written, .renamed])
        journal.snapshotWritten(coveredSeq: journal.lastSeq)
        while journal.rowsAwaitingTruncation > 0 {
            try journal.truncateStep()
            #expect(Self.fold(try replayAll(try SQLiteJournal(path: dir.journalPath)), retain: 0) == state)
        }
    }

    @Test("a damaged snapshot is refused with an error naming it")
    func corruptSnapshot() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try Self.fill(journal, jobs: 1...5)
        _ = try JournalCompaction.run(journalPath: dir.journalPath, through: journal.lastSeq, retainFinished: 0)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: journal.snapshotPath)))
        bytes[40] ^= 0xFF
        try Data(bytes).write(to: URL(fileURLWithPath: journal.snapshotPath))
        let error = try #require(throws: SnapshotError.self) { try replayAll(try SQLiteJournal(path: dir.journalPath)) }
        #expect(error.description.contains("journal.sqlite.snapshot is corrupt"))
    }

    @Test("a journal file deleted under a running coordinator is reported as removed, with what to do")
    func removedFileIsClassified() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try journal.append([.epoch(1, atMs: 0)])
        for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: dir.journalPath + suffix) }
        let error = try #require(throws: JournalError.self) { try journal.append([.epoch(2, atMs: 1)]) }
        #expect(error.writeFailure?.kind == .fileRemoved, "\(error)")
        #expect(error.description.contains("deleted or moved"))
    }
}
