/// Durations counted in fixed buckets (milliseconds), cheap enough to update on every job
/// transition: the coordinator keeps one per measure (queue wait, run time) and reports them in
/// `ClusterStatus`; the HTTP side turns them into Prometheus histograms.
public struct LatencyHistogram: Codable, Sendable, Equatable {
    /// Upper bounds of the buckets in milliseconds (a last, unbounded bucket follows).
    public static let boundsMs: [Int64] = [1, 2, 5, 10, 25, 50, 100, 250, 500, 1_000, 2_500, 5_000, 10_000, 30_000, 60_000, 300_000, 1_800_000]

    /// Per bucket (not cumulative); one more than `boundsMs`.
    public private(set) var counts: [UInt64]
    public private(set) var sumMs: Int64 = 0
    public private(set) var count: UInt64 = 0

    public init() { counts = Array(repeating: 0, count: Self.boundsMs.count + 1) }

    public mutating func observe(ms: Int64) {
        let v = max(0, ms)
        var i = 0
        while i < Self.boundsMs.count, v > Self.boundsMs[i] { i += 1 }
        counts[i] += 1
        sumMs += v
        count += 1
    }
}
