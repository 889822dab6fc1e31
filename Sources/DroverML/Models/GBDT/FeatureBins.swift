/// The bins of one feature.
///
/// Numeric: value v falls in the first bin b with v ≤ upperBounds[b]; the last value bin is
/// open-ended (upperBounds.count + 1 value bins). When the training sample held NaNs
/// (`hasMissingBin`), NaN gets a bin of its own after the value bins, so each split can learn
/// where missing values go (LightGBM's `use_missing`, missing type NaN).
///
/// Categorical (`categories` set): bin i holds category code `categories[i]` (most frequent
/// first); one more bin after them holds NaN, negative codes and the rare tail, which never
/// enter a split's category set (LightGBM's bin 0, "other").
public struct FeatureBins: Codable, Sendable, Equatable {
    public var upperBounds: [Double]
    public var hasMissingBin: Bool
    public var categories: [Int]?

    public init(upperBounds: [Double], hasMissingBin: Bool = false, categories: [Int]? = nil) {
        self.upperBounds = upperBounds
        self.hasMissingBin = hasMissingBin
        self.categories = categories
    }

    public var isCategorical: Bool { categories != nil }
    /// Bins that hold real values (thresholds or categories), before the missing/other bin.
    public var valueBinCount: Int { categories?.count ?? upperBounds.count + 1 }
    public var binCount: Int { valueBinCount + (isCategorical || hasMissingBin ? 1 : 0) }
    /// The bin of NaN (and, for categories, of unseen and rare codes); nil when NaN had no bin.
    public var missingBin: Int? { isCategorical || hasMissingBin ? valueBinCount : nil }

    /// The bin of a numeric value (NaN without a missing bin lands in the last value bin,
    /// as `v ≤ bound` is false).
    @inlinable public func bin(_ v: Double) -> Int {
        if v.isNaN, hasMissingBin { return upperBounds.count + 1 }
        var lo = 0, hi = upperBounds.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if v <= upperBounds[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Category code → bin (index = code; codes beyond the table go to the other bin).
    public func categoryBinTable() -> [UInt8] {
        guard let categories else { return [] }
        var table = [UInt8](repeating: UInt8(categories.count), count: (categories.max() ?? -1) + 1)
        for (b, c) in categories.enumerated() { table[c] = UInt8(b) }
        return table
    }

    /// Up to `maxBins` bins from a sorted sample: one per distinct value when few, else
    /// equal-frequency bins; boundaries sit midway between neighbouring distinct values.
    /// `missing`: the sample had NaNs (removed from `s`), so one bin is kept for them.
    public static func fit(sortedSample s: [Double], maxBins: Int, missing: Bool = false) -> FeatureBins {
        let maxBins = missing ? min(maxBins, 255) : maxBins
        var distinct: [Double] = [], counts: [Int] = []
        for v in s {
            if let last = distinct.last, last == v { counts[counts.count - 1] += 1 } else {
                distinct.append(v); counts.append(1)
            }
        }
        guard distinct.count > 1 else { return FeatureBins(upperBounds: [], hasMissingBin: missing) }
        var bounds: [Double] = []
        if distinct.count <= maxBins {
            for i in 0..<(distinct.count - 1) { bounds.append((distinct[i] + distinct[i + 1]) / 2) }
        } else {
            var remaining = s.count
            var binsLeft = maxBins
            var acc = 0
            for i in 0..<(distinct.count - 1) {
                acc += counts[i]
                let target = Double(remaining) / Double(binsLeft)
                if Double(acc) >= target || distinct.count - 1 - i < binsLeft {
                    bounds.append((distinct[i] + distinct[i + 1]) / 2)
                    remaining -= acc
                    acc = 0
                    binsLeft -= 1
                    if binsLeft == 1 { break }
                }
            }
        }
        return FeatureBins(upperBounds: bounds, hasMissingBin: missing)
    }

    /// Category bins from a sample of codes (NaN/negative = missing), LightGBM's way: the most
    /// frequent categories first, at most `maxBins − 1` of them, stopping at a category with
    /// fewer than 3 rows once two are kept; the rest share the other bin.
    public static func fitCategorical(sample: [Double], maxBins: Int) -> FeatureBins {
        var counts: [Int: Int] = [:]
        for v in sample where !v.isNaN && v >= 0 { counts[Int(v), default: 0] += 1 }
        let byFrequency = counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
        var kept: [Int] = []
        for (code, count) in byFrequency {
            if kept.count >= min(maxBins, 256) - 1 || (kept.count >= 2 && count < 3) { break }
            kept.append(code)
        }
        return FeatureBins(upperBounds: [], categories: kept)
    }

    private enum CodingKeys: String, CodingKey { case upperBounds, hasMissingBin, categories }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        upperBounds = try c.decode([Double].self, forKey: .upperBounds)
        hasMissingBin = try c.decodeIfPresent(Bool.self, forKey: .hasMissingBin) ?? false
        categories = try c.decodeIfPresent([Int].self, forKey: .categories)
    }
}
