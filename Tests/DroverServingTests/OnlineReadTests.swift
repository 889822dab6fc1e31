import DroverServing
import Foundation
import Synchronization
import Testing

@Suite("Online reads: reader threads, thread-owned connections, one batch per request")
struct OnlineReadTests {
    static let view = FeatureView(name: "v", source: "mem.csv", entity: "id", timestamp: "ts", created: nil, ttlSeconds: 100,
                                  features: ["x", "plan"])

    /// An `OnlineStore` of another backend that implements only the two required calls and counts reads.
    final class CountingStore: OnlineStore {
        let rows: [String: (event: Double, values: [JSONValue])]
        let reads = Mutex(0)
        init(_ rows: [String: (event: Double, values: [JSONValue])]) { self.rows = rows }
        func write(view: String, rows: [(key: String, event: Double, created: Double, values: [JSONValue])]) async throws -> Int { 0 }
        func read(view: String, key: String) async throws -> (event: Double, values: [JSONValue])? {
            reads.withLock { $0 += 1 }
            return rows[key]
        }
    }

    /// The same answers, counting batch calls.
    final class BatchStore: OnlineStore {
        let inner: CountingStore
        let batches = Mutex<[[String]]>([])
        init(_ inner: CountingStore) { self.inner = inner }
        func write(view: String, rows: [(key: String, event: Double, created: Double, values: [JSONValue])]) async throws -> Int { 0 }
        func read(view: String, key: String) async throws -> (event: Double, values: [JSONValue])? { try await inner.read(view: view, key: key) }
        func read(view: String, keys: [String]) async throws -> [(event: Double, values: [JSONValue])?] {
            batches.withLock { $0.append(keys) }
            return keys.map { inner.rows[$0] }
        }
    }

    static func temporaryDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("drover-online-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test("serving enriches all rows of a request with one batch read per view, TTL applied, from any backend")
    func enrichBatches() async throws {
        let inner = CountingStore(["1": (50, [.number(5), .string("pro")]), "2": (10, [.number(1), .string("basic")])])
        let store = BatchStore(inner)
        let rows: [JSONValue] = [.object(["id": .number(1)]), .object(["id": .string("2")]), .object(["id": .number(9), "x": .number(7)]),
                                 .object(["other": .bool(true)])]
        let (out, statuses) = try await FeatureEnricher(store: store, views: [Self.view]).enrich(rows, now: 120)
        #expect(store.batches.withLock { $0 } == [["1", "2", "9"]])
        #expect(inner.reads.withLock { $0 } == 0)
        #expect(statuses == [["v": "present"], ["v": "stale"], ["v": "missing"], [:]])
        #expect(out[0] == .object(["id": .number(1), "x": .number(5), "plan": .string("pro")]))
        #expect(out[1] == .object(["id": .string("2"), "x": .null, "plan": .null])) // stale: nothing filled
        #expect(out[2] == .object(["id": .number(9), "x": .number(7), "plan": .null])) // a sent field is kept
        #expect(out[3] == rows[3])
        // A backend without a batch read gets one read per key (the protocol's default).
        _ = try await FeatureEnricher(store: inner, views: [Self.view]).enrich(rows, now: 120)
        #expect(inner.reads.withLock { $0 } == 3)
    }

    @Test("the store's reader threads and a thread-owned connection see every committed write and agree")
    func readersSeeWrites() async throws {
        let dir = try Self.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let store = try FeatureStore(dataDirectory: dir)
        try await store.apply([Self.view], at: 0)
        #expect(try await store.get(Self.view, key: "1", now: 60).status == .missing) // starts the reader threads
        let owned = try store.reader()
        #expect(try owned.read(view: "v", key: "1") == nil)
        _ = try await store.write(view: "v", rows: [("1", 50, 50, [.number(5), .string("pro")]), ("2", 10, 10, [.number(1), .null])])
        // Long-lived connections: each read is a transaction of its own, so it sees the write.
        #expect(try await store.get(Self.view, key: "1", now: 60).values?["x"] == .number(5))
        #expect(try owned.read(view: "v", key: "1")?.values == [.number(5), .string("pro")])
        let batch = try await store.read(view: "v", keys: ["2", "nobody", "1"])
        #expect(batch.map { $0?.event } == [10, nil, 50])
        #expect(try await store.get(Self.view, key: "2", now: 120).status == .stale)
        // Many concurrent callers, each answered with its own entity.
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for i in 0..<200 {
                group.addTask { try await store.read(view: "v", key: i % 2 == 0 ? "1" : "2")?.event == (i % 2 == 0 ? 50 : 10) }
            }
            for try await ok in group { #expect(ok) }
        }
    }
}
