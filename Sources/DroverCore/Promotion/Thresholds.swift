/// Which way a metric improves. Mirrors TFX's `MetricDirection`.
public enum MetricDirection: String, Sendable, Codable, Hashable, CaseIterable {
    case higherIsBetter = "higher_is_better"
    case lowerIsBetter = "lower_is_better"
}

/// TFX `GenericValueThreshold`: the candidate's value must lie in `[lower, upper]`
/// (both bounds inclusive; a missing bound is ±∞).
public struct ValueThreshold: Sendable, Codable, Hashable {
    public var lower: Double?
    public var upper: Double?

    public init(lower: Double? = nil, upper: Double? = nil) {
        self.lower = lower
        self.upper = upper
    }

    public var description: String {
        switch (lower, upper) {
        case let (l?, u?): "\(format(l)) ≤ v ≤ \(format(u))"
        case let (l?, nil): "v ≥ \(format(l))"
        case let (nil, u?): "v ≤ \(format(u))"
        case (nil, nil): "any value"
        }
    }
}

/// TFX `GenericChangeThreshold` on the diff d = candidate − baseline.
///
/// - absolute: higher-is-better passes when `d ≥ absolute`; lower-is-better when `d ≤ absolute`.
/// - relative: the ratio is `d / |baseline|` (docs/registry.md pins this formula; for the usual
///   positive baselines it equals TFX's `d / baseline`). Higher-is-better passes when
///   `ratio ≥ relative`, lower-is-better when `ratio ≤ relative`. A baseline of 0 makes the ratio
///   undefined and the check fails.
/// - When both are set, both must pass.
public struct ChangeThreshold: Sendable, Codable, Hashable {
    public var absolute: Double?
    public var relative: Double?
    public var direction: MetricDirection

    public init(absolute: Double? = nil, relative: Double? = nil, direction: MetricDirection) {
        self.absolute = absolute
        self.relative = relative
        self.direction = direction
    }

    /// The canonical "not worse than the champion" setting (TFX: `absolute: -1e-10`).
    public static func notWorse(_ direction: MetricDirection) -> ChangeThreshold {
        ChangeThreshold(absolute: direction == .higherIsBetter ? -1e-10 : 1e-10, direction: direction)
    }
}

/// The thresholds on one metric. At least one of `value` and `change` must be set.
public struct MetricThreshold: Sendable, Codable, Hashable {
    public var metric: String
    public var value: ValueThreshold?
    public var change: ChangeThreshold?

    public init(metric: String, value: ValueThreshold? = nil, change: ChangeThreshold? = nil) {
        self.metric = metric
        self.value = value
        self.change = change
    }
}

/// What to do when there is no champion to compare with (the first model).
public enum FirstModelPolicy: String, Sendable, Codable, Hashable, CaseIterable {
    /// TFX's rubber stamp: change thresholds are dropped, value thresholds alone decide,
    /// and the verdict records why (the default).
    case valueThresholdsOnly = "value_thresholds_only"
    /// No champion → not promoted (a human promotes the first model with `--reason`).
    case reject
}

/// A gate: the thresholds a candidate must meet, and the first-model policy.
public struct PromotionPolicy: Sendable, Codable, Hashable {
    public var thresholds: [MetricThreshold]
    public var firstModel: FirstModelPolicy

    public init(thresholds: [MetricThreshold], firstModel: FirstModelPolicy = .valueThresholdsOnly) {
        self.thresholds = thresholds
        self.firstModel = firstModel
    }

    /// Rejects a policy that could not decide anything, or that is self-contradictory.
    /// TFX silently skips validation when no thresholds are set (tensorflow/tfx#5148); we refuse.
    public func validate() throws(PromotionPolicyError) {
        if thresholds.isEmpty { throw .noThresholds }
        var seen = Set<String>()
        for (i, t) in thresholds.enumerated() {
            if t.metric.isEmpty { throw .invalid(index: i, metric: t.metric, reason: "the metric name is empty") }
            if !seen.insert(t.metric).inserted {
                throw .invalid(index: i, metric: t.metric, reason: "the metric has two threshold entries; merge them into one")
            }
            if t.value == nil && t.change == nil {
                throw .invalid(index: i, metric: t.metric, reason: "set a value threshold (lower/upper), a change threshold (absolute/relative), or both")
            }
            if let v = t.value {
                if v.lower == nil && v.upper == nil {
                    throw .invalid(index: i, metric: t.metric, reason: "a value threshold needs a lower bound, an upper bound, or both")
                }
                for b in [v.lower, v.upper].compactMap({ $0 }) where !b.isFinite {
                    throw .invalid(index: i, metric: t.metric, reason: "bounds must be finite numbers, got \(b)")
                }
                if let l = v.lower, let u = v.upper, l > u {
                    throw .invalid(index: i, metric: t.metric, reason: "lower bound \(format(l)) is above upper bound \(format(u))")
                }
            }
            if let c = t.change {
                if c.absolute == nil && c.relative == nil {
                    throw .invalid(index: i, metric: t.metric, reason: "a change threshold needs absolute, relative, or both")
                }
                for b in [c.absolute, c.relative].compactMap({ $0 }) where !b.isFinite {
                    throw .invalid(index: i, metric: t.metric, reason: "change thresholds must be finite numbers, got \(b)")
                }
            }
        }
    }
}

public enum PromotionPolicyError: Error, Equatable, CustomStringConvertible {
    case noThresholds
    case invalid(index: Int, metric: String, reason: String)

    public var description: String {
        switch self {
        case .noThresholds:
            "the promotion gate has no thresholds, so it cannot decide; add at least one metric threshold"
        case .invalid(let index, let metric, let reason):
            "threshold \(index + 1) (metric '\(metric)'): \(reason)"
        }
    }
}

/// Short text for a number in tables and reasons: integers as integers, others rounded to
/// six decimals when that loses nothing a reader needs (|x| ≥ 1e-4), else Swift's shortest form.
func format(_ x: Double) -> String {
    if !x.isFinite { return "\(x)" }
    if x == x.rounded(), abs(x) < 1e15 { return String(Int64(x)) }
    if abs(x) >= 1e-4, abs(x) < 1e9 { return "\((x * 1e6).rounded() / 1e6)" }
    return "\(x)"
}
