import DroverCore
import Foundation
import GRDB

/// One journal compaction: the previous snapshot plus the rows after it, folded into a new
/// snapshot covering rows up to `through` (`JournalFold`, `SnapshotFile`). The previous
/// compaction's fold, when the caller kept it (`Folded`), stands in for the snapshot file: only
/// the new rows are read and folded, not the whole snapshot decoded again. It reads through a
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

    /// A fold and the last row it covers: what a compaction leaves for the next one.
    public struct Folded: Sendable {
        var fold: JournalFold
        var coveredSeq: Int64
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
        try run(journalPath: journalPath, through: through, retainFinished: retainFinished, previous: nil, at: step).outcome
    }

    /// Compacts from `previous` (nil: from the snapshot file); returns the fold for the next one.
    public static func run(journalPath: String, through: Int64, retainFinished: Int, previous: Folded?,
                           at step: (Step) -> Void = { _ in }) throws -> (outcome: Outcome, folded: Folded) {
        let began = ContinuousClock.now
        let snapshotPath = SQLiteJournal.snapshotPath(for: journalPath)
        var fold = JournalFold(retainFinished: retainFinished)
        var after: Int64 = 0
        if let previous, previous.fold.retainFinished == retainFinished {
            (fold, after) = (previous.fold, previous.coveredSeq)
        } else if let snapshot = try SnapshotFile.read(snapshotPath) {
            after = snapshot.coveredSeq
            for batch in snapshot.batches { for r in batch { fold.add(r) } }
        }
        guard through > after else {
            return (Outcome(coveredSeq: after, records: 0, keptJobs: fold.keptJobs, compactedJobs: fold.compactedJobs,
                            bytes: 0, duration: ContinuousClock.now - began), Folded(fold: fold, coveredSeq: after))
        }
        var config = Configuration()
        config.readonly = true
        config.label = "drover.journal.compaction"
        let db = try DatabaseQueue(path: journalPath, configuration: config)
        try SQLiteJournal.readRows(db, path: journalPath, after: after, through: through) { _, batch in
            for r in batch { fold.add(r) }
        }
        try db.close()
        fold.compact()
        let batches = fold.records()
        try SnapshotFile.write(batches, coveredSeq: through, to: snapshotPath) { step(.written) }
        step(.renamed)
        let size = ((try? FileManager.default.attributesOfItem(atPath: snapshotPath))?[.size] as? NSNumber)?.int64Value ?? 0
        return (Outcome(coveredSeq: through, records: batches.reduce(0) { $0 + $1.count }, keptJobs: fold.keptJobs,
                        compactedJobs: fold.compactedJobs, bytes: size, duration: ContinuousClock.now - began),
                Folded(fold: fold, coveredSeq: through))
    }
}
