/// Rolls a newly moved champion back when it degrades: after an alias move, once the new version
/// has answered `minimumRequests` requests, if more than `maxErrorRate` of them failed (4xx or
/// 5xx: e.g. a signature that no longer matches what clients send) while the version before it
/// failed at most that rate, the alias goes back. Pure: the service feeds it counts.
public struct ChampionGuard: Sendable, Equatable {
    public struct Counts: Sendable, Equatable {
        public var requests = 0
        public var failures = 0
        public var rate: Double { requests == 0 ? 0 : Double(failures) / Double(requests) }
        public init(requests: Int = 0, failures: Int = 0) { self.requests = requests; self.failures = failures }
    }

    public let maxErrorRate: Double
    public let minimumRequests: Int
    /// The version serving before the last move, and how it did; nil before any move.
    public private(set) var previous: (version: Int, counts: Counts)?
    public private(set) var current: (version: Int, counts: Counts)?
    /// Set once the guard asked for a rollback of this move (asked once).
    public private(set) var decided = false

    public init(maxErrorRate: Double, minimumRequests: Int = 20) {
        self.maxErrorRate = maxErrorRate
        self.minimumRequests = minimumRequests
    }

    public static func == (a: ChampionGuard, b: ChampionGuard) -> Bool {
        a.previous?.version == b.previous?.version && a.current?.version == b.current?.version && a.decided == b.decided
    }

    /// The champion is now `version` (a swap, or the first load).
    public mutating func moved(to version: Int) {
        guard current?.version != version else { return }
        previous = current
        current = (version, Counts())
        decided = false
    }

    public mutating func record(version: Int, failed: Bool) {
        guard current?.version == version else { return }
        current!.counts.requests += 1
        if failed { current!.counts.failures += 1 }
    }

    /// The version to roll back to, once, when the new champion degraded.
    public mutating func rollbackTarget() -> (to: Int, reason: String)? {
        guard !decided, let now = current, let before = previous, now.counts.requests >= minimumRequests,
              now.counts.rate > maxErrorRate, before.counts.rate <= maxErrorRate else { return nil }
        decided = true
        return (before.version, "version \(now.version) failed \(now.counts.failures) of its first \(now.counts.requests) requests "
                + "(\(Int(now.counts.rate * 100)) % > \(Int(maxErrorRate * 100)) %); version \(before.version) failed \(Int(before.counts.rate * 100)) %")
    }
}
