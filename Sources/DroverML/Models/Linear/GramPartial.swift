/// Sufficient statistics of least squares over one shard: XᵀX, Xᵀy, column sums, Σy, n.
/// Mergeable by addition; the normal equations are solved once after merging.
public struct GramPartial: ShardPartial, Equatable {
    public var rows: Int
    public var xtx: [Double]
    public var xty: [Double]
    public var xsum: [Double]
    public var ysum: Double

    public mutating func merge(_ other: GramPartial) {
        rows += other.rows
        ysum += other.ysum
        for i in xtx.indices { xtx[i] += other.xtx[i] }
        for i in xty.indices { xty[i] += other.xty[i] }
        for i in xsum.indices { xsum[i] += other.xsum[i] }
    }

    /// The statistics of rows `shard` of `x` with targets `y`.
    public static func compute(_ x: FeatureMatrix, targets y: [Double], shard: Shard) -> GramPartial {
        let m = shard.count, d = x.featureCount, lo = shard.rows.lowerBound
        var p = GramPartial(rows: m, xtx: [Double](repeating: 0, count: d * d),
                            xty: [Double](repeating: 0, count: d),
                            xsum: [Double](repeating: 0, count: d), ysum: 0)
        guard m > 0, d > 0 else {
            p.ysum = y[shard.rows].reduce(0, +)
            return p
        }
        x.values.withUnsafeBufferPointer { xv in
            let a = xv.baseAddress! + lo
            p.xtx = BLAS.gram(a, rows: m, cols: d, lda: x.rowCount)
            y.withUnsafeBufferPointer { yv in
                p.xty.withUnsafeMutableBufferPointer { t in
                    BLAS.gemvT(a, rows: m, cols: d, ld: x.rowCount, yv.baseAddress! + lo, into: t.baseAddress!)
                }
                for i in 0..<m { p.ysum += yv[lo + i] }
            }
            for j in 0..<d {
                var s = 0.0
                let col = a + j * x.rowCount
                for i in 0..<m { s += col[i] }
                p.xsum[j] = s
            }
        }
        return p
    }
}
