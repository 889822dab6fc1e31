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
        concurrent readers read random entities through FeatureStore.get — the call serving
        makes for each request row, TTL applied — for --reads reads in all (2 % unknown
        entities, answered `missing`). Latency is per read, from call to value. Target (issue
        12): p99 < 1 ms. Build with -c release for figures.
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
        var reads: Int
        var clients: Int
        var missing: Int
        var readsPerSecond: Double
        var p50Micros: Double
        var p99Micros: Double
        var p999Micros: Double
        var maxMicros: Double
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
            let writeSeconds = (ContinuousClock.now - writeStart).seconds
            let size = (try? FileManager.default.attributesOfItem(atPath: dir + "/" + FeatureStore.fileName)[.size] as? Int) ?? 0

            let perClient = reads / clients, population = entities
            let started = ContinuousClock.now
            let results = try await withThrowingTaskGroup(of: ([Double], Int).self) { group in
                for c in 0..<clients {
                    group.addTask {
                        var rng = SystemRandomNumberGenerator()
                        var latencies: [Double] = []
                        latencies.reserveCapacity(perClient)
                        var missing = 0
                        for i in 0..<perClient {
                            // 2 % of keys do not exist (a new customer): the `missing` path.
                            let key = (i + c) % 50 == 0 ? "unknown\(i)" : "c\(Int.random(in: 0..<population, using: &rng))"
                            let t0 = ContinuousClock.now
                            let value = try await store.get(view, key: key, now: now)
                            latencies.append((ContinuousClock.now - t0).seconds * 1e6)
                            if value.status != .present { missing += 1 }
                        }
                        return (latencies, missing)
                    }
                }
                var all: ([Double], Int) = ([], 0)
                for try await r in group { all.0 += r.0; all.1 += r.1 }
                return all
            }
            let elapsed = (ContinuousClock.now - started).seconds
            let sorted = results.0.sorted()
            func q(_ f: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * f))] }
            let report = Report(entities: entities, materializeSeconds: writeSeconds, entitiesPerSecond: Double(entities) / writeSeconds,
                                storeMegabytes: Double(size) / 1_048_576, reads: sorted.count, clients: clients, missing: results.1,
                                readsPerSecond: Double(sorted.count) / elapsed, p50Micros: q(0.5), p99Micros: q(0.99),
                                p999Micros: q(0.999), maxMicros: sorted.last ?? 0)
            if output.json { return try Output.json(report) }
            Output.line(String(format: "online store: %d entities written in %.1f s (%.0f entities/s), %.0f MB", entities, writeSeconds,
                               report.entitiesPerSecond, report.storeMegabytes))
            Output.line(String(format: "online reads: %d reads, %d readers, %d missing: p50 %.1f µs  p99 %.1f µs  p99.9 %.1f µs  max %.1f µs  %.0f reads/s",
                               report.reads, clients, report.missing, report.p50Micros, report.p99Micros, report.p999Micros,
                               report.maxMicros, report.readsPerSecond))
        }
    }
}

extension Duration {
    /// The duration in seconds, as a Double.
    fileprivate var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
