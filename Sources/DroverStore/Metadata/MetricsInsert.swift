import GRDB
import GRDBSQLite

/// A batch of metric values in one multi-row INSERT per `rowsPerInsert` values, the values bound
/// with SQLite's C API on GRDB's cached statement. Through GRDB's `StatementArguments` each value
/// became six `DatabaseValue`s in an array first: building and binding them was most of a batched
/// value's cost (`drover bench tracking`, batched: 327,000 values/s through GRDB, release).
extension MetadataApply {
    static let rowsPerInsert = 256
    private static let insertSQL = "INSERT INTO metrics (run_id, key, value, step, timestamp, source) VALUES "
        + Array(repeating: "(?, ?, ?, ?, ?, ?)", count: rowsPerInsert).joined(separator: ", ")
    /// SQLite copies the text before the bind returns.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)

    /// Full groups of `rowsPerInsert` in one statement each, then the rest one by one; in order.
    static func insertMetrics(_ run: String, _ points: [MetricPoint], _ db: Database) throws {
        var i = 0
        if points.count >= rowsPerInsert {
            let many = try db.cachedStatement(sql: insertSQL)
            let handle = many.sqliteStatement
            defer { sqlite3_reset(handle); sqlite3_clear_bindings(handle) }
            while points.count - i >= rowsPerInsert {
                var column: Int32 = 1
                for p in points[i..<(i + rowsPerInsert)] {
                    sqlite3_bind_text(handle, column, run, -1, transient)
                    sqlite3_bind_text(handle, column + 1, p.key, -1, transient)
                    sqlite3_bind_double(handle, column + 2, p.value)
                    sqlite3_bind_int64(handle, column + 3, p.step)
                    sqlite3_bind_double(handle, column + 4, p.timestamp)
                    sqlite3_bind_text(handle, column + 5, p.source, -1, transient)
                    column += 6
                }
                let code = sqlite3_step(handle)
                sqlite3_reset(handle)
                guard code == SQLITE_DONE else {
                    throw DatabaseError(resultCode: ResultCode(rawValue: code), message: String(cString: sqlite3_errmsg(db.sqliteConnection)),
                                        sql: "INSERT INTO metrics … (\(rowsPerInsert) rows)")
                }
                i += rowsPerInsert
            }
        }
        let one = try metricInsert(db)
        for p in points[i...] { try one.execute(arguments: [run, p.key, p.value, p.step, p.timestamp, p.source]) }
    }
}
