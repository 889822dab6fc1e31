import Foundation
import GRDB

/// Reading a run's metric points: the one implementation behind `metrics(runID:key:)`,
/// `latestMetrics(runID:)` and the anomaly detector.
extension MetadataStore {
    /// The points of a run (optionally one key; optionally without a sweep's trials, sources
    /// matching SQL `LIKE '%/trial-%'`) ordered by key (bytewise, SQLite's BINARY collation),
    /// step, timestamp, then insertion order: the `metrics` rows of older versions by rowid, then
    /// the blocks by rowid, each block's points in its order.
    static func readMetrics(_ db: Database, runID: String, key: String? = nil, excludingTrials: Bool = false) throws -> [MetricPoint] {
        var filter = "run_id = ?"
        var arguments: StatementArguments = [runID]
        if let key {
            filter += " AND key = ?"
            arguments += [key]
        }
        if excludingTrials { filter += " AND source NOT LIKE '%/trial-%'" }

        var points: [MetricPoint] = []
        var keyIDs: [Int32] = [] // per point: index into `keys`
        var keys: [BytewiseString: Int32] = [:]
        func id(_ string: String) -> Int32 {
            let key = BytewiseString(string)
            if let i = keys[key] { return i }
            let i = Int32(keys.count)
            keys[key] = i
            return i
        }
        let rows = try Row.fetchCursor(db, sql: "SELECT key, value, step, timestamp, source FROM metrics WHERE \(filter) ORDER BY rowid",
                                       arguments: arguments)
        while let r = try rows.next() {
            let p = MetricPoint(key: r[0], value: r[1], step: r[2], timestamp: r[3], source: r[4])
            keyIDs.append(id(p.key))
            points.append(p)
        }
        let blocks = try Row.fetchCursor(db, sql: "SELECT key, source, count, points FROM metric_blocks WHERE \(filter) ORDER BY rowid",
                                         arguments: arguments)
        while let r = try blocks.next() {
            let key: String = r[0], count: Int? = r[2], blob: Data? = r[3]
            guard let count, let blob else {
                throw MetadataStoreError.corruptMetrics(runID: runID, key: key, reason: "a block without a count or points")
            }
            try MetricBlockCodec.decode(blob, count: count, runID: runID, key: key, source: r[1], into: &points)
            keyIDs.append(contentsOf: repeatElement(id(key), count: points.count - keyIDs.count))
        }
        return sorted(points, keyIDs: keyIDs, keys: keys)
    }

    /// Stable sort by key, step, timestamp; skipped when the points are already in order.
    private static func sorted(_ points: [MetricPoint], keyIDs: [Int32], keys: [BytewiseString: Int32]) -> [MetricPoint] {
        var rank = [Int32](repeating: 0, count: keys.count)
        for (n, key) in keys.keys.sorted(by: <).enumerated() {
            rank[Int(keys[key] ?? 0)] = Int32(n)
        }
        func before(_ i: Int, _ j: Int) -> Bool {
            let a = points[i], b = points[j]
            let ra = rank[Int(keyIDs[i])], rb = rank[Int(keyIDs[j])]
            if ra != rb { return ra < rb }
            if a.step != b.step { return a.step < b.step }
            if timeBefore(a.timestamp, b.timestamp) { return true }
            if timeBefore(b.timestamp, a.timestamp) { return false }
            return i < j
        }
        if points.indices.dropFirst().allSatisfy({ before($0 - 1, $0) }) { return points }
        return points.indices.sorted(by: before).map { points[$0] }
    }

    /// SQLite's order of REAL values; NaN (which older versions could not store: SQLite binds it
    /// as NULL) after every number, so the order stays a strict weak ordering.
    private static func timeBefore(_ a: Double, _ b: Double) -> Bool {
        a < b || (b.isNaN && !a.isNaN)
    }
}
