import DroverML
import DroverServing
import Foundation
import Testing

@Suite("Feature store: point-in-time join, materialization, TTL online")
struct FeatureStoreTests {
    /// Generated data with late rows (event long before created), ties on event time broken by
    /// created time, expired rows and label times before any feature.
    static func generated(seed: UInt64, keys: Int, rows: Int, labels: Int) -> ([PointInTimeJoin.FeatureRow], [PointInTimeJoin.LabelRow]) {
        var rng = SplitMix(state: seed)
        var features: [PointInTimeJoin.FeatureRow] = []
        for i in 0..<rows {
            let event = Double(Int.random(in: 0..<1_000, using: &rng))
            let late = Bool.random(using: &rng) ? Double(Int.random(in: 0..<500, using: &rng)) : 0
            features.append(.init(key: "k\(Int.random(in: 0..<keys, using: &rng))", event: event, created: event + late + Double(i) * 1e-6, index: i))
        }
        let labelRows = (0..<labels).map { _ in
            PointInTimeJoin.LabelRow(key: "k\(Int.random(in: 0..<(keys + 2), using: &rng))", at: Double(Int.random(in: -50..<1_100, using: &rng)))
        }
        return (features, labelRows)
    }

    @Test("the sort-merge join equals a brute-force join, with and without a TTL")
    func joinEqualsBruteForce() {
        for seed in 1...5 as ClosedRange<UInt64> {
            let (features, labels) = Self.generated(seed: seed, keys: 30, rows: 1_000, labels: 600)
            for ttl in [0.0, 25, 100] {
                let fast = PointInTimeJoin.join(labels: labels, features: features, ttl: ttl)
                let slow = PointInTimeJoin.bruteForce(labels: labels, features: features, ttl: ttl)
                #expect(fast == slow, "seed \(seed) ttl \(ttl)")
                // Never a value from after the label, never one older than the TTL.
                for (l, j) in zip(labels, fast) {
                    guard let j else { continue }
                    #expect(features[j].event <= l.at && features[j].key == l.key)
                    if ttl > 0 { #expect(features[j].event >= l.at - ttl) }
                }
            }
            #expect(PointInTimeJoin.join(labels: labels, features: features, ttl: 25).contains(nil))
        }
    }

    @Test("the file join (columnar, as `drover features join` runs it) equals the brute-force join cell for cell")
    func fileJoinEqualsBruteForce() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-join-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let (features, labels) = Self.generated(seed: 7, keys: 40, rows: 2_000, labels: 800)
        var featureCSV = "id,ts,created,x\n"
        for f in features { featureCSV += "\(f.key),\(Int(f.event)),\(f.created),\(f.index)\n" }
        featureCSV += ",5,5,99999\nk1,soon,5,99998\n" // no key, unreadable time: never joined
        try featureCSV.write(toFile: dir + "/f.csv", atomically: true, encoding: .utf8)
        var labelCSV = "id,at\r\n" // CRLF and ISO 8601 times
        for l in labels { labelCSV += "\(l.key),\(ISO8601DateFormatter().string(from: Date(timeIntervalSince1970: l.at)))\r\n" }
        try labelCSV.write(toFile: dir + "/l.csv", atomically: true, encoding: .utf8)
        for ttl in [0.0, 40] {
            let view = FeatureView(name: "v", source: dir + "/f.csv", entity: "id", timestamp: "ts", created: "created", ttlSeconds: ttl, features: ["x"])
            let result = try OfflineJoin.run(view: view, labelsPath: dir + "/l.csv", timestamp: "at")
            let lines = String(decoding: result.csv, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            #expect(lines[0] == "id,at,x")
            let expected = PointInTimeJoin.bruteForce(labels: labels, features: features, ttl: ttl)
            for (r, e) in expected.enumerated() {
                #expect(lines[r + 1].split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) == (e.map { "\($0)" } ?? ""), "ttl \(ttl) row \(r)")
            }
            #expect(result.joined == expected.compactMap { $0 }.count && result.joined < labels.count)
        }
    }

    @Test("same event time: the later created row wins")
    func tieBreak() {
        let f = [PointInTimeJoin.FeatureRow(key: "a", event: 10, created: 20, index: 0),
                 PointInTimeJoin.FeatureRow(key: "a", event: 10, created: 11, index: 1)]
        #expect(PointInTimeJoin.join(labels: [.init(key: "a", at: 10)], features: f, ttl: 0) == [0])
    }

    func source(_ csv: String, ttl: Double = 100) throws -> (FeatureView, FeatureRows) {
        let view = FeatureView(name: "v", source: "mem.csv", entity: "id", timestamp: "ts", created: nil, ttlSeconds: ttl, features: ["x", "plan"])
        let table = try CSVReader.read(data: Array(csv.utf8), source: "mem.csv",
                                       options: CSVOptions(columnTypes: ["id": .categorical, "ts": .categorical], threads: 1))
        return (view, try FeatureRows(table: table, view: view))
    }

    @Test("materialization keeps the latest row ≤ end per entity, whatever the file order; future rows are left out")
    func materialize() throws {
        let (_, rows) = try source("""
        id,ts,x,plan
        1,50,5,pro
        1,20,2,basic
        2,10,1,pro
        1,500,9,pro
        ,30,3,pro
        3,bad,3,pro
        """)
        #expect(rows.skippedNoKey == 1 && rows.skippedBadTime == 1)
        let m = Materialization(rows, upTo: 100)
        #expect(m.future == 1)
        let byKey = Dictionary(uniqueKeysWithValues: m.rows.map { ($0.key, $0) })
        #expect(byKey["1"]?.event == 50 && byKey["1"]?.values == [.number(5), .string("pro")])
        #expect(byKey["2"]?.event == 10)
    }

    @Test("online store: keeps the latest event, honours the TTL on reads, agrees with the offline join")
    func onlineStore() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-features-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try FeatureStore(dataDirectory: dir)
        let (view, rows) = try source("""
        id,ts,x,plan
        1,50,5,pro
        1,20,2,basic
        2,10,1,pro
        """)
        try await store.apply([view], at: 0)
        #expect(try await store.write(view: "v", rows: Materialization(rows, upTo: 100).rows) == 2)
        // An older row written later (out of order) does not replace the newer value.
        #expect(try await store.write(view: "v", rows: [("1", 30, 30, [.number(3), .string("plus")])]) == 0)
        let present = try await store.get(view, key: "1", now: 120)
        #expect(present.status == .present && present.values?["x"] == .number(5))
        #expect(try await store.get(view, key: "2", now: 120).status == .stale) // 10 < 120 - 100
        #expect(try await store.get(view, key: "9", now: 120).status == .missing)
        // Online at time t equals the offline point-in-time join at t (same TTL rule).
        for (key, t) in [("1", 120.0), ("2", 120.0), ("2", 105.0), ("1", 60.0)] {
            let offline = PointInTimeJoin.join(labels: [.init(key: key, at: t)], features: rows.joinRows, ttl: view.ttlSeconds)[0]
            let online = try await store.get(view, key: key, now: t)
            #expect((offline.map { rows.values[$0] }) == online.values.map { v in view.features.map { v[$0]! } }, "\(key)@\(t)")
        }
    }

