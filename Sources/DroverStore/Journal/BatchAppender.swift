import GRDBSQLite
#if canImport(Glibc)
import Glibc
#endif

/// The journal's hot path: one prepared INSERT inside BEGIN IMMEDIATE … COMMIT on a raw
/// SQLite connection of its own.
///
/// Written by hand rather than through GRDB because we measured it: the coordinator's
/// `commit.avg` (release build, same single-job workload, load ~9) was 148 µs per group commit
/// through `DatabaseQueue.write` and 71 µs through the C API; a single-job round trip pays two.
/// GRDB still owns the schema (migrations) and replay.
/// What one maintenance step of the journal did (timed separately by the coordinator).
public enum JournalMaintenance: Sendable {
    case none, truncated, vacuumed
}

final class BatchAppender {
    private var db: OpaquePointer?
    private var begin: OpaquePointer?
    private var insert: OpaquePointer?
    private var commit: OpaquePointer?
    private var rollback: OpaquePointer?
    private var truncate: OpaquePointer?
    private var coveredRows: OpaquePointer?
    private var freelistCount: OpaquePointer?
    private var vacuum: OpaquePointer?
    let path: String
    /// The newest row (rowid); rows are numbered max + 1, so the newest row is never deleted.
    private(set) var lastSeq: Int64 = 0
    /// Rows up to here are gone; rows up to `truncateTarget` may go (a snapshot covers them).
    private(set) var truncatedThrough: Int64 = 0
    var truncateTarget: Int64 = 0
    /// Rows deleted per step at most (with `truncateRecordsPerStep`).
    static let truncateChunk: Int64 = 8
    /// Records a truncation step deletes at most: one or two group commits of a loaded
    /// coordinator (6,000–16,000 records each), ~1.5 ms of the loop's CPU (release). The tick
    /// runs steps for a time budget, so their size sets the granularity, not the rate.
    ///
    /// Commits delete nothing: deletion runs in steps of its own, after a commit's messages are
    /// sent and on ticks. A commit used to delete up to twice the records it appended (at most
    /// 65,536) in its own transaction: at ~200,000 jobs/s such a commit took up to 9.2 ms of CPU,
    /// against 6.7 ms with compaction off (docs/performance.md, "Session 22").
    static let truncateRecordsPerStep: Int64 = 16_384
    /// Free pages the file may keep for new rows; beyond this, `truncateStep` returns them to the
    /// file system (`auto_vacuum = INCREMENTAL`, set when the journal is created). Deleted rows
    /// only become free pages, so without this the file stays as large as the journal ever was.
    static let freePagesKept: Int64 = 2_048 // 8 MiB of 4 KiB pages
    /// Pages given back per step: one step moves at most this many pages, so it stays short
    /// (256 pages took up to 3.6 ms of CPU, release; the tick's time budget sets the rate).
    static let vacuumPagesPerStep = 128
    /// Whether the file was created with `auto_vacuum = INCREMENTAL` (journals created before
    /// it keep their free pages).
    private var incrementalVacuum = false
    /// The journal file's identity when opened: in WAL mode SQLite keeps writing to a file that
    /// was deleted or replaced, so every commit first checks the path still names it.
    private let identity: (device: UInt64, inode: UInt64)?

