import DroverCore
import Foundation
import GRDB

/// One journal compaction: the previous snapshot plus the rows after it, folded into a new
/// snapshot covering rows up to `through` (`JournalFold`, `SnapshotFile`). It reads through a
/// connection of its own (WAL: the coordinator keeps committing meanwhile) and only ever writes
/// the snapshot file; the coordinator deletes covered rows afterwards. Blocking: run it on a
/// thread of its own (`JournalCompactor`).
public enum JournalCompaction {
    /// What a compaction did, for logs and benchmarks.
    public struct Outcome: Sendable {
        public var coveredSeq: Int64
        public var records: Int
        public var keptJobs: Int
        public var compactedJobs: UInt64
        public var bytes: Int64
        public var duration: Duration
    }

    /// Steps where a crash test can stop the process (`DROVER_FAILPOINT=crash-in-snapshot:STEP`).
    public enum Step: String, Sendable {
        /// The new snapshot is complete and synced under its temporary name.
        case written
        /// The new snapshot replaced the old one; no covered row has been deleted yet.
        case renamed
    }

    public static func run(journalPath: String, through: Int64, retainFinished: Int,
                           at step: (Step) -> Void = { _ in }) throws -> Outcome {
        let began = ContinuousClock.now
        let snapshotPath = SQLiteJournal.snapshotPath(for: journalPath)
        var fold = JournalFold(retainFinished: retainFinished)
        var after: Int64 = 0
        if let previous = try SnapshotFile.read(snapshotPath) {
            after = previous.coveredSeq
            for batch in previous.batches { for r in batch { fold.add(r) } }
        }
        guard through > after else {
            return Outcome(coveredSeq: after, records: 0, keptJobs: fold.keptJobs, compactedJobs: fold.compactedJobs,
                           bytes: 0, duration: ContinuousClock.now - began)
        }
        var config = Configuration()
        config.readonly = true
        config.label = "drover.journal.compaction"
        let db = try DatabaseQueue(path: journalPath, configuration: config)
        try SQLiteJournal.readRows(db, path: journalPath, after: after, through: through) { batch in
            for r in batch { fold.add(r) }
        }
        try db.close()
        fold.compact()
        let batches = fold.records()
        try SnapshotFile.write(batches, coveredSeq: through, to: snapshotPath) { step(.written) }
        step(.renamed)
        let size = ((try? FileManager.default.attributesOfItem(atPath: snapshotPath))?[.size] as? NSNumber)?.int64Value ?? 0
        return Outcome(coveredSeq: through, records: batches.reduce(0) { $0 + $1.count }, keptJobs: fold.keptJobs,
                       compactedJobs: fold.compactedJobs, bytes: size, duration: ContinuousClock.now - began)
    }
}
