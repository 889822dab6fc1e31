/// Drift tests between a reference and a current sample.
public enum DriftMethod: String, Codable, Sendable, CaseIterable {
    /// Two-sample Kolmogorov–Smirnov; decision on the p-value (asymptotic Kolmogorov law).
    case ks
    /// Pearson chi-square of current counts vs reference proportions; decision on the p-value.
    case chisquare
    /// Two-proportion Z-test for binary columns; decision on the p-value.
    case ztest
    /// Wasserstein-1 distance divided by the reference standard deviation (floored at 0.001).
    case wasserstein
    /// Jensen–Shannon **distance** (square root of the divergence, natural log, range [0, √ln2 ≈ 0.83]),
    /// as scipy `jensenshannon` and Evidently; not TFDV's base-2 divergence.
    case jensenshannon
    /// Population stability index Σ (r − c)·ln(r / c) over Evidently's bins.
    case psi
    /// L-infinity: max |p_i − q_i| over category shares (TFDV's categorical comparator).
    case linf

    /// True when the decision value is a p-value (drift when p < threshold).
    public var isPValue: Bool { self == .ks || self == .chisquare || self == .ztest }

    /// Evidently's default thresholds: 0.05 for p-values, 0.1 for distances and PSI; TFDV's
    /// docs example 0.01 would fire far too often for L∞, so 0.1 is used there too.
    public var defaultThreshold: Double { isPValue ? 0.05 : 0.1 }
}

/// A per-column override of the drift test and/or its threshold (schema `drift`, CLI options).
public struct DriftSetting: Codable, Sendable, Equatable {
    public var method: DriftMethod?
    public var threshold: Double?

    public init(method: DriftMethod? = nil, threshold: Double? = nil) {
        self.method = method
        self.threshold = threshold
    }
}

/// Dataset-level drift policy (Evidently's defaults).
public struct DriftOptions: Sendable {
    /// Dataset drift when the share of drifted columns is ≥ this (Evidently `drift_share` 0.5).
    public var driftShare = 0.5
    /// References with at most this many rows use p-value tests (KS, chi-square, Z); larger ones
    /// use effect sizes, because p-values flag trivial shifts in large samples (evidently #20, #50).
    public var smallSampleLimit = 1000
    /// Per-column overrides by column name.
    public var perColumn: [String: DriftSetting] = [:]
    /// Columns to leave out (e.g. a time or id column).
    public var excluded: Set<String> = []
    /// Worker threads; 0 = one per active core.
    public var threads = 0

    public init(driftShare: Double = 0.5, perColumn: [String: DriftSetting] = [:], excluded: Set<String> = []) {
        self.driftShare = driftShare
        self.perColumn = perColumn
        self.excluded = excluded
    }
}
