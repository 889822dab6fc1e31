import DroverCore
import DroverProtocol
import Foundation
import GRDB

/// The coordinator's journal in SQLite (WAL mode): one row per group commit holding the
/// batch's binary-encoded records (docs/architecture.md, "Journal").
///
/// One row per batch rather than one row per job is deliberate: a row-per-transition schema
/// costs ~3 statements per job (300k statements/s at 100k jobs/s — an estimate, not measured
/// here), a batch row one statement per commit. Recovery replays the batches in order.
///
/// Not thread-safe by design: the coordinator's loop thread is its only user.
public final class SQLiteJournal: Journal {
    public enum Durability: String, Sendable, CaseIterable {
        /// WAL + synchronous=NORMAL: a commit survives a crash of the process (kill -9);
        /// the last commits may be lost if the machine loses power.
        case process
        /// WAL + synchronous=FULL: every commit is fsynced before it is acknowledged.
        case fsync
    }

    private let db: DatabaseQueue
    private let appender: BatchAppender
    private let checkpointer: JournalCheckpointer
    public let path: String
    public let durability: Durability
    public private(set) var batchesWritten = 0
    /// The snapshot beside the journal (`journal.sqlite.snapshot`): it replaces rows up to its
    /// covered row, which are deleted a few at a time after it is safely on disk.
    public var snapshotPath: String { Self.snapshotPath(for: path) }
    /// Journal rows the snapshot on disk covers (0: no snapshot yet).
    public private(set) var coveredSeq: Int64 = 0