    init(path: String, fsync: Bool) throws {
        self.path = path
        identity = Self.identity(of: path) // the schema migration created the file
        try check(sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil), "open")
        // Extended codes tell a full disk, an I/O error and a deleted file apart (JournalError.WriteKind).
        sqlite3_extended_result_codes(db, 1)
        // The coordinator is the only writer; wait briefly rather than fail if a reader holds a
        // lock (before the first statement: a reader may be recovering the WAL after a crash).
        sqlite3_busy_timeout(db, 5_000)
        try exec("PRAGMA journal_mode = WAL")
        try exec(fsync ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = NORMAL")
        // Checkpoints run on `JournalCheckpointer`'s thread, never inside a commit of the loop.
        try exec("PRAGMA wal_autocheckpoint = 0")
        // When the WAL starts over, cut a file a long compaction read (or a burst) let grow back
        // to 16 MiB: at 60k jobs/s the WAL takes ~1 MiB between two 50 ms checkpoints.
        try exec("PRAGMA journal_size_limit = \(16 << 20)")
        begin = try prepare("BEGIN IMMEDIATE")
        insert = try prepare("INSERT INTO journal (records, batch) VALUES (?, ?)")
        commit = try prepare("COMMIT")
        rollback = try prepare("ROLLBACK")
        truncate = try prepare("DELETE FROM journal WHERE seq > ?1 AND seq <= ?2")
        // `records` precedes the batch in the row, so this never reads a batch's overflow pages.
        coveredRows = try prepare("SELECT seq, records FROM journal WHERE seq > ?1 AND seq <= ?2 ORDER BY seq LIMIT \(Self.truncateChunk)")
        freelistCount = try prepare("PRAGMA freelist_count")
        vacuum = try prepare("PRAGMA incremental_vacuum(\(Self.vacuumPagesPerStep))")
        incrementalVacuum = try scalar("PRAGMA auto_vacuum") == 2
        lastSeq = try scalar("SELECT coalesce(max(seq), 0) FROM journal")
        truncatedThrough = max(try scalar("SELECT coalesce(min(seq), 1) FROM journal") - 1, 0)
    }

    deinit {
        for s in [begin, insert, commit, rollback, truncate, coveredRows, freelistCount, vacuum] { sqlite3_finalize(s) }
        sqlite3_close_v2(db)
    }

    /// Appends one batch as one transaction; returns once SQLite has committed it.
    func append(records: Int, batch: [UInt8]) throws {
        try checkFileIsPresent()
        try step(begin, "BEGIN")
        do {
            sqlite3_bind_int64(insert, 1, Int64(records))
            let rc = batch.withUnsafeBytes { raw in
                // SQLITE_STATIC: the bytes outlive the step below.
                sqlite3_bind_blob(insert, 2, raw.baseAddress, Int32(raw.count), nil)
            }
            try check(rc, "bind")
            try step(insert, "INSERT")
            sqlite3_clear_bindings(insert)
            let inserted = sqlite3_last_insert_rowid(db)
            try step(commit, "COMMIT")
            lastSeq = inserted
        } catch {
            sqlite3_clear_bindings(insert)
            _ = sqlite3_step(rollback)
            sqlite3_reset(rollback)
            throw error
        }
    }

    /// Deletes one chunk of rows a snapshot covers, inside `truncateStep`'s transaction; returns
    /// the new `truncatedThrough` (unchanged when there is nothing to delete).
    private func truncateChunk(records budget: Int64) throws -> Int64 {
        let limit = min(truncateTarget, lastSeq - 1)
        guard limit > truncatedThrough else { return truncatedThrough }
        let upTo = try chunkEnd(after: truncatedThrough, through: limit, records: budget)
        sqlite3_bind_int64(truncate, 1, truncatedThrough)
        sqlite3_bind_int64(truncate, 2, upTo)
        try step(truncate, "DELETE")
        return upTo
    }

    /// The last row of the next chunk: up to `truncateChunk` rows holding at most `budget`
    /// records, and at least one row (a gap in the numbering counts for nothing).
    private func chunkEnd(after: Int64, through: Int64, records budget: Int64) throws -> Int64 {
        defer { sqlite3_reset(coveredRows) }
        sqlite3_bind_int64(coveredRows, 1, after)
        sqlite3_bind_int64(coveredRows, 2, through)
        var end = after, records: Int64 = 0
        var rc = sqlite3_step(coveredRows)
        while rc == SQLITE_ROW {
            records += sqlite3_column_int64(coveredRows, 1)
            if end > after && records > budget { return end }
            end = sqlite3_column_int64(coveredRows, 0)
            rc = sqlite3_step(coveredRows)
        }
        guard rc == SQLITE_DONE else { throw failure(rc, "SELECT covered rows") }
        // No row left in the range (already deleted): the whole range is done.
        return end == after ? through : end
    }