    @Test("definitions: errors name the file, the entry and the field")
    func definitions() throws {
        let ok = try FeatureDefinitions.parse("""
        feature_views:
          - {name: f, source: a.csv, entity: id, timestamp: ts, ttl: 2h, features: [x]}
        """, file: "/tmp/defs/features.yaml")
        #expect(ok.first?.ttlSeconds == 7_200 && ok.first?.source == "/tmp/defs/a.csv")
        func refusal(_ yaml: String) -> String {
            do { _ = try FeatureDefinitions.parse(yaml, file: "features.yaml"); return "" } catch { return error.description }
        }
        #expect(refusal("feature_views:\n  - {name: f, source: a.csv, entity: id, timestamp: ts, features: []}").contains("feature_views[0].features"))
        #expect(refusal("feature_views:\n  - {name: f, source: a.csv, entity: id, timestamp: ts, ttl: soon, features: [x]}").contains("feature_views[0].ttl 'soon'"))
        #expect(refusal("feature_views:\n  - {name: f, source: a.csv, timestamp: ts, features: [x]}").contains("feature_views[0].entity is required"))
        #expect(refusal("feature_views:\n  - {name: f, source: a.csv, entity: id, timestamp: ts, features: [x], colour: red}").contains("unknown field 'colour'"))
    }
}
