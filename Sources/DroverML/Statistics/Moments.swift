/// Count, mean and sum of squared deviations of finite values, mergeable across shards with
/// Chan et al.'s parallel formula (exact up to floating-point rounding, order-independent in value).
public struct Moments: Codable, Sendable, Equatable {
    public var count: Int = 0
    public var mean: Double = 0
    /// Σ (x − mean)², so variance = m2 / count.
    public var m2: Double = 0

    public init() {}

    /// Two-pass over one shard: mean first, then squared deviations (stable for large offsets).
    public init<C: Collection>(finite values: C) where C.Element == Double {
        var sum = 0.0
        var n = 0
        for x in values { sum += x; n += 1 }
        guard n > 0 else { return }
        let mean = sum / Double(n)
        var m2 = 0.0
        for x in values { let d = x - mean; m2 += d * d }
        self.count = n
        self.mean = mean
        self.m2 = m2
    }

    /// Population variance (divides by n), as numpy's `std` default; 0 when empty.
    public var variance: Double { count > 0 ? m2 / Double(count) : 0 }
    /// Sample variance (divides by n − 1); 0 with fewer than 2 values.
    public var sampleVariance: Double { count > 1 ? m2 / Double(count - 1) : 0 }

    public func merged(with other: Moments) -> Moments {
        if other.count == 0 { return self }
        if count == 0 { return other }
        let n = count + other.count
        let delta = other.mean - mean
        var result = Moments()
        result.count = n
        result.mean = mean + delta * Double(other.count) / Double(n)
        result.m2 = m2 + other.m2 + delta * delta * Double(count) * Double(other.count) / Double(n)
        return result
    }
}
