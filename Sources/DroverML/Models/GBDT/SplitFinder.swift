/// The best split of one leaf found from its histogram.
struct SplitCandidate: Sendable {
    var gain: Double
    var feature: Int
    var bin: Int
    var leftG: Double, leftH: Double
    var rightG: Double, rightH: Double
}

/// Finds the split with the largest L2-regularised gain
/// G_L²/(H_L+λ) + G_R²/(H_R+λ) − G²/(H+λ), respecting min_data_in_leaf (counts estimated from
/// hessians, as LightGBM does) and a minimum hessian per child.
struct SplitFinder: Sendable {
    var lambda: Double
    var minDataInLeaf: Int
    var minHessian: Double = 1e-3

    func best(_ hist: HistogramPartial, features: [FeatureBins], sumG: Double, sumH: Double,
              count: Int) -> SplitCandidate? {
        guard count >= 2 * minDataInLeaf else { return nil }
        let parentScore = sumG * sumG / (sumH + lambda)
        let countPerHessian = Double(count) / sumH
        var best: SplitCandidate?
        hist.values.withUnsafeBufferPointer { v in
            for f in features.indices {
                let nb = features[f].binCount
                guard nb > 1 else { continue }
                var gl = 0.0, hl = 0.0
                let base = f * hist.binStride * 2
                for b in 0..<(nb - 1) {
                    gl += v[base + 2 * b]
                    hl += v[base + 2 * b + 1]
                    let leftCount = Int(hl * countPerHessian + 0.5)
                    if leftCount < minDataInLeaf || hl < minHessian { continue }
                    let rightCount = count - leftCount
                    let gr = sumG - gl, hr = sumH - hl
                    if rightCount < minDataInLeaf || hr < minHessian { break }
                    let gain = gl * gl / (hl + lambda) + gr * gr / (hr + lambda) - parentScore
                    if gain > (best?.gain ?? 0) {
                        best = SplitCandidate(gain: gain, feature: f, bin: b, leftG: gl, leftH: hl,
                                              rightG: gr, rightH: hr)
                    }
                }
            }
        }
        return best
    }
}
