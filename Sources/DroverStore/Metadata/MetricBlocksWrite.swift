import Foundation
import GRDB

/// The metric points of one writer batch on their way into `metric_blocks` (MetricBlockCodec).
///
/// Every new point goes into a block, single values too: a row per value was bound by SQLite's
/// B-tree work per row (`drover bench tracking`, batches of 1,000: 405,000 values/s with 256 rows
/// per INSERT); a block is one row for many points, and one write path and one stored format are
/// simpler than two. `.metric` events are held per run until a `.metrics` event of that run or the
/// end of the batch, then written as blocks, so a burst of one-call-per-value logging becomes a
/// few blocks. Order is kept where readers can see it: within a run, points are written in arrival
/// order, and a block never mixes keys or sources (see `writeBlocks`).
struct MetricBlockBatch {
    /// At most 1.5 MiB of points per blob, far below SQLite's 1 GB length limit.
    static let maxPointsPerBlock = 65_536

    private var held: [(run: String, points: [MetricPoint])] = []
    private var slot: [String: Int] = [:]
    private var last = -1

    /// Holds a single value of `run` (written by `write` or `writeAll`).
    mutating func add(_ run: String, _ point: MetricPoint) {
        if last >= 0, held[last].run == run {
            held[last].points.append(point)
        } else if let i = slot[run] {
            held[i].points.append(point)
            last = i
        } else {
            slot[run] = held.count
            last = held.count
            held.append((run, [point]))
        }
    }

    /// Writes what is held for `run`, then `points` after it.
    mutating func write(_ run: String, _ points: [MetricPoint], _ db: Database) throws {
        if let i = slot[run], !held[i].points.isEmpty {
            try Self.writeBlocks(run, held[i].points, db)
            held[i].points = []
        }
        try Self.writeBlocks(run, points, db)
    }

    /// Writes everything held (at the end of the batch, in the batch's transaction).
    mutating func writeAll(_ db: Database) throws {
        for (run, points) in held where !points.isEmpty { try Self.writeBlocks(run, points, db) }
        held = []
        slot = [:]
        last = -1
    }

    /// One block per key and stretch of equal source, in arrival order. Readers order points by
    /// key, step, time and then insertion order: splitting a key's points where the source changes
    /// (rather than grouping by source) keeps that last tie-break exact when sources interleave.
    static func writeBlocks(_ run: String, _ points: [MetricPoint], _ db: Database) throws {
        guard let first = points.first else { return }
        func same(_ a: String, _ b: String) -> Bool { a.utf8.elementsEqual(b.utf8) } // as SQLite compares: bytes
        if points.allSatisfy({ same($0.key, first.key) && same($0.source, first.source) }) {
            return try insert(run, first.key, first.source, points[...], db)
        }
        var byKey: [BytewiseString: [Int]] = [:]
        var keys: [BytewiseString] = []
        for (i, p) in points.enumerated() {
            let key = BytewiseString(p.key)
            if byKey[key]?.append(i) == nil {
                byKey[key] = [i]
                keys.append(key)
            }
        }
        for key in keys {
            let indices = byKey[key] ?? []
            var start = 0
            for end in 1...indices.count where end == indices.count || !same(points[indices[end]].source, points[indices[start]].source) {
                try insert(run, key.string, points[indices[start]].source, indices[start..<end].lazy.map { points[$0] }, db)
                start = end
            }
        }
    }

    private static func insert<Points: Collection<MetricPoint>>(_ run: String, _ key: String, _ source: String,
                                                                 _ points: Points, _ db: Database) throws {
        let statement = try db.cachedStatement(sql: """
            INSERT INTO metric_blocks (run_id, key, source, count, min_step, max_step, points) VALUES (?, ?, ?, ?, ?, ?, ?)
            """)
        var rest = points[...]
        while !rest.isEmpty {
            let block = rest.prefix(maxPointsPerBlock)
            rest = rest.dropFirst(block.count)
            var low = Int64.max, high = Int64.min
            for p in block { low = min(low, p.step); high = max(high, p.step) }
            try statement.execute(arguments: [run, key, source, block.count, low, high, MetricBlockCodec.encode(block)])
        }
    }
}
