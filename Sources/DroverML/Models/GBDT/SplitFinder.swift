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

    private func numeric(_ v: UnsafeBufferPointer<Double>, feature f: Int, bins fb: FeatureBins,
                         leaf: Leaf) -> SplitCandidate? {
        let valueBins = fb.valueBinCount
        let (gm, hm) = fb.missingBin.map { (v[2 * $0], v[2 * $0 + 1]) } ?? (0, 0)
        let hasMissing = hm > 0
        guard valueBins > 1 || hasMissing else { return nil }
        let parentScore = score(leaf.sumG, leaf.sumH, lambda)
        var best: SplitCandidate?
        var gl = 0.0, hl = 0.0
        for b in 0..<valueBins {
            gl += v[2 * b]
            hl += v[2 * b + 1]
            if b == valueBins - 1 && !hasMissing { break }  // everything left: no split
            // Missing right (also the only option without missing rows), then missing left.
            var rightFits = false
            for pass in 0..<(hasMissing ? 2 : 1) {
                let missingLeft = pass == 1
                let (g, h) = missingLeft ? (gl + gm, hl + hm) : (gl, hl)
                let leftCount = Int(h * leaf.countPerHessian + 0.5)
                let rightCount = leaf.count - leftCount
                let (gr, hr) = (leaf.sumG - g, leaf.sumH - h)
                if rightCount < minDataInLeaf || hr < minHessian { continue }
                if !missingLeft { rightFits = true }
                if leftCount < minDataInLeaf || h < minHessian { continue }
                let gain = score(g, h, lambda) + score(gr, hr, lambda) - parentScore
                guard gain > (best?.gain ?? 0) else { continue }
                let goesLeft = hasMissing ? missingLeft : leftCount > rightCount
                var set = BinSet(through: b)
                if goesLeft, let m = fb.missingBin { set.insert(m) }
                best = SplitCandidate(gain: gain, feature: f, bin: b, missingLeft: goesLeft, leftBins: set,
                                      leftG: g, leftH: h, rightG: gr, rightH: hr, lambda: lambda)
            }
            if !rightFits { break }  // the right side only shrinks from here
        }
        return best
    }
}