    /// One truncation chunk in a transaction of its own; once every
    /// covered row is gone, one step of giving free pages back instead. Says which it did.
    @discardableResult
    func truncateStep(records budget: Int64 = truncateRecordsPerStep) throws -> JournalMaintenance {
        guard min(truncateTarget, lastSeq - 1) > truncatedThrough else { return try vacuumStep() ? .vacuumed : .none }
        try step(begin, "BEGIN")
        do {
            let truncated = try truncateChunk(records: budget)
            try step(commit, "COMMIT")
            truncatedThrough = truncated
            return .truncated
        } catch {
            _ = sqlite3_step(rollback)
            sqlite3_reset(rollback)
            throw error
        }
    }

    /// Moves up to `vacuumPagesPerStep` pages from the end of the file into free ones and cuts
    /// the file (the checkpoint that copies this commit shrinks it), when more than
    /// `freePagesKept` pages are free.
    private func vacuumStep() throws -> Bool {
        guard incrementalVacuum, try freePages() > Self.freePagesKept else { return false }
        // The pragma frees one page per row it yields: step it to the end.
        var rc = sqlite3_step(vacuum)
        while rc == SQLITE_ROW { rc = sqlite3_step(vacuum) }
        sqlite3_reset(vacuum)
        guard rc == SQLITE_DONE else { throw failure(rc, "PRAGMA incremental_vacuum") }
        return true
    }

    /// The file's size and how much of it is free pages, in bytes (as this connection sees it).
    func fileBytes() throws -> (total: Int64, free: Int64) {
        let free = try freePages()
        let pageSize = try scalar("PRAGMA page_size")
        return (try scalar("PRAGMA page_count") * pageSize, free * pageSize)
    }

    private func freePages() throws -> Int64 {
        defer { sqlite3_reset(freelistCount) }
        guard sqlite3_step(freelistCount) == SQLITE_ROW else { throw failure(sqlite3_errcode(db), "PRAGMA freelist_count") }
        return sqlite3_column_int64(freelistCount, 0)
    }

    private static func identity(of path: String) -> (device: UInt64, inode: UInt64)? {
        var st = stat()
        guard stat(path, &st) == 0 else { return nil }
        return (UInt64(st.st_dev), UInt64(st.st_ino))
    }

    /// Fails like a write would if the journal file was deleted, moved or replaced (one stat call).
    private func checkFileIsPresent() throws {
        guard let identity else { return }
        if let now = Self.identity(of: path), now == identity { return }
        throw JournalError.write(path: path, operation: "commit", failure: JournalError.WriteFailure(
            kind: .fileRemoved, code: SQLITE_READONLY | (4 << 8), message: "the journal file is no longer at its path"))
    }

    private func scalar(_ sql: String) throws -> Int64 {
        let s = try prepare(sql)
        defer { sqlite3_finalize(s) }
        guard sqlite3_step(s) == SQLITE_ROW else { throw failure(sqlite3_errcode(db), sql) }
        return sqlite3_column_int64(s, 0)
    }

    /// Copies the WAL into the database file and truncates it (graceful shutdown).
    func checkpoint() throws {
        try check(sqlite3_wal_checkpoint_v2(db, nil, SQLITE_CHECKPOINT_TRUNCATE, nil, nil), "checkpoint")
    }

    private func exec(_ sql: String) throws {
        try check(sqlite3_exec(db, sql, nil, nil, nil), sql)
    }

    private func prepare(_ sql: String) throws -> OpaquePointer? {
        var s: OpaquePointer?
        try check(sqlite3_prepare_v2(db, sql, -1, &s, nil), "prepare \(sql)")
        return s
    }

    private func step(_ statement: OpaquePointer?, _ what: String) throws {
        let rc = sqlite3_step(statement)
        sqlite3_reset(statement)
        guard rc == SQLITE_DONE else { throw failure(rc, what) }
    }

    private func check(_ rc: Int32, _ what: String) throws {
        guard rc == SQLITE_OK else { throw failure(rc, what) }
    }

    private func failure(_ rc: Int32, _ operation: String) -> JournalError {
        // sqlite3_step returns the extended code once extended codes are on; errcode covers the rest.
        let code = db.map { sqlite3_extended_errcode($0) } ?? rc
        let text = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(rc)"
        return .write(path: path, operation: operation, failure: JournalError.WriteFailure(code: code == 0 ? rc : code, message: text))
    }
}
