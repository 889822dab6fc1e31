/// The paper extrapolation of `drover bench distributed`: from the costs measured per exchange
/// on `measuredShards` workers, the wall time of the same training (same rows) on N workers, with
/// the coordinator in a star (it sends every request and decodes and merges every reply itself):
///
///     per exchange(N) = compute · m/N + fixed + N · (decode + merge) + N · bytes / bandwidth
///
/// `compute` is the busiest shard's compute per exchange at m workers (rows split evenly, so it
/// shrinks as m/N; imbalance measured at m is kept); `fixed` is what does not depend on N (split
/// finding or the L-BFGS step on the coordinator, the latency of one round trip), taken as the
/// measured rest after the per-reply costs of the m replies. Bandwidth is the coordinator's link
/// (loopback has none worth counting; a cluster pays it).
struct ScalingEstimate: Encodable, Equatable {
    var workers: Int
    var secondsPerExchange: Double
    var seconds: Double
    /// Single-process seconds / estimated seconds.
    var speedup: Double
    /// The share of each exchange that is coordination (everything but the shards' compute).
    var coordinationShare: Double

    struct Measured {
        var shards: Int
        var exchanges: Int
        /// Busiest shard's compute, per exchange.
        var compute: Double
        /// Wall time per exchange.
        var wall: Double
        var replyBytes: Int
        var decode: Double
        var merge: Double
        var singleSeconds: Double
    }

    static func estimate(_ m: Measured, workers n: Int, bandwidthBytesPerSecond bw: Double) -> ScalingEstimate {
        let perReply = m.decode + m.merge
        let fixed = max(0, m.wall - m.compute - Double(m.shards) * perReply)
        let compute = m.compute * Double(m.shards) / Double(n)
        let coordination = fixed + Double(n) * (perReply + Double(m.replyBytes) / bw)
        let perExchange = compute + coordination
        let total = perExchange * Double(m.exchanges)
        return ScalingEstimate(workers: n, secondsPerExchange: perExchange, seconds: total,
                               speedup: total > 0 ? m.singleSeconds / total : 0,
                               coordinationShare: perExchange > 0 ? coordination / perExchange : 0)
    }
}
