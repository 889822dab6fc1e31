import DroverCore
import Foundation
import GRDB

/// Reads a live coordinator's journal from another connection, read-only (SQLite WAL lets it
/// read while the coordinator writes): the rows committed after a given one, decoded. For
/// followers such as the HTTP side's per-job event stream. Blocking: use it on a thread of its own.
public final class JournalFollower {
    let db: DatabaseQueue
    public let path: String

    public init(path: String) throws {
        var config = Configuration()
        config.readonly = true
        config.label = "drover.journal.follower"
        config.busyMode = .timeout(2) // rides out the coordinator's checkpoints
        db = try DatabaseQueue(path: path, configuration: config)
        self.path = path
    }

    /// The newest committed row (0: none).
    public func lastSeq() throws -> Int64 {
        try db.read { try Int64.fetchOne($0, sql: "SELECT coalesce(max(seq), 0) FROM journal") ?? 0 }
    }

    /// Up to `limit` rows after `seq`, in order, each with its records.
    public func rows(after seq: Int64, limit: Int) throws -> [(seq: Int64, records: [JournalRecord])] {
        var out: [(seq: Int64, records: [JournalRecord])] = []
        try SQLiteJournal.readRows(db, path: path, after: seq, through: .max, limit: limit) { out.append(($0, $1)) }
        return out
    }
}
