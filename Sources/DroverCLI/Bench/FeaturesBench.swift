import ArgumentParser
import DroverServing
import Foundation
import Synchronization

/// `drover bench features`: online reads of the feature store (the read `drover serve
/// --features` and `drover features get` do) with a million entities materialised.
struct FeaturesBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "features",
        abstract: "Online feature reads: p50/p99 latency and reads/s from a store with N entities (SQLite, WAL).",
        discussion: """
        Writes --entities entities of a view with 4 numeric features and a category into a fresh
        features.sqlite (in batches, as `drover features materialize` does), then --clients
        concurrent readers read random entities, --reads reads in all (2 % unknown entities,
        answered `missing`), TTL applied, twice: readers on dedicated threads with a connection
        each (FeatureStore.reader(), synchronous), then readers as tasks awaiting
        FeatureStore.get — serving's path, one hand-off to the store's reader threads per
        call. Latency is per read, from call to value. Target (issue 12): p99 < 1 ms. Build
        with -c release for figures.
        Examples:
          drover bench features                              # 1M entities, 200k reads, 4 readers
          drover bench features --entities 100000 --clients 1 --json
        """)

    @Option(name: .long, help: "Entities in the online store.")
    var entities: Int = 1_000_000
    @Option(name: .long, help: "Reads in all.")
    var reads: Int = 200_000
    @Option(name: .long, help: "Concurrent readers.")
    var clients: Int = 4
    @Option(name: .long, help: "Where to put the store (a fresh directory under it; removed afterwards).")
    var tmp: String = FileManager.default.temporaryDirectory.path
    @OptionGroup var output: OutputOptions

    struct Report: Codable {
        var entities: Int
        var materializeSeconds: Double
        var entitiesPerSecond: Double
        var storeMegabytes: Double
        var clients: Int
        /// Readers on dedicated threads, each with its own connection, reading synchronously.
        var threadOwned: Reads
        /// Readers as tasks awaiting `FeatureStore.get` (serving's path).
        var viaStore: Reads

        struct Reads: Codable {
            var reads: Int
            var missing: Int
            var readsPerSecond: Double
            var p50Micros: Double
            var p99Micros: Double
            var p999Micros: Double
            var maxMicros: Double

            init(_ l: Latencies) {
                let sorted = l.micros.sorted()
                func q(_ f: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * f))] }
                reads = sorted.count
                missing = l.missing
                readsPerSecond = Double(sorted.count) / l.seconds
                p50Micros = q(0.5)
                p99Micros = q(0.99)
                p999Micros = q(0.999)
                maxMicros = sorted.last ?? 0
            }
        }
    }

    func validate() throws {
        guard entities >= 1_000, reads >= 1_000, clients >= 1 else {
            throw ValidationError("--entities and --reads must be at least 1000, --clients at least 1")
        }
    }

    static let view = FeatureView(name: "bench_view", source: "/dev/null", entity: "entity_id", timestamp: "event_time", created: nil,
                                  ttlSeconds: 30 * 86_400, features: ["f_spend", "f_tickets", "f_tenure", "f_score", "plan"])

    func run() async throws {
        try await TrainSupport.run {
            let dir = URL(fileURLWithPath: tmp).appendingPathComponent("drover-bench-features-\(getpid())").path
            try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: dir) }
            let store = try FeatureStore(dataDirectory: dir)
            let view = Self.view, now = Date().timeIntervalSince1970
            try await store.apply([view], at: now)

            let writeStart = ContinuousClock.now
            let plans = ["basic", "plus", "pro"]
            for from in stride(from: 0, to: entities, by: 50_000) {
                let rows = (from..<min(from + 50_000, entities)).map { i -> (key: String, event: Double, created: Double, values: [JSONValue]) in
                    let values: [JSONValue] = [.number(Double(i % 997) / 7), .number(Double(i % 13)), .number(Double(i % 120)),
                                               .number(Double(i % 1_000) / 1_000), .string(plans[i % 3])]
                    return (key: "c\(i)", event: now - Double(i % 86_400), created: now, values: values)
                }
                _ = try await store.write(view: view.name, rows: rows)
            }
            let writeSeconds = (ContinuousClock.now - writeStart).inSeconds
            let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + FeatureStore.fileName)[.size] as? Int) ?? 0

            let owned = try await ownedReads(store, view: view, now: now)
            let viaStore = try await asyncReads(store, view: view, now: now)
            let report = Report(entities: entities, materializeSeconds: writeSeconds, entitiesPerSecond: Double(entities) / writeSeconds,
                                storeMegabytes: Double(size) / 1_048_576, clients: clients,
                                threadOwned: Report.Reads(owned), viaStore: Report.Reads(viaStore))
            if output.json { return try Output.json(report) }
            Output.line(String(format: "online store: %d entities written in %.1f s (%.0f entities/s), %.0f MB", entities, writeSeconds,
                               report.entitiesPerSecond, report.storeMegabytes))
            for (name, r) in [("thread-owned connections", report.threadOwned), ("async FeatureStore.get", report.viaStore)] {
                Output.line("online reads, \(name): " + String(format: "%d reads, %d readers, %d missing: p50 %.1f µs  p99 %.1f µs  p99.9 %.1f µs  max %.1f µs  %.0f reads/s",
                                   r.reads, clients, r.missing, r.p50Micros, r.p99Micros, r.p999Micros, r.maxMicros, r.readsPerSecond))
            }
        }
    }
}
