import DroverCore
import DroverProtocol
@testable import DroverStore
import Foundation
import GRDB
import Synchronization
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// What keeps a compaction from stretching the loop's commits: it never pins the WAL, and it
/// writes the snapshot a chunk at a time (docs/performance.md, "commits while a snapshot is written").
@Suite("A compaction leaves the loop's journal alone: short reads, paced snapshot writes")
struct SnapshotWriteTests {
    @Test("the compactor's reads hold no read transaction while it folds: the WAL can start over meanwhile")
    func readsDoNotPinTheWAL() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        let rows = SQLiteJournal.rowsPerRead * 2 + 3
        try CompactionTests.fill(journal, jobs: 1...JobID(rows))
        var config = Configuration()
        config.readonly = true
        let reader = try DatabaseQueue(path: dir.journalPath, configuration: config)
        let checkpointer = try DatabaseQueue(path: dir.journalPath)
        var batches = 0
        try SQLiteJournal.readRows(reader, path: dir.journalPath, after: 0, through: journal.lastSeq) { _, _ in
            batches += 1
            // A commit while the fold runs, then a TRUNCATE checkpoint: it fails (SQLITE_BUSY) while
            // any reader still holds a snapshot of the WAL.
            try journal.append([.cancelled(JobID(rows + batches), atMs: 0)])
            _ = try checkpointer.writeWithoutTransaction { try $0.checkpoint(.truncate) }
        }
        #expect(batches == rows)
        let wal = try FileManager.default.attributesOfItem(atPath: dir.journalPath + "-wal")[.size] as? NSNumber
        #expect(wal?.intValue == 0)
    }

    @Test("a file written in chunks smaller than what is appended holds exactly the bytes appended")
    func pacedWriterKeepsEveryByte() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/paced"
        var expected: [UInt8] = []
        var file = try PacedFileWriter(path: path, chunkBytes: 7)
        for n in [0, 1, 6, 7, 8, 20, 3] {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: expected.count + $0) }
            try file.append(bytes)
            expected += bytes
        }
        try file.finish()
        #expect(FileManager.default.contents(atPath: path).map { [UInt8]($0) } == expected)
    }

    @Test("a snapshot written over many chunks reads back as written")
    func snapshotSpanningChunksReadsBack() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/snapshot"
        let batches: [[JournalRecord]] = (0..<50).map { b in (0..<200).map { .cancelled(JobID(b * 200 + $0 + 1), atMs: 0) } }
        try SnapshotFile.write(batches, coveredSeq: 42, to: path, chunkBytes: 4_096)
        let size = try FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber
        #expect((size?.intValue ?? 0) > 10 * 4_096)
        let read = try #require(try SnapshotFile.read(path))
        #expect(read.coveredSeq == 42)
        #expect(read.batches == batches)
        #expect(!FileManager.default.fileExists(atPath: path + ".tmp"))
    }

    #if os(Linux)
    @Test("a compaction runs at nice 10, a late one at the starting thread's priority", arguments: [false, true])
    func lateCompactionRunsAtNormalPriority(late: Bool) throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        try CompactionTests.fill(journal, jobs: 1...20)
        let seen = Mutex<Int32?>(nil)
        let written = DispatchSemaphore(value: 0)
        let compactor = JournalCompactor(journalPath: dir.journalPath, retainFinished: 5) { step in
            guard step == .written else { return }
            seen.withLock { $0 = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0) }
            written.signal()
        }
        let mine = getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #expect(compactor.start(through: journal.lastSeq, late: late))
        #expect(written.wait(timeout: .now() + 60) == .success)
        let deadline = ContinuousClock.now + .seconds(60)
        while compactor.isRunning, ContinuousClock.now < deadline { sched_yield() }
        #expect(seen.withLock { $0 } == (late ? mine : min(mine + 10, 19)))
    }
    #endif
}
