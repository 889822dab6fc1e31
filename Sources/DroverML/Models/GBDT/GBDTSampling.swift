/// Row and column subsampling (LightGBM `bagging_fraction`/`bagging_freq`, `feature_fraction`),
/// seeded and deterministic: a row's membership in a bag is a hash of (seed, bag, row), so the
/// same rows are drawn however the data is sharded.
public struct GBDTSampling: Sendable, Equatable {
    /// Fraction of rows each tree is grown on; active when < 1 and `baggingFrequency` > 0.
    public var baggingFraction = 1.0
    /// Draw a new bag every this many rounds (0 = no bagging).
    public var baggingFrequency = 0
    /// Fraction of features each tree may split on (re-drawn per tree; at least one).
    public var featureFraction = 1.0
    public var seed: UInt64 = 0

    public init() {}

    var bagging: Bool { baggingFrequency > 0 && baggingFraction < 1 }

    /// The in-bag rows of each shard for boosting round `round` (nil = all rows).
    func bag(round: Int, shards: [Shard]) -> [[UInt32]]? {
        guard bagging else { return nil }
        let bag = UInt64(round / baggingFrequency)
        let key = StableHash.mix(seed ^ 0xBA66_1A6E) ^ StableHash.mix(bag &+ 1)
        let limit = UInt64(baggingFraction * 0x1p64.nextDown)
        return shards.map { shard in
            shard.rows.compactMap { r in StableHash.mix(key ^ UInt64(r)) <= limit ? UInt32(r) : nil }
        }
    }

    /// The features tree `tree` may split on (nil = all), exactly round(fraction × F) of them,
    /// at least one (a partial Fisher–Yates shuffle from a seeded generator).
    func features(tree: Int, count f: Int) -> [Bool]? {
        guard featureFraction < 1, f > 1 else { return nil }
        let take = min(f, max(1, Int(Double(f) * featureFraction + 0.5)))
        var order = Array(0..<f)
        var state = StableHash.mix(seed ^ 0xFEA7_0E5) ^ StableHash.mix(UInt64(tree) &+ 1)
        var allowed = [Bool](repeating: false, count: f)
        for i in 0..<take {
            state = StableHash.mix(state)
            let j = i + Int(state % UInt64(f - i))
            order.swapAt(i, j)
            allowed[order[i]] = true
        }
        return allowed
    }
}
