import Foundation

/// Measures between two sorted numeric samples, computed in one merge walk (no re-sorting):
/// KS statistic, Wasserstein-1 distance and distinct-value counts.
struct SortedComparison {
    var ksStatistic = 0.0
    var wasserstein = 0.0
    /// Distinct values in the reference, and in reference ∪ current.
    var referenceDistinct = 0
    var unionDistinct = 0

    init(_ r: UnsafeBufferPointer<Double>, _ c: UnsafeBufferPointer<Double>) {
        let n1 = r.count, n2 = c.count
        guard n1 > 0, n2 > 0 else { return }
        let inv1 = 1 / Double(n1), inv2 = 1 / Double(n2)
        var i = 0, j = 0
        var previous = 0.0
        var started = false
        var d = 0.0, w = 0.0
        var refDistinct = 0, union = 0
        while i < n1 || j < n2 {
            let x = (i < n1 && (j >= n2 || r[i] <= c[j])) ? r[i] : c[j]
            if started { w += abs(Double(i) * inv1 - Double(j) * inv2) * (x - previous) }
            let i0 = i
            while i < n1 && r[i] == x { i += 1 }
            while j < n2 && c[j] == x { j += 1 }
            if i > i0 { refDistinct += 1 }
            union += 1
            let gap = abs(Double(i) * inv1 - Double(j) * inv2)
            if gap > d { d = gap }
            previous = x
            started = true
        }
        ksStatistic = d
        wasserstein = w
        referenceDistinct = refDistinct
        unionDistinct = union
    }

    /// Largest n·m for which the exact KS p-value is computed (an O(n·m) walk, ≈ 20 ms).
    static let exactKSLimit = 10_000_000

    /// Two-sided two-sample KS p-value: exact (as scipy `ks_2samp(method="exact")`, which is
    /// scipy's default for such sizes) when n·m ≤ 10^7, else asymptotic Kolmogorov
    /// Q(√(n·m/(n+m))·D) (scipy `kstwobign.sf`; scipy's `method="asymp"` uses `kstwo` with
    /// n = round(en), which differs by < 1 % once en ≥ 10^4).
    /// The exact value is 1 − P(inside), so below ~1e-12 it is rounding noise; there the
    /// asymptotic value (accurate in relative terms far in the tail) is returned instead.
    static func ksPValue(_ d: Double, _ n1: Int, _ n2: Int) -> Double {
        let en = Double(n1) * Double(n2) / Double(n1 + n2)
        let asymptotic = Distributions.kolmogorovSurvival(en.squareRoot() * d)
        if n1 * n2 <= exactKSLimit {
            let exact = ksExactPValue(d, n1, n2)
            return exact < 1e-12 ? min(asymptotic, 1e-12) : exact
        }
        return asymptotic
    }

    /// P(D ≥ d) by walking the lattice of merge orders: the probability that a uniformly random
    /// path from (0,0) to (n1,n2) stays strictly inside |i·n2 − j·n1| < d·n1·n2 (Hodges 1957),
    /// with transition probabilities so every cell stays in [0, 1].
    static func ksExactPValue(_ d: Double, _ n1: Int, _ n2: Int) -> Double {
        let h = Int((d * Double(n1) * Double(n2)).rounded())
        if h <= 0 { return 1 }
        var row = [Double](repeating: 0, count: n2 + 1)
        for i in 0...n1 {
            for j in 0...n2 {
                if i == 0 && j == 0 { row[0] = 1; continue }
                var v = 0.0
                if abs(i * n2 - j * n1) < h {
                    if i > 0 {
                        let a = Double(n1 - i + 1), b = Double(n2 - j)
                        v += row[j] * a / (a + b)
                    }
                    if j > 0 {
                        let a = Double(n1 - i), b = Double(n2 - j + 1)
                        v += row[j - 1] * b / (a + b)
                    }
                }
                row[j] = v
            }
        }
        return min(1, max(0, 1 - row[n2]))
    }
}

/// Number of values < x in a sorted buffer.
@inline(__always)
func lowerBound(_ a: UnsafeBufferPointer<Double>, _ x: Double) -> Int {
    var lo = 0, hi = a.count
    while lo < hi {
        let mid = (lo + hi) >> 1
        if a[mid] < x { lo = mid + 1 } else { hi = mid }
    }
    return lo
}

/// Shares of two samples over common bins or categories, and the measures defined on them.
struct BinnedShares {
    var reference: [Double]
    var current: [Double]

