import Foundation
import GRDBSQLite
import Synchronization

/// Copies the journal's WAL into its database file on a thread of its own, so the coordinator's
/// loop never runs a checkpoint. SQLite's automatic checkpoint runs inside whichever commit
/// crosses 1,000 WAL pages and fsyncs the database file there: on the shared machine such
/// commits (and the truncation steps of compaction) stalled dispatch for up to 350–400 ms
/// (docs/performance.md, "Journal compaction"). The appender turns the automatic checkpoint off;
/// this thread runs a PASSIVE checkpoint every `interval`, which never blocks the writer or a
/// reader. Once a checkpoint has caught up and no reader is left on old frames, the writer's next
/// transaction starts the WAL over, and `journal_size_limit` then cuts the file back.
final class JournalCheckpointer: Sendable {
    /// The checkpointing connection: opened here, then used only by the checkpoint thread.
    private struct Connection: @unchecked Sendable { let db: OpaquePointer? }

    /// Signalled to end the thread early; `stopping` says it was meant.
    private let wake = DispatchSemaphore(value: 0)
    private let stopping = Mutex(false)
    private let finished = DispatchSemaphore(value: 0)

    init(path: String, interval: Duration = .milliseconds(50)) throws {
        var db: OpaquePointer?
        var rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX, nil)
        // A connection only checkpoints once it has seen the file is in WAL mode (else: log -1).
        if rc == SQLITE_OK { rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nil, nil, nil) }
        guard rc == SQLITE_OK else {
            let message = db.flatMap { sqlite3_errmsg($0) }.map { String(cString: $0) } ?? "SQLite error \(rc)"
            sqlite3_close_v2(db)
            throw JournalError.write(path: path, operation: "open for checkpoints",
                                     failure: JournalError.WriteFailure(code: rc, message: message))
        }
        let connection = Connection(db: db)
        let nanoseconds = Int(interval.components.seconds) * 1_000_000_000 + Int(interval.components.attoseconds / 1_000_000_000)
        let thread = Thread { [self] in
            run(connection, every: .nanoseconds(nanoseconds))
            sqlite3_close_v2(connection.db)
            finished.signal()
        }
        thread.name = "drover.checkpointer"
        thread.start()
    }

    private func run(_ connection: Connection, every interval: DispatchTimeInterval) {
        while true {
            _ = wake.wait(timeout: .now() + interval)
            if stopping.withLock({ $0 }) { return }
            // BUSY (the shutdown's TRUNCATE checkpoint holds the lock) or an I/O error: the WAL
            // keeps everything; the next round tries again, and the coordinator's own commits
            // report a failing disk.
            _ = sqlite3_wal_checkpoint_v2(connection.db, nil, SQLITE_CHECKPOINT_PASSIVE, nil, nil)
        }
    }

    /// Ends the thread after its current checkpoint; returns once its connection is closed. Once only.
    func stop() {
        let first = stopping.withLock { s in
            defer { s = true }
            return !s
        }
        guard first else { return }
        wake.signal()
        finished.wait()
    }
}
