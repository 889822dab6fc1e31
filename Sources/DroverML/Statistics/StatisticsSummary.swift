/// A readable digest of `ColumnStatistics` (no sketch internals), for reports and `--json`.
public struct ColumnSummary: Codable, Sendable, Equatable {
    public var name: String
    public var type: ColumnType
    public var count: Int
    public var missing: Int
    public var distinct: Int
    /// True when `distinct` is a HyperLogLog estimate (±1.6 % standard error).
    public var distinctIsEstimate: Bool
    public var mean: Double?
    /// Population standard deviation.
    public var std: Double?
    public var min: Double?
    public var max: Double?
    public var infinite: Int?
    public var zeros: Int?
    /// Estimated p1, p5, p25, p50, p75, p95, p99 (sketch rank error, see `QuantileSketch`).
    public var quantiles: [String: Double]?
    /// 10 equal-width bins over [min, max], counts estimated from the sketch.
    public var histogram: Histogram?
    /// Most frequent values with counts, most frequent first (categorical and boolean columns).
    public var top: [ValueCount]?

    public struct ValueCount: Codable, Sendable, Equatable {
        public var value: String
        public var count: Int
    }

    public static let quantileLevels: [(String, Double)] = [
        ("p1", 0.01), ("p5", 0.05), ("p25", 0.25), ("p50", 0.5), ("p75", 0.75), ("p95", 0.95), ("p99", 0.99),
    ]

    public init(_ s: ColumnStatistics, topCount: Int = 10) {
        name = s.name
        type = s.type
        count = s.count
        missing = s.missing
        distinct = s.distinct.count
        distinctIsEstimate = s.distinct.isApproximate
        if let n = s.numeric {
            if n.moments.count > 0 {
                // JSON has no NaN/inf: moments of values near ±1.8e308 can overflow.
                mean = n.mean.isFinite ? n.mean : nil
                std = n.standardDeviation.isFinite ? n.standardDeviation : nil
                let values = n.quantiles(Self.quantileLevels.map(\.1))
                quantiles = Dictionary(uniqueKeysWithValues: zip(Self.quantileLevels.map(\.0), values))
                histogram = n.histogram(bins: 10)
            }
            min = n.min
            max = n.max
            infinite = n.infinite
            zeros = n.zeros
            if s.type == .boolean {
                let trues = Int((n.mean * Double(n.moments.count)).rounded())
                top = [ValueCount(value: "true", count: trues), ValueCount(value: "false", count: n.moments.count - trues)]
                    .filter { $0.count > 0 }.sorted { $0.count > $1.count }
            }
        }
        if let c = s.categories {
            top = c.top(topCount).map { ValueCount(value: $0.value, count: $0.count) }
        }
    }
}

/// The digest of a whole dataset.
public struct DatasetSummary: Codable, Sendable, Equatable {
    public var source: String
    public var rowCount: Int
    public var columns: [ColumnSummary]

    public init(source: String, statistics: DatasetStatistics) {
        self.source = source
        rowCount = statistics.rowCount
        columns = statistics.columns.map { ColumnSummary($0) }
    }
}
