@testable import DroverStore
import Foundation
import GRDB
import Testing

@Suite("Metric blocks")
struct MetricBlocksTests {
    /// Values whose bits SQLite's REAL would not keep (NaN is bound as NULL, -0 comes back 0).
    static let awkward: [Double] = [.nan, Double(nan: 0x1234, signaling: false), -.nan, .infinity, -.infinity, -0.0, 0,
                                    .leastNonzeroMagnitude, .greatestFiniteMagnitude, 0.1]

    static func bits(_ points: [MetricPoint]) -> [[UInt64]] {
        points.map { [UInt64(bitPattern: $0.step), $0.value.bitPattern, $0.timestamp.bitPattern] }
    }

    static func blockCount(_ store: MetadataStore, run: String) async throws -> Int {
        try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metric_blocks WHERE run_id = ?", arguments: [run]) ?? 0 }
    }

    @Test("the codec round-trips steps, values and times bit for bit, NaN, ±inf and -0 included")
    func codecRoundTrip() throws {
        let points = Self.awkward.enumerated().map { i, v in
            MetricPoint(key: "k", value: v, step: [Int64.min, -1, 0, Int64.max][i % 4], timestamp: Self.awkward.reversed()[i], source: "s")
        }
        let blob = MetricBlockCodec.encode(points)
        #expect(blob.count == points.count * 24)
        var back: [MetricPoint] = []
        try MetricBlockCodec.decode(blob, count: points.count, runID: "r", key: "k", source: "s", into: &back)
        #expect(Self.bits(back) == Self.bits(points))
        #expect(back.allSatisfy { $0.key == "k" && $0.source == "s" })
    }