    /// Evidently's numeric binning: Sturges bins (⌈log2(n) + 1⌉, numpy `histogram_bin_edges`)
    /// over the combined range; counts as `np.histogram` (last bin closed).
    static func sturges(_ r: UnsafeBufferPointer<Double>, _ c: UnsafeBufferPointer<Double>) -> BinnedShares {
        let lo = Swift.min(r[0], c[0]), hi = Swift.max(r[r.count - 1], c[c.count - 1])
        let n = r.count + c.count
        // As numpy: width = ptp / (log2 n + 1), then ⌈ptp / width⌉ bins.
        let width = (hi - lo) / (log2(Double(n)) + 1)
        let bins = hi > lo ? Int(((hi - lo) / width).rounded(.up)) : 1
        let edges = hi > lo ? Histogram.equalWidthEdges(bins: bins, range: lo...hi) : [lo - 0.5, hi + 0.5]
        func shares(_ a: UnsafeBufferPointer<Double>) -> [Double] {
            var bounds = edges.dropLast().map { lowerBound(a, $0) }
            bounds.append(a.count)
            return (0..<(bounds.count - 1)).map { Double(bounds[$0 + 1] - bounds[$0]) / Double(a.count) }
        }
        return BinnedShares(reference: shares(r), current: shares(c))
    }

    /// Per-value shares over the union of keys (categories, or the few values of a numeric column).
    static func frequencies<Key: Hashable>(_ r: [Key: Int], _ c: [Key: Int]) -> BinnedShares {
        let keys = Array(Set(r.keys).union(c.keys))
        let nr = Double(Swift.max(1, r.values.reduce(0, +))), nc = Double(Swift.max(1, c.values.reduce(0, +)))
        return BinnedShares(reference: keys.map { Double(r[$0] ?? 0) / nr }, current: keys.map { Double(c[$0] ?? 0) / nc })
    }

    /// PSI = Σ (r − c)·ln(r / c), with Evidently's zero filling: empty bins get 0.0001, or the
    /// smallest non-zero share / 10^6 when that share is itself ≤ 0.0001.
    var psi: Double {
        func filled(_ a: [Double]) -> [Double] {
            let smallest = a.filter { $0 > 0 }.min() ?? 1
            let fill = smallest <= 0.0001 ? smallest / 1e6 : 0.0001
            return a.map { $0 == 0 ? fill : $0 }
        }
        let r = filled(reference), c = filled(current)
        var sum = 0.0
        for i in r.indices { sum += (r[i] - c[i]) * log(r[i] / c[i]) }
        return sum
    }

    /// Jensen–Shannon distance, natural log (scipy `spatial.distance.jensenshannon`).
    var jensenShannonDistance: Double {
        let sp = reference.reduce(0, +), sq = current.reduce(0, +)
        guard sp > 0, sq > 0 else { return 0 }
        var js = 0.0
        for i in reference.indices {
            let p = reference[i] / sp, q = current[i] / sq, m = (p + q) / 2
            if p > 0 { js += p * log(p / m) }
            if q > 0 { js += q * log(q / m) }
        }
        return Swift.max(0, js / 2).squareRoot()
    }

    /// max_i |r_i − c_i| (TFDV L∞).
    var lInfinity: Double {
        zip(reference, current).map { abs($0 - $1) }.max() ?? 0
    }
}

/// Count-based p-value tests on per-value counts (Evidently's `chisquare` and `z`).
enum CountTests {
    /// Pearson chi-square of current counts against reference proportions scaled to the current
    /// size; a value unseen in the reference gives p = 0.
    static func chiSquarePValue<Key: Hashable>(_ r: [Key: Int], _ c: [Key: Int]) -> Double {
        let keys = Array(Set(r.keys).union(c.keys))
        let nr = Double(r.values.reduce(0, +)), nc = Double(c.values.reduce(0, +))
        guard nr > 0, nc > 0, keys.count > 1 else { return 1 }
        var statistic = 0.0
        for key in keys {
            let observed = Double(c[key] ?? 0), expected = Double(r[key] ?? 0) * nc / nr
            if expected == 0 { if observed > 0 { return 0 } else { continue } }
            statistic += (observed - expected) * (observed - expected) / expected
        }
        return Distributions.chiSquareSurvival(statistic, dof: keys.count - 1)
    }

    /// Two-proportion Z-test on the share of the first (smallest) key.
    static func zTestPValue<Key: Hashable & Comparable>(_ r: [Key: Int], _ c: [Key: Int]) -> Double {
        guard let target = Set(r.keys).union(c.keys).min() else { return 1 }
        let n1 = Double(r.values.reduce(0, +)), n2 = Double(c.values.reduce(0, +))
        guard n1 > 0, n2 > 0 else { return 1 }
        let p1 = Double(r[target] ?? 0) / n1, p2 = Double(c[target] ?? 0) / n2
        let pooled = (p1 * n1 + p2 * n2) / (n1 + n2)
        let variance = pooled * (1 - pooled) * (1 / n1 + 1 / n2)
        guard variance > 0 else { return p1 == p2 ? 1 : 0 }
        return Distributions.normalTwoSided((p1 - p2) / variance.squareRoot())
    }
}
