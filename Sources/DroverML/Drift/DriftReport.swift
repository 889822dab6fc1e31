/// Every measure computed for one column; nil where it does not apply.
public struct DriftMeasures: Codable, Sendable, Equatable {
    public var psi: Double?
    public var ksStatistic: Double?
    public var ksPValue: Double?
    /// Wasserstein-1 distance divided by the reference standard deviation (floored at 0.001).
    public var wasserstein: Double?
    /// Jensen–Shannon distance (natural log), see `DriftMethod.jensenshannon`.
    public var jensenShannon: Double?
    public var lInfinity: Double?
    public var chiSquarePValue: Double?
    public var zTestPValue: Double?

    public init() {}

    /// Drops non-finite values (possible only with values near ±1.8e308), so reports always
    /// encode as JSON, which has no NaN or infinity.
    mutating func dropNonFinite() {
        for path in [\DriftMeasures.psi, \.ksStatistic, \.ksPValue, \.wasserstein, \.jensenShannon,
                     \.lInfinity, \.chiSquarePValue, \.zTestPValue] where self[keyPath: path]?.isFinite == false {
            self[keyPath: path] = nil
        }
    }

    public func value(of method: DriftMethod) -> Double? {
        switch method {
        case .ks: return ksPValue
        case .chisquare: return chiSquarePValue
        case .ztest: return zTestPValue
        case .wasserstein: return wasserstein
        case .jensenshannon: return jensenShannon
        case .psi: return psi
        case .linf: return lInfinity
        }
    }
}

/// The drift verdict for one column: the method used, the measured value and the threshold,
/// reported for every compared column, drifted or not (TFDV `drift_skew_info`).
public struct ColumnDrift: Codable, Sendable, Equatable {
    public var column: String
    public var type: ColumnType
    public var method: DriftMethod
    /// The decision value (a p-value for ks/chisquare/ztest, else a distance); nil when a
    /// sample has no values.
    public var value: Double?
    public var threshold: Double
    public var drifted: Bool
    public var referenceCount: Int
    public var currentCount: Int
    /// Distinct values in reference ∪ current (drives Evidently's method choice).
    public var uniqueValues: Int
    public var measures: DriftMeasures
    /// Why the column could not be compared, or why an override was not used.
    public var note: String?
}

/// Drift between a reference and a current dataset (Evidently's dataset-drift semantics).
public struct DriftReport: Codable, Sendable, Equatable {
    public var columns: [ColumnDrift]
    /// Columns present in only one of the datasets or with different types (not compared).
    public var skipped: [String]
    public var driftedCount: Int
    /// driftedCount / compared columns.
    public var share: Double
    public var driftShare: Double
    /// share ≥ driftShare (and at least one column compared).
    public var datasetDrift: Bool
}