    public init(path: String, durability: Durability = .process) throws {
        self.path = path
        self.durability = durability
        var config = Configuration()
        config.label = "drover.journal"
        config.journalMode = .wal
        config.busyMode = .timeout(5) // a reader (`JobEventTail`, an audit) may hold a lock for a moment
        // Only for a new file (before its first table): lets compaction give the pages of deleted
        // rows back to the file system (BatchAppender.vacuumStep). Never on an existing journal,
        // where it changes nothing and fails on a full disk (the audit must still read it).
        let isNew = !FileManager.default.fileExists(atPath: path)
        config.prepareDatabase { db in
            try db.execute(sql: durability == .fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
            if isNew { try db.execute(sql: "PRAGMA auto_vacuum = INCREMENTAL") }
        }
        db = try DatabaseQueue(path: path, configuration: config)
        try Self.migrator.migrate(db)
        appender = try BatchAppender(path: path, fsync: durability == .fsync)
        checkpointer = try JournalCheckpointer(path: path)
    }

    deinit { checkpointer.stop() }

    /// Append-only schema steps (STYLE.md #13).
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-journal") { db in
            try db.execute(sql: """
                CREATE TABLE journal (
                    seq INTEGER PRIMARY KEY, -- rowid: no AUTOINCREMENT, which costs a sqlite_sequence page write per commit
                    records INTEGER NOT NULL,
                    batch BLOB NOT NULL
                )
                """)
        }
        return m
    }

    public func append(_ records: [JournalRecord]) throws {
        guard !records.isEmpty else { return }
        try appender.append(records: records.count, batch: JournalRecord.encodeBatch(records))
        batchesWritten += 1
    }

    /// The snapshot's records (if any), then every row it does not cover.
    public func replay(_ body: (JournalRecord) throws -> Void) throws {
        if let snapshot = try SnapshotFile.read(snapshotPath) {
            coveredSeq = snapshot.coveredSeq
            for batch in snapshot.batches { for r in batch { try body(r) } }
        }
        try Self.readRows(db, path: path, after: coveredSeq, through: .max) { _, records in for r in records { try body(r) } }
        appender.truncateTarget = coveredSeq
    }

    /// Rows copied out per read transaction (`readRows`): at most a few MiB (a group commit under
    /// load is up to ~4 MB), copied from the page cache in about a millisecond.
    static let rowsPerRead = 8

    /// Decodes the rows `after` < seq ≤ `through` (at most `limit` of them; -1: all), in order.
    /// Rows are copied out `rowsPerRead` at a time, each time in a read transaction of its own, and
    /// decoded and handed to `body` outside it. A read transaction pins the WAL: the checkpointer
    /// cannot copy past it and the writer cannot start the WAL over, so the compactor's one long
    /// read (its fold ran inside it, ~1–2 s) let the WAL grow to 50+ MiB, whose checkpoint and
    /// truncation then stalled the loop's commits (docs/performance.md, "commits while a snapshot
    /// is written"). Rows in the range never change (covered rows are deleted only below a
    /// finished snapshot), so the chunks read one state.
    static func readRows(_ db: DatabaseQueue, path: String, after: Int64, through: Int64, limit: Int = -1,
                         _ body: (Int64, [JournalRecord]) throws -> Void) throws {
        var next = after
        var left = limit < 0 ? Int.max : limit
        while next < through, left > 0 {
            let rows = try db.read { db in
                try Row.fetchAll(db, sql: "SELECT seq, batch FROM journal WHERE seq > ? AND seq <= ? ORDER BY seq LIMIT ?",
                                 arguments: [next, through, min(rowsPerRead, left)]).map { row -> (seq: Int64, batch: [UInt8]) in
                    let data: Data = row[1]
                    return (row[0], [UInt8](data))
                }
            }
            guard let last = rows.last else { return }
            left -= rows.count
            for row in rows {
                let records: [JournalRecord]
                do {
                    records = try JournalRecord.decodeBatch(row.batch)
                } catch {
                    throw JournalError.corrupt(path: path, batch: row.seq, reason: "\(error)")
                }
                try body(row.seq, records)
            }
            next = last.seq
        }
    }

    /// The newest journal row: a compaction started now covers everything up to it.
    public var lastSeq: Int64 { appender.lastSeq }

    /// A snapshot covering rows up to `seq` is on disk: those rows may now be deleted (a few per
    /// commit, see `truncateStep`).
    public func snapshotWritten(coveredSeq seq: Int64) {
        coveredSeq = max(coveredSeq, seq)
        appender.truncateTarget = coveredSeq
    }

    /// Deletes a few covered rows in a transaction of its own; a no-op when none are left.
    @discardableResult
    public func truncateStep() throws -> JournalMaintenance {
        try appender.truncateStep()
    }

    /// One truncation step deleting rows that hold at most `records` records (and at least one
    /// row), when covered rows wait; otherwise nothing.
    public func truncateCovered(records: Int64) throws {
        guard rowsAwaitingTruncation > 0 else { return }
        _ = try appender.truncateStep(records: records)
    }

    /// Truncation steps, then vacuum steps, until none is left or `budget` is spent (at least
    /// one step); `step` hears what each did and how long it took.
    public func upkeep(for budget: Duration, _ step: (JournalMaintenance, Duration) -> Void = { _, _ in }) throws {
        let until = ContinuousClock.now + budget
        var work: JournalMaintenance
        repeat {
            let began = ContinuousClock.now
            work = try appender.truncateStep()
            step(work, ContinuousClock.now - began)
        } while work != .none && ContinuousClock.now < until
    }

    /// Rows not yet deleted although a snapshot covers them.
    public var rowsAwaitingTruncation: Int64 { max(0, min(appender.truncateTarget, appender.lastSeq - 1) - appender.truncatedThrough) }

    /// The journal file's size and how much of it is free pages, in bytes (logged with each snapshot).
    public func fileBytes() throws -> (total: Int64, free: Int64) { try appender.fileBytes() }

    static func snapshotPath(for journalPath: String) -> String { journalPath + ".snapshot" }

    public var summary: String { "sqlite \(path) (WAL, \(durability == .fsync ? "fsync per commit" : "crash-safe per commit"))" }

    /// Truncates the WAL into the main file; called on graceful shutdown.
    public func checkpoint() throws {
        checkpointer.stop()
        try appender.checkpoint()
    }
}
