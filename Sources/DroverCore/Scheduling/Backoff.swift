/// Retry delay after an application failure: `base × 2^(n-1)`, capped, with full jitter
/// (delay drawn uniformly from [0, ceiling]) so retries of a failed batch spread out
/// (Celery / AWS "full jitter"; base 1 s, cap 600 s by default).
public struct Backoff: Sendable, Equatable {
    public var baseMs: Int64
    public var capMs: Int64

    public init(baseMs: Int64 = 1_000, capMs: Int64 = 600_000) {
        self.baseMs = baseMs
        self.capMs = capMs
    }

    /// Delay before retry number `failures` (1 = first retry), given a uniform draw in [0, 1).
    public func delayMs(failures: Int, unit: Double) -> Int64 {
        let exponent = min(max(failures - 1, 0), 30)
        let ceiling = min(capMs, baseMs << Int64(exponent))
        return Int64(Double(ceiling) * min(max(unit, 0), 1))
    }
}

/// A small deterministic generator (SplitMix64) so tests and simulations replay exactly.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
