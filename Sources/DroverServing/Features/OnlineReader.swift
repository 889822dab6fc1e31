import GRDBSQLite

/// One read-only connection to `features.sqlite` with the online lookup prepared once: the
/// primary key answers it in one seek, and the stored JSON is parsed straight from SQLite's
/// buffer. Blocking (file reads): owned and called by one dedicated thread, never by a task on
/// the cooperative pool (`OnlineReaders` hands async callers over to such threads).
///
/// Written on the C API rather than through GRDB's pool because we measured it: through
/// `DatabasePool.read` a read cost two thread hand-offs (p50 ~130 µs, p99 ~1.3 ms at 1M
/// entities, release, 2 cores) for a lookup that itself takes a few µs.
public final class OnlineReader {
    private var db: OpaquePointer?
    private var lookup: OpaquePointer?
    public let path: String

    public init(path: String) throws(OnlineReadError) {
        self.path = path
        var rc = sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nil)
        if rc == SQLITE_OK {
            // A reader waits (rather than fails) only while a writer recovers the WAL.
            sqlite3_busy_timeout(db, 10_000)
            rc = sqlite3_prepare_v3(db, "SELECT event, vals FROM online WHERE view = ?1 AND entity = ?2", -1,
                                    UInt32(SQLITE_PREPARE_PERSISTENT), &lookup, nil)
        }
        guard rc == SQLITE_OK else {
            let error = OnlineReadError(path: path, code: rc, message: db.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory")
            sqlite3_finalize(lookup)
            sqlite3_close_v2(db)
            throw error
        }
    }

    deinit {
        sqlite3_finalize(lookup)
        sqlite3_close_v2(db)
    }

    /// The stored row of an entity, or nil: one transaction of its own, so it sees every write
    /// committed before it started.
    public func read(view: String, key: String) throws(OnlineReadError) -> StoredFeatures? {
        defer {
            sqlite3_reset(lookup)
            sqlite3_clear_bindings(lookup)
        }
        // SQLITE_TRANSIENT (-1): SQLite copies the text; the Swift strings' buffers are temporary.
        let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
        sqlite3_bind_text(lookup, 1, view, -1, transient)
        sqlite3_bind_text(lookup, 2, key, -1, transient)
        let rc = sqlite3_step(lookup)
        if rc == SQLITE_DONE { return nil }
        guard rc == SQLITE_ROW else { throw failure(rc) }
        let event = sqlite3_column_double(lookup, 0)
        let bytes = UnsafeRawBufferPointer(start: sqlite3_column_blob(lookup, 1), count: Int(sqlite3_column_bytes(lookup, 1)))
        guard case .array(let values)? = try? JSONParser.parse(bytes) else {
            throw OnlineReadError(path: path, code: SQLITE_CORRUPT,
                                  message: "feature view \(view), entity \(key): the stored value is not a JSON array; materialize the view again")
        }
        return (event, values)
    }

    private func failure(_ rc: Int32) -> OnlineReadError {
        OnlineReadError(path: path, code: rc, message: String(cString: sqlite3_errmsg(db)))
    }
}

/// An online read failed: the store's path, SQLite's code and message.
public struct OnlineReadError: Error, CustomStringConvertible, Sendable {
    public var path: String
    public var code: Int32
    public var message: String
    public var description: String { "cannot read the online store \(path): \(message) (SQLite code \(code))" }
}
