import Foundation

/// Log loss and its gradient for logistic regression, per shard.
///
/// Binary (`outputs == 1`): p = σ(x·w + b), loss = −[y log p + (1−y) log(1−p)].
/// Multinomial (`outputs == K`): softmax over K scores, loss = −log p_y.
/// Labels are class indices 0..<K stored as doubles.
public enum LogisticLoss {
    public static func partial(_ x: FeatureMatrix, labels: [Double], weights w: LinearWeights,
                               shard: Shard) -> GradientPartial {
        let m = shard.count, d = w.featureCount, k = w.outputs
        var z = w.scores(x, rows: shard.rows)
        var loss = 0.0
        let lo = shard.rows.lowerBound
        labels.withUnsafeBufferPointer { y in
            z.withUnsafeMutableBufferPointer { zp in
                if k == 1 {
                    for i in 0..<m {
                        let s = zp[i], yi = y[lo + i]
                        // log(1 + e^s) − y·s, computed stably.
                        loss += (s > 0 ? s : 0) + log1p(exp(-abs(s))) - yi * s
                        zp[i] = 1 / (1 + exp(-s)) - yi  // residual p − y
                    }
                } else {
                    for i in 0..<m {
                        var mx = -Double.infinity
                        for c in 0..<k { mx = max(mx, zp[c * m + i]) }
                        var sum = 0.0
                        for c in 0..<k { let e = exp(zp[c * m + i] - mx); zp[c * m + i] = e; sum += e }
                        let yc = Int(y[lo + i])
                        loss -= log(zp[yc * m + i] / sum)
                        for c in 0..<k { zp[c * m + i] = zp[c * m + i] / sum - (c == yc ? 1 : 0) }
                    }
                }
            }
        }
        var grad = [Double](repeating: 0, count: d * k + k)
        guard m > 0 else { return GradientPartial(rows: 0, loss: 0, gradient: grad) }
        x.values.withUnsafeBufferPointer { xv in
            z.withUnsafeBufferPointer { r in
                grad.withUnsafeMutableBufferPointer { g in
                    let a = xv.baseAddress! + lo
                    if d > 0 {
                        if k == 1 {
                            BLAS.gemvT(a, rows: m, cols: d, ld: x.rowCount, r.baseAddress!, into: g.baseAddress!)
                        } else {
                            BLAS.gemmT(a, rows: m, cols: d, lda: x.rowCount, r.baseAddress!, cols: k, into: g.baseAddress!)
                        }
                    }
                    for c in 0..<k {
                        var s = 0.0
                        for i in 0..<m { s += r[c * m + i] }
                        g[d * k + c] = s
                    }
                }
            }
        }
        return GradientPartial(rows: m, loss: loss, gradient: grad)
    }
}
