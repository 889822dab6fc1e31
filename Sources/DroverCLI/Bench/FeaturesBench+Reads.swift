import DroverServing
import Foundation
import NativeThreads
import Synchronization

/// The two ways a caller reads the online store, timed per read (µs), with how many were not `present`.
extension FeaturesBench {
    struct Latencies: Sendable {
        var micros: [Double] = []
        var missing = 0
        var seconds = 0.0

        init(reserving count: Int = 0) { micros.reserveCapacity(count) }

        /// One read that started at `t0` and answered `value`.
        mutating func record(since t0: ContinuousClock.Instant, _ value: OnlineValue) {
            micros.append((ContinuousClock.now - t0).inSeconds * 1e6)
            if value.status != .present { missing += 1 }
        }

        mutating func add(_ other: Latencies) {
            micros += other.micros
            missing += other.missing
        }
    }

    /// A random entity's key; 2 % do not exist (a new customer): the `missing` path.
    static func key(_ i: Int, client: Int, population: Int, rng: inout SystemRandomNumberGenerator) -> String {
        (i + client) % 50 == 0 ? "unknown\(i)" : "c\(Int.random(in: 0..<population, using: &rng))"
    }

    /// Readers on dedicated threads, each with its own connection (`FeatureStore.reader()`), reading synchronously.
    func ownedReads(_ store: FeatureStore, view: FeatureView, now: Double) async throws -> Latencies {
        let perClient = reads / clients, population = entities
        return try await runOffPool {
            let all = Mutex(Result<Latencies, any Error>.success(Latencies()))
            let started = ContinuousClock.now
            let threads = try (0..<clients).map { c in
                try NativeThread.start {
                    let result = Result<Latencies, any Error> {
                        let reader = try store.reader()
                        var rng = SystemRandomNumberGenerator(), mine = Latencies(reserving: perClient)
                        for i in 0..<perClient {
                            let key = Self.key(i, client: c, population: population, rng: &rng), t0 = ContinuousClock.now
                            mine.record(since: t0, OnlineValue(view, key: key, stored: try reader.read(view: view.name, key: key), now: now))
                        }
                        return mine
                    }
                    all.withLock { a in
                        switch (a, result) {
                        case (.success(var sum), .success(let mine)): sum.add(mine); a = .success(sum)
                        case (.success, .failure(let e)): a = .failure(e)
                        default: break
                        }
                    }
                }
            }
            for t in threads { t.join() }
            var latencies = try all.withLock { $0 }.get()
            latencies.seconds = (ContinuousClock.now - started).inSeconds
            return latencies
        }
    }

    /// Readers as tasks awaiting `FeatureStore.get` (serving's path: a hand-off to the store's reader threads).
    func asyncReads(_ store: FeatureStore, view: FeatureView, now: Double) async throws -> Latencies {
        let perClient = reads / clients, population = entities
        let started = ContinuousClock.now
        var all = try await withThrowingTaskGroup(of: Latencies.self) { group in
            for c in 0..<clients {
                group.addTask {
                    var rng = SystemRandomNumberGenerator(), mine = Latencies(reserving: perClient)
                    for i in 0..<perClient {
                        let key = Self.key(i, client: c, population: population, rng: &rng), t0 = ContinuousClock.now
                        mine.record(since: t0, try await store.get(view, key: key, now: now))
                    }
                    return mine
                }
            }
            var sum = Latencies()
            for try await r in group { sum.add(r) }
            return sum
        }
        all.seconds = (ContinuousClock.now - started).inSeconds
        return all
    }
}
