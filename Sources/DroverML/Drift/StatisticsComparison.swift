import Foundation

/// Two datasets' statistics side by side, per column: the distribution of each on common bins
/// (from the quantile sketches for numbers, the counts for categories) and the drift measured
/// from the statistics alone — what the dashboard plots for a drift report.
///
/// Numeric drift is the validate step's rule: the mean moved by more than `threshold` reference
/// standard deviations. Categorical drift is the population stability index over the categories
/// (drifted above `psiThreshold`, 0.2 by convention).
public struct StatisticsComparison: Codable, Sendable, Equatable {
    public struct Column: Codable, Sendable, Equatable {
        public var name: String
        public var type: String
        /// "mean_shift_sd" (numbers) or "psi" (categories).
        public var measure: String
        public var value: Double?
        public var threshold: Double
        public var drifted: Bool
        /// Bin labels: "[lo, hi)" ranges or category values.
        public var bins: [String]
        /// Share of each side's present values per bin (each side sums to 1 when it has values).
        public var reference: [Double]
        public var current: [Double]
        public var referenceMean: Double?
        public var currentMean: Double?
        public var referenceMissing: Int
        public var currentMissing: Int
    }

    public var columns: [Column]
    public var driftedCount: Int
    public var referenceRows: Int
    public var currentRows: Int

    public static func compare(reference: DatasetStatistics, current: DatasetStatistics, bins: Int = 16,
                               threshold: Double = 0.5, psiThreshold: Double = 0.2, topCategories: Int = 12) -> StatisticsComparison {
        var columns: [Column] = []
        for now in current.columns {
            guard let then = reference.column(named: now.name) else { continue }
            if let a = then.numeric, let b = now.numeric {
                columns.append(numeric(name: now.name, type: now.type.rawValue, a, b, bins: max(2, bins), threshold: threshold,
                                       missing: (then.missing, now.missing)))
            } else if let a = then.categories, let b = now.categories {
                columns.append(categorical(name: now.name, type: now.type.rawValue, a, b, top: topCategories, threshold: psiThreshold,
                                           missing: (then.missing, now.missing)))
            }
        }
        return StatisticsComparison(columns: columns, driftedCount: columns.filter(\.drifted).count,
                                    referenceRows: reference.rowCount, currentRows: current.rowCount)
    }

    static func numeric(name: String, type: String, _ a: NumericStatistics, _ b: NumericStatistics, bins: Int,
                        threshold: Double, missing: (Int, Int)) -> Column {
        let lo = [a.min, b.min].compactMap { $0 }.min() ?? 0
        let hi = [a.max, b.max].compactMap { $0 }.max() ?? 0
        let width = hi > lo ? (hi - lo) / Double(bins) : 1
        let edges = (0...bins).map { lo + Double($0) * width }
        func shares(_ s: QuantileSketch) -> [Double] {
            let total = s.rank(hi)
            guard total > 0 else { return Array(repeating: 0, count: bins) }
            var previous = 0.0 // the lowest edge is the smallest value: it falls in the first bin
            return (1...bins).map { i in
                let upTo = i == bins ? total : s.rank(edges[i])
                defer { previous = upTo }
                return (upTo - previous) / total
            }
        }
        let scale = max(a.standardDeviation, 1e-12)
        let shift = a.moments.count > 0 && b.moments.count > 0 ? abs(b.mean - a.mean) / scale : nil
        return Column(name: name, type: type, measure: "mean_shift_sd", value: shift, threshold: threshold,
                      drifted: (shift ?? 0) > threshold,
                      bins: (0..<bins).map { "[\(short(edges[$0])), \(short(edges[$0 + 1]))\($0 == bins - 1 ? "]" : ")")" },
                      reference: shares(a.sketch), current: shares(b.sketch),
                      referenceMean: a.moments.count > 0 ? a.mean : nil, currentMean: b.moments.count > 0 ? b.mean : nil,
                      referenceMissing: missing.0, currentMissing: missing.1)
    }

    static func categorical(name: String, type: String, _ a: CategoryCounts, _ b: CategoryCounts, top: Int,
                            threshold: Double, missing: (Int, Int)) -> Column {
        let totalA = Double(a.counts.values.reduce(0, +)), totalB = Double(b.counts.values.reduce(0, +))
        var keys = a.merged(with: b).top(top).map(\.value)
        let rest = Set(a.counts.keys).union(b.counts.keys).subtracting(keys)
        func share(_ c: CategoryCounts, _ total: Double, _ key: String) -> Double { total > 0 ? Double(c.counts[key] ?? 0) / total : 0 }
        var ref = keys.map { share(a, totalA, $0) }, cur = keys.map { share(b, totalB, $0) }
        if !rest.isEmpty {
            ref.append(rest.reduce(0) { $0 + share(a, totalA, $1) })
            cur.append(rest.reduce(0) { $0 + share(b, totalB, $1) })
            keys.append("other (\(rest.count))")
        }
        let psi = totalA > 0 && totalB > 0 ? zip(ref, cur).reduce(0.0) { sum, pair in
            let p = max(pair.0, 1e-4), q = max(pair.1, 1e-4)
            return sum + (q - p) * log(q / p)
        } : nil
        return Column(name: name, type: type, measure: "psi", value: psi, threshold: threshold, drifted: (psi ?? 0) > threshold,
                      bins: keys, reference: ref, current: cur, referenceMean: nil, currentMean: nil,
                      referenceMissing: missing.0, currentMissing: missing.1)
    }

    static func short(_ x: Double) -> String { String(format: "%.4g", x) }
}
