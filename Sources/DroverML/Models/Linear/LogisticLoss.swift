import Foundation

/// Log loss and its gradient for logistic regression, per shard.
///
/// Binary (`outputs == 1`): p = σ(x·w + b), loss = −[y log p + (1−y) log(1−p)].
/// Multinomial (`outputs == K`): softmax over K scores, loss = −log p_y.
/// Labels are class indices 0..<K stored as doubles.
public enum LogisticLoss {
    /// Rows per block: X·w and Xᵀ·r run on the same block while it is in cache
    /// (2,048 rows × 20 features × 8 bytes ≈ 330 KB), so each evaluation reads X once.
    static let blockRows = 2_048

    public static func partial(_ x: FeatureMatrix, labels: [Double], weights w: LinearWeights,
                               shard: Shard) -> GradientPartial {
        let d = w.featureCount, k = w.outputs
        var grad = [Double](repeating: 0, count: d * k + k)
        var loss = 0.0
        var start = shard.rows.lowerBound
        while start < shard.rows.upperBound {
            let block = start..<min(start + blockRows, shard.rows.upperBound)
            loss += accumulate(x, labels: labels, weights: w, rows: block, into: &grad)
            start = block.upperBound
        }
        return GradientPartial(rows: shard.count, loss: loss, gradient: grad)
    }

    /// Adds the gradient of rows `rows` into `grad` and returns their loss.
    private static func accumulate(_ x: FeatureMatrix, labels: [Double], weights w: LinearWeights,
                                   rows: Range<Int>, into grad: inout [Double]) -> Double {
        let m = rows.count, d = w.featureCount, k = w.outputs, lo = rows.lowerBound
        var z = w.scores(x, rows: rows)
        var loss = 0.0
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
        x.values.withUnsafeBufferPointer { xv in
            z.withUnsafeBufferPointer { r in
                grad.withUnsafeMutableBufferPointer { g in
                    let a = xv.baseAddress! + lo
                    if d > 0 {
                        if k == 1 {
                            BLAS.gemvT(a, rows: m, cols: d, ld: x.rowCount, r.baseAddress!, into: g.baseAddress!, accumulate: true)
                        } else {
                            BLAS.gemmT(a, rows: m, cols: d, lda: x.rowCount, r.baseAddress!, cols: k,
                                       into: g.baseAddress!, accumulate: true)
                        }
                    }
                    for c in 0..<k {
                        var s = 0.0
                        for i in 0..<m { s += r[c * m + i] }
                        g[d * k + c] += s
                    }
                }
            }
        }
        return loss
    }
}
