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

    /// One scan over the value bins, keeping only the best candidate's numbers; the candidate
    /// (with its bin set) is built once, at the end. Candidates are tried in the order, and gains
    /// computed with the operations, that `drover train` has always used: the same splits.
    private func numeric(_ v: UnsafeBufferPointer<Double>, feature f: Int, bins fb: FeatureBins,
                         leaf: Leaf) -> SplitCandidate? {
        let valueBins = fb.valueBinCount
        let missingBin = fb.missingBin
        let (gm, hm) = missingBin.map { (v[2 * $0], v[2 * $0 + 1]) } ?? (0, 0)
        let hasMissing = hm > 0
        guard valueBins > 1 || hasMissing else { return nil }
        let (sumG, sumH, count, lambda) = (leaf.sumG, leaf.sumH, leaf.count, self.lambda)
        let (countPerHessian, minData, minHessian) = (leaf.countPerHessian, minDataInLeaf, self.minHessian)
        let parentScore = score(sumG, sumH, lambda)
        // Missing right (also the only option without missing rows), then missing left.
        let passes = hasMissing ? 2 : 1
        let lastBin = hasMissing ? valueBins - 1 : valueBins - 2  // without missing, "everything left" is no split
        var bestGain = 0.0, bestBin = -1, bestMissingLeft = false, bestG = 0.0, bestH = 0.0, bestLeftCount = 0
        var gl = 0.0, hl = 0.0
        var b = 0
        while b <= lastBin {
            gl += v[2 * b]
            hl += v[2 * b + 1]
            var rightFits = false
            for pass in 0..<passes {
                let missingLeft = pass == 1
                let (g, h) = missingLeft ? (gl + gm, hl + hm) : (gl, hl)
                let leftCount = Int(h * countPerHessian + 0.5)
                let (gr, hr) = (sumG - g, sumH - h)
                if count - leftCount < minData || hr < minHessian { continue }
                if !missingLeft { rightFits = true }
                if leftCount < minData || h < minHessian { continue }
                let gain = score(g, h, lambda) + score(gr, hr, lambda) - parentScore
                if gain > bestGain {
                    (bestGain, bestBin, bestMissingLeft, bestG, bestH, bestLeftCount) = (gain, b, missingLeft, g, h, leftCount)
                }
            }
            if !rightFits { break }  // the right side only shrinks from here
            b += 1
        }
        guard bestBin >= 0 else { return nil }
        let goesLeft = hasMissing ? bestMissingLeft : bestLeftCount > count - bestLeftCount
        var set = BinSet(through: bestBin)
        if goesLeft, let m = missingBin { set.insert(m) }
        return SplitCandidate(gain: bestGain, feature: f, bin: bestBin, missingLeft: goesLeft, leftBins: set,
                              leftG: bestG, leftH: bestH, rightG: sumG - bestG, rightH: sumH - bestH, lambda: lambda)
    }
}
