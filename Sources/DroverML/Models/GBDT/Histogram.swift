/// Gradient and hessian sums per (feature, bin) over a set of rows: the partial each shard
/// computes for a tree leaf. Mergeable by addition; a child's histogram is also the parent's
/// minus its sibling's. `values` interleaves (g, h) with a fixed stride of `binStride` bins
/// per feature.
public struct HistogramPartial: ShardPartial, Equatable {
    public var binStride: Int
    public var rows: Int
    public var values: [Double]

    public init(featureCount: Int, binStride: Int) {
        self.binStride = binStride
        self.rows = 0
        self.values = [Double](repeating: 0, count: featureCount * binStride * 2)
    }

    public mutating func merge(_ other: HistogramPartial) {
        rows += other.rows
        values.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] += b[i] }
            }
        }
    }

    /// `self` − `other` (the larger child from the parent and the smaller child).
    public func subtracting(_ other: HistogramPartial) -> HistogramPartial {
        var out = self
        out.subtract(other)
        return out
    }

    /// Subtracts `other` in place (no copy when `self` holds the only reference to its values).
    public mutating func subtract(_ other: HistogramPartial) {
        rows -= other.rows
        values.withUnsafeMutableBufferPointer { a in
            other.values.withUnsafeBufferPointer { b in
                for i in 0..<a.count { a[i] -= b[i] }
            }
        }
    }

    /// An empty histogram, to swap with one that is taken out of where it was kept.
    static var none: HistogramPartial { HistogramPartial(featureCount: 0, binStride: 0) }

    /// Histogram of rows `rows` (sorted indices into `data`); `gradHess` interleaves each
    /// row's gradient and hessian. Picks the faster layout: row-wise when the rows are dense
    /// in `rowSpan` (a quarter or more), column-wise over gathered gradients when sparse.
    public static func build(_ data: BinnedData, binStride: Int, rows: UnsafeBufferPointer<UInt32>,
                             rowSpan: Int, gradHess: UnsafePointer<Double>) -> HistogramPartial {
        rows.count * 4 >= rowSpan
            ? build(data, binStride: binStride, rows: rows, gradHess: gradHess)
            : buildByColumn(data, binStride: binStride, rows: rows, gradHess: gradHess)
    }

    /// Column-wise: gathers the rows' (g, h) once, then fills one feature's histogram
    /// (≤ 4 KB, L1-resident) at a time.
    public static func buildByColumn(_ data: BinnedData, binStride: Int, rows: UnsafeBufferPointer<UInt32>,
                                     gradHess: UnsafePointer<Double>) -> HistogramPartial {
        var h = HistogramPartial(featureCount: data.featureCount, binStride: binStride)
        h.rows = rows.count
        let m = rows.count, n = data.rowCount
        let ordered = UnsafeMutablePointer<Double>.allocate(capacity: max(2 * m, 1))
        defer { ordered.deallocate() }
        for i in 0..<m {
            let r = Int(rows[i])
            ordered[2 &* i] = gradHess[2 &* r]
            ordered[2 &* i &+ 1] = gradHess[2 &* r &+ 1]
        }
        data.binsByColumn.withUnsafeBufferPointer { bins in
            h.values.withUnsafeMutableBufferPointer { hv in
                for f in 0..<data.featureCount {
                    let col = bins.baseAddress! + f &* n
                    let hist = hv.baseAddress! + f &* binStride &* 2
                    for i in 0..<m {
                        let k = Int(col[Int(rows[i])]) &* 2
                        hist[k] += ordered[2 &* i]
                        hist[k &+ 1] += ordered[2 &* i &+ 1]
                    }
                }
            }
        }
        return h
    }

    /// Row-wise: one pass over the rows, updating every feature's histogram.
    public static func build(_ data: BinnedData, binStride: Int, rows: UnsafeBufferPointer<UInt32>,
                             gradHess: UnsafePointer<Double>) -> HistogramPartial {
        var h = HistogramPartial(featureCount: data.featureCount, binStride: binStride)
        h.rows = rows.count
        let f = data.featureCount
        data.bins.withUnsafeBufferPointer { bins in
            h.values.withUnsafeMutableBufferPointer { hv in
                let hist = hv.baseAddress!
                let b = bins.baseAddress!
                for r32 in rows {
                    let r = Int(r32)
                    let g = gradHess[2 &* r], hs = gradHess[2 &* r &+ 1]
                    let rowBins = b + r * f
                    var o = 0
                    for j in 0..<f {
                        let k = (o + Int(rowBins[j])) &* 2
                        hist[k] += g
                        hist[k + 1] += hs
                        o += binStride
                    }
                }
            }
        }
        return h
    }
}