    @Test("a truncated blob or a wrong count is an error naming the run and key")
    func codecCorrupt() throws {
        let blob = MetricBlockCodec.encode([MetricPoint(key: "k", value: 1, timestamp: 2), MetricPoint(key: "k", value: 3, timestamp: 4)])
        var out: [MetricPoint] = []
        for (data, count) in [(blob.prefix(47), 2), (blob, 3), (blob, -1), (blob, Int.max)] {
            #expect {
                try MetricBlockCodec.decode(data, count: count, runID: "r7", key: "loss", source: "", into: &out)
            } throws: { error in
                guard case .corruptMetrics(let run, let key, _) = error as? MetadataStoreError else { return false }
                return run == "r7" && key == "loss" && "\(error)".contains("run r7") && "\(error)".contains("'loss'")
            }
        }
        #expect(out.isEmpty)
    }

    @Test("values and times go through the store bit for bit, into blocks; a corrupt stored block is a read error")
    func storeRoundTripAndCorruption() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        let points = Self.awkward.enumerated().map { i, v in MetricPoint(key: "k", value: v, step: Int64(i), timestamp: -0.0) }
        await store.record(.metrics(runID: "r", points))
        try await store.flush()
        #expect(Self.bits(try await store.metrics(runID: "r")) == Self.bits(points))
        #expect(try await Self.blockCount(store, run: "r") == 1)

        try await store.pool.write { db in try db.execute(sql: "UPDATE metric_blocks SET points = substr(points, 1, 100)") }
        await #expect {
            try await store.metrics(runID: "r")
        } throws: { error in
            guard case .corruptMetrics("r", "k", _) = error as? MetadataStoreError else { return false }
            return true
        }
    }

    @Test("a NaN or infinite step metric is stored in the step cache and read back; the rest of its batch lands too")
    func nonFiniteStepCacheMetrics() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        await store.record(.run(RunRecord(id: "r", pipeline: "p", startedAt: 1)))
        await store.record(.stepCache(StepCacheEntry(key: "c", runID: "r", step: "evaluate", outputs: [:],
                                                     metrics: ["log_loss": .nan, "ratio": .infinity, "auc": 0.5], createdAt: 2)))
        try await store.flush()
        let entry = try #require(try await store.cachedStep(key: "c"))
        #expect(entry.metrics["log_loss"]?.isNaN == true)
        #expect(entry.metrics["ratio"] == .infinity && entry.metrics["auc"] == 0.5)
        #expect(try await store.runs().contains { $0.id == "r" })
    }

    @Test("old metrics rows and new blocks read back together: key bytewise, step, time, rows before blocks")
    func oldRowsThenBlocks() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        // Rows as versions before blocks wrote them (one INSERT per value into `metrics`).
        let old: [(String, String, Double, Int64, Double, String)] = [
            ("r", "loss", 1, 2, 10, "train"), ("r", "loss", 2, 1, 10, "train"), ("r", "acc", 3, 1, 10, "eval/trial-1"),
            ("r", "loss", 4, 2, 10, "other"), ("r", "acc", 7, 1, 9, "x/TRIAL-9"), ("u", "e\u{301}", 5, 0, 1, ""), ("u", "f", 6, 0, 1, ""),
        ]
        try await store.pool.write { db in
            for (r, k, v, s, t, src) in old {
                try db.execute(sql: "INSERT INTO metrics (run_id, key, value, step, timestamp, source) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [r, k, v, s, t, src])
            }
        }
        await store.record(.metrics(runID: "r", [
            MetricPoint(key: "loss", value: 8, step: 2, timestamp: 10, source: "train"), // ties with the rows of 1 and 4: after them
            MetricPoint(key: "loss", value: 10, step: 1, timestamp: 10, source: "sweep/trial-2"),
            MetricPoint(key: "acc", value: 11, step: 0, timestamp: 99),
        ]))
        await store.record(.metric(runID: "r", MetricPoint(key: "loss", value: 12, step: 3, timestamp: 5, source: "train")))
        // "é" as one scalar (bytes C3 A9) sorts after "f"; "e" + U+0301 (65 CC 81), equal to it in Swift, before.
        await store.record(.metric(runID: "u", MetricPoint(key: "\u{e9}", value: 9, step: 0, timestamp: 0)))
        try await store.flush()

        #expect(try await store.metrics(runID: "r").map(\.value) == [11, 7, 3, 2, 10, 1, 4, 8, 12])
        #expect(try await store.metrics(runID: "r", key: "loss").map(\.value) == [2, 10, 1, 4, 8, 12])
        #expect(try await store.metrics(runID: "r", key: "acc").map(\.value) == [11, 7, 3])
        let u = try await store.metrics(runID: "u")
        #expect(u.map(\.value) == [5, 6, 9])
        #expect(u.map { Array($0.key.utf8) } == ["e\u{301}", "f", "\u{e9}"].map { Array($0.utf8) })
        #expect(try await store.metrics(runID: "u", key: "\u{e9}").map(\.value) == [9])
        #expect(try await Self.blockCount(store, run: "r") >= 1)
        #expect(try await store.pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM metrics") } == old.count)

        // The anomaly detector's view: trials excluded as SQL LIKE does (ASCII case-insensitive), last value per key;
        // `latestMetrics` excludes "/trial-" case-sensitively, as before.
        let latest = try await store.pool.read { db in try MetadataStore.latestPerRun(db, runs: ["r"]) }
        #expect(latest == ["acc": [11], "loss": [12]])
        #expect(try await store.latestMetrics(runID: "r") == ["acc": 7, "loss": 12])
    }

    @Test("a store written before blocks migrates, keeps its rows and reads them with new blocks")
    func migratesOldStore() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let path = dir.path + "/" + MetadataStore.fileName
        let old = try DatabaseQueue(path: path)
        try MetadataSchema.migrator.migrate(old, upTo: "v5-runs-by-start")
        try await old.write { db in
            try db.execute(sql: "INSERT INTO metrics (run_id, key, value, step, timestamp) VALUES ('r', 'loss', 0.5, 1, 10), ('r', 'loss', 0.7, 0, 10)")
        }
        try old.close()
        let store = try MetadataStore(path: path)
        #expect(try await store.appliedMigrations().last == "v6-metric-blocks")
        await store.record(.metric(runID: "r", MetricPoint(key: "loss", value: 0.4, step: 1, timestamp: 10)))
        try await store.flush()
        #expect(try await store.metrics(runID: "r").map(\.value) == [0.7, 0.5, 0.4])
        #expect(try await Self.blockCount(store, run: "r") == 1)
    }

    @Test("one-call-per-value events of a batch become a few blocks, each run's points in arrival order")
    func coalescesSingleValues() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        var batch: [MetadataEvent] = []
        for i in 0..<1_000 {
            batch.append(.metric(runID: "a", MetricPoint(key: "loss", value: Double(i), step: Int64(i / 10), timestamp: 0)))
            if i % 2 == 0 { batch.append(.metric(runID: "b", MetricPoint(key: "loss", value: Double(i), step: 0, timestamp: 0))) }
            if i == 500 { batch.append(.metrics(runID: "a", [MetricPoint(key: "loss", value: -1, step: 50, timestamp: 0)])) }
        }
        #expect(try MetadataApply.apply(batch, to: store.pool).isEmpty)
        // a: the 501 values held before its .metrics event, that event, the 499 after; b: one block.
        #expect(try await Self.blockCount(store, run: "a") == 3)
        #expect(try await Self.blockCount(store, run: "b") == 1)
        let a: [Double] = try await store.metrics(runID: "a").map(\.value)
        let before: [Double] = (0..<501).map { Double($0) }, after: [Double] = (501..<1_000).map { Double($0) }
        #expect(a == before + [-1] + after)
        let b: [Double] = try await store.metrics(runID: "b").map(\.value)
        #expect(b == stride(from: 0, to: 1_000, by: 2).map { Double($0) })
    }

    @Test("keys and sources interleaved in one event keep each key's order; a block never mixes keys or sources")
    func interleavedKeysAndSources() async throws {
        let dir = try TempDir()
        defer { dir.cleanup() }
        let store = try MetadataStore(dataDirectory: dir.path)
        // Equal steps and times: only insertion order decides, so it must survive the grouping.
        let sources = ["a", "a", "b", "a", "b", "b"]
        let points = (0..<60).map { i in
            MetricPoint(key: "k\(i % 3)", value: Double(i), step: 0, timestamp: 1, source: sources[(i / 3) % sources.count])
        }
        await store.record(.metrics(runID: "r", points))
        try await store.flush()
        for k in ["k0", "k1", "k2"] {
            let stored = try await store.metrics(runID: "r", key: k)
            #expect(stored == points.filter { $0.key == k })
        }
        // Per key (20 points) the sources run [a a][b][a][b b] three times, then [a a]: 13 blocks per key.
        #expect(try await Self.blockCount(store, run: "r") == 3 * 13)
    }
}
