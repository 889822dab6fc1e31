/// Finds the split with the largest L2-regularised gain
/// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), respecting min_data_in_leaf (counts estimated from
/// hessians, as LightGBM does) and a minimum hessian per child.
///
/// Numeric features with a missing bin try every threshold twice, missing left and missing
/// right (LightGBM's two scans), including "all values left, missing right". When a leaf has no
/// missing rows for the feature, missing goes to the larger child (scikit-learn's rule).
/// Categorical features use `CategoricalSplitter`.
struct SplitFinder: Sendable {
    var lambda: Double
    var minDataInLeaf: Int
    var minHessian: Double = 1e-3
    var categorical = CategoricalSplitter()

    /// The statistics of the leaf being split.
    struct Leaf {
        var sumG: Double, sumH: Double
        var count: Int
        var countPerHessian: Double { Double(count) / sumH }
    }

    /// `allowed`: features this tree may split on (nil = all; `feature_fraction`).
    func best(_ hist: HistogramPartial, features: [FeatureBins], sumG: Double, sumH: Double,
              count: Int, allowed: [Bool]? = nil) -> SplitCandidate? {
        guard count >= 2 * minDataInLeaf else { return nil }
        let leaf = Leaf(sumG: sumG, sumH: sumH, count: count)
        var best: SplitCandidate?
        hist.values.withUnsafeBufferPointer { v in
            for f in features.indices where allowed?[f] ?? true {
                let bins = UnsafeBufferPointer(rebasing: v[(f * hist.binStride * 2)...])
                let found = features[f].isCategorical
                    ? categorical.best(bins, feature: f, bins: features[f], leaf: leaf, finder: self)
                    : numeric(bins, feature: f, bins: features[f], leaf: leaf)
                if let found, found.gain > (best?.gain ?? 0) { best = found }
            }
        }
        return best
    }

    func score(_ g: Double, _ h: Double, _ l2: Double) -> Double { g * g / (h + l2) }

    /// One scan over the value bins, four at a time: prefix sums in order (the additions `drover
    /// train` has always made), then both children's scores for the four thresholds in SIMD lanes
    /// (the same IEEE operations, so the same gains), then the lanes in order, threshold by
    /// threshold, missing right before missing left, where one beats the best so far. The same
    /// candidates in the same order: the same splits. Stops after the first threshold whose right
    /// child no longer fits (it only shrinks from there).
    private func numeric(_ v: UnsafeBufferPointer<Double>, feature f: Int, bins fb: FeatureBins,
                         leaf: Leaf) -> SplitCandidate? {
        typealias Lanes = SIMD4<Double>
        let valueBins = fb.valueBinCount
        let missingBin = fb.missingBin
        let (gm, hm) = missingBin.map { (v[2 * $0], v[2 * $0 + 1]) } ?? (0, 0)
        let hasMissing = hm > 0
        guard valueBins > 1 || hasMissing else { return nil }
        let (sumG, sumH, count, lambda) = (leaf.sumG, leaf.sumH, leaf.count, self.lambda)
        let parentScore = score(sumG, sumH, lambda)
        let lastBin = hasMissing ? valueBins - 1 : valueBins - 2  // without missing, "everything left" is no split
        let countPerHessian = Lanes(repeating: leaf.countPerHessian)
        // The left child's count is ⌊x⌋ with x = h × count/H + 0.5 (x ≥ 0), and for an integer k,
        // ⌊x⌋ ≥ k ⇔ x ≥ k: so "left count ≥ min_data" is x ≥ min_data and "right count ≥ min_data"
        // (count − ⌊x⌋ ≥ min_data) is x < count − min_data + 1. No rounding per lane (on x86-64
        // without AVX each was a libm call), the same answers.
        let (leftMin, rightLimit, minHess) = (Lanes(repeating: Double(minDataInLeaf)),
                                              Lanes(repeating: Double(count - minDataInLeaf + 1)), Lanes(repeating: minHessian))
        let (sumGs, sumHs, lambdas, parent) = (Lanes(repeating: sumG), Lanes(repeating: sumH), Lanes(repeating: lambda),
                                               Lanes(repeating: parentScore))
        /// Per lane: the children's gain, whether both fit, and whether the right one does.
        func evaluate(_ g: Lanes, _ h: Lanes) -> (gain: Lanes, fits: SIMDMask<SIMD4<Int64>>, rightFits: SIMDMask<SIMD4<Int64>>) {
            let x = h * countPerHessian + 0.5
            let (gr, hr) = (sumGs - g, sumHs - h)
            let rightFits = (x .< rightLimit) .& .!(hr .< minHess)
            let leftFits = (x .>= leftMin) .& .!(h .< minHess)
            return (g * g / (h + lambdas) + gr * gr / (hr + lambdas) - parent, rightFits .& leftFits, rightFits)
        }
        var bestGain = 0.0, bestBin = -1, bestMissingLeft = false, bestG = 0.0, bestH = 0.0
        var gl = 0.0, hl = 0.0
        var b = 0
        while b <= lastBin {
            let n = min(4, lastBin - b + 1)
            var g = Lanes(repeating: 0), h = Lanes(repeating: 0)
            if n == 4 {
                // The same additions in the same order, built as whole vectors (lane stores spill).
                let i = 2 * b
                let (g0, h0) = (gl + v[i], hl + v[i + 1])
                let (g1, h1) = (g0 + v[i + 2], h0 + v[i + 3])
                let (g2, h2) = (g1 + v[i + 4], h1 + v[i + 5])
                (gl, hl) = (g2 + v[i + 6], h2 + v[i + 7])
                (g, h) = (Lanes(g0, g1, g2, gl), Lanes(h0, h1, h2, hl))
            } else {
                for i in 0..<n {
                    gl += v[2 * (b + i)]
                    hl += v[2 * (b + i) + 1]
                    (g[i], h[i]) = (gl, hl)
                }
            }
            let right = evaluate(g, h)  // missing right (the only option without missing rows)
            let left = hasMissing ? evaluate(g + gm, h + hm) : nil  // missing left
            // Lanes up to the first whose right child no longer fits, that one included.
            var lanes = n
            for i in 0..<n where !right.rightFits[i] {
                lanes = i + 1
                break
            }
            let best = Lanes(repeating: bestGain)
            var better = right.fits .& (right.gain .> best)
            if let left { better = better .| (left.fits .& (left.gain .> best)) }
            if any(better) {
                for i in 0..<lanes {
                    if right.fits[i], right.gain[i] > bestGain {
                        (bestGain, bestBin, bestMissingLeft, bestG, bestH) = (right.gain[i], b + i, false, g[i], h[i])
                    }
                    if let left, left.fits[i], left.gain[i] > bestGain {
                        (bestGain, bestBin, bestMissingLeft, bestG, bestH) = (left.gain[i], b + i, true, g[i] + gm, h[i] + hm)
                    }
                }
            }
            if !right.rightFits[lanes - 1] { break }  // the cut lane, or the last one if none
            b += n
        }
        guard bestBin >= 0 else { return nil }
        let bestLeftCount = Int(bestH * leaf.countPerHessian + 0.5)
        let goesLeft = hasMissing ? bestMissingLeft : bestLeftCount > count - bestLeftCount
        var set = BinSet(through: bestBin)
        if goesLeft, let m = missingBin { set.insert(m) }
        return SplitCandidate(gain: bestGain, feature: f, bin: bestBin, missingLeft: goesLeft, leftBins: set,
                              leftG: bestG, leftH: bestH, rightG: sumG - bestG, rightH: sumH - bestH, lambda: lambda)
    }
}
