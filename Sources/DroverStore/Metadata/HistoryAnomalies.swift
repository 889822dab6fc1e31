import DroverCore

/// Something in a run that is far from its own history (docs/registry.md, "Anomalies").
public struct HistoryAnomaly: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        case slowStep = "slow_step"
        case fewRows = "few_rows"
        case metricRegression = "metric_regression"
    }

    public var kind: Kind
    /// The step name, `dataset/span N`, or the metric name.
    public var subject: String
    public var observed: Double
    /// The median of the history it was compared with.
    public var typical: Double
    /// How many earlier values that median summarises.
    public var history: Int
    public var message: String
}

/// The rules; every threshold is relative to the median of the last `window` values, which one
/// outlier in the history cannot move (unlike a mean).
public struct AnomalyRules: Sendable, Hashable {
    /// A step is slow when it takes more than `slowFactor` × its median time…
    public var slowFactor = 3.0
    /// …and at least this many seconds more (3 ms against 1 ms is noise, not an anomaly).
    public var slowMinExtraSeconds = 0.5
    /// Timings are noisy: need this many earlier runs of the step.
    public var slowMinHistory = 3
    /// A span is small when it has fewer than (1 − `rowDrop`) × the median rows (−40% by default).
    public var rowDrop = 0.4
    public var rowMinHistory = 1
    /// A metric regressed when it is worse than its median by more than `metricTolerance` × |median|.
    public var metricTolerance = 0.1
    public var metricMinHistory = 1
    /// How many earlier values to look at.
    public var window = 20

    public init() {}
}

/// Pure rules over numbers; `MetadataStore.anomalies(runID:)` feeds them from the history.
public enum HistoryAnomalyDetector {
    public static func slowStep(_ step: String, seconds: Double, history: [Double], rules: AnomalyRules = .init()) -> HistoryAnomaly? {
        let h = Array(history.suffix(rules.window))
        guard h.count >= rules.slowMinHistory, let m = median(h) else { return nil }
        guard seconds > rules.slowFactor * m, seconds - m >= rules.slowMinExtraSeconds else { return nil }
        let factor = m > 0 ? seconds / m : .infinity
        return HistoryAnomaly(kind: .slowStep, subject: step, observed: seconds, typical: m, history: h.count,
                              message: "step \(step) took \(seconds.rounded(places: 2)) s, \(factor.rounded(places: 1))× its median of \(m.rounded(places: 2)) s over \(h.count) earlier runs")
    }

    public static func fewRows(dataset: String, span: Int, rows: Int64, history: [Int64], rules: AnomalyRules = .init()) -> HistoryAnomaly? {
        let h = history.suffix(rules.window).map(Double.init)
        guard h.count >= rules.rowMinHistory, let m = median(h), m > 0 else { return nil }
        guard Double(rows) < (1 - rules.rowDrop) * m else { return nil }
        let change = (Double(rows) - m) / m * 100
        return HistoryAnomaly(kind: .fewRows, subject: "\(dataset)/span \(span)", observed: Double(rows), typical: m, history: h.count,
                              message: "dataset \(dataset) span \(span) has \(rows) rows, \(change.rounded(places: 1))% against the median of \(Int64(m)) over \(h.count) earlier spans")
    }

    /// `direction` nil → the metric's direction is unknown and it is not judged.
    public static func metricRegression(_ metric: String, value: Double, history: [Double], direction: MetricDirection?,
                                        rules: AnomalyRules = .init()) -> HistoryAnomaly? {
        let h = Array(history.suffix(rules.window).filter { $0.isFinite })
        guard let direction, value.isFinite, h.count >= rules.metricMinHistory, let m = median(h) else { return nil }
        let worseBy = direction == .higherIsBetter ? m - value : value - m
        guard worseBy > rules.metricTolerance * abs(m), worseBy > 0 else { return nil }
        let word = direction == .higherIsBetter ? "lower" : "higher"
        return HistoryAnomaly(kind: .metricRegression, subject: metric, observed: value, typical: m, history: h.count,
                              message: "metric \(metric) is \(value.rounded(places: 4)), \(word) (worse) than its median \(m.rounded(places: 4)) over \(h.count) earlier runs by more than \(Int(rules.metricTolerance * 100))%")
    }

    /// Direction by naming convention: errors and losses go down, scores go up; anything else is
    /// not judged.
    public static func direction(of metric: String) -> MetricDirection? {
        let m = metric.lowercased()
        for lower in ["rmse", "mse", "mae", "loss", "error", "logloss", "mape"] where m.contains(lower) { return .lowerIsBetter }
        for higher in ["accuracy", "auc", "r2", "f1", "precision", "recall"] where m.contains(higher) { return .higherIsBetter }
        return nil
    }

    static func median(_ xs: [Double]) -> Double? {
        guard !xs.isEmpty else { return nil }
        let s = xs.sorted()
        let n = s.count
        return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2
    }
}

extension Double {
    func rounded(places: Int) -> Double {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        return (self * scale).rounded() / scale
    }
}
