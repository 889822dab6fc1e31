import DroverCore
import DroverProtocol
import DroverStore
import Foundation
import Testing

@Suite("Journal checkpoints run off the committing thread")
struct JournalCheckpointTests {
    func size(_ path: String) -> Int {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.intValue ?? 0
    }

    @Test("commits alone never copy the WAL into the journal file; the background checkpointer does, and the data survives")
    func backgroundCheckpoint() throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let journal = try SQLiteJournal(path: dir.journalPath)
        let before = size(dir.journalPath)
        // About 8 MiB of batches: well past SQLite's automatic checkpoint (1,000 pages), which is off.
        let spec = JobSpec(kind: "noop", params: ["payload": String(repeating: "x", count: 1_000)])
        for batch in 0..<2_000 {
            try journal.append((1...4).map { .submitted(JobID(batch * 4 + $0), spec, atMs: 1) })
        }
        #expect(size(dir.journalPath + "-wal") > 4 << 20)
        // The checkpointer wakes every 50 ms; bounded wait for its copy to reach the journal file.
        let deadline = ContinuousClock.now + .seconds(30)
        while size(dir.journalPath) < before + (4 << 20), ContinuousClock.now < deadline {
            usleep(10_000)
        }
        #expect(size(dir.journalPath) >= before + (4 << 20))
        try journal.checkpoint()
        #expect(size(dir.journalPath + "-wal") == 0)
        let reopened = try SQLiteJournal(path: dir.journalPath)
        #expect(try replayAll(reopened).count == 8_000)
    }
}
