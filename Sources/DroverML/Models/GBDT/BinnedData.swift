/// Features quantised to bin indices once before boosting, stored twice: `bins` row-major
/// (row r's F bins contiguous: one pass over a dense leaf updates all features) and
/// `binsByColumn` column-major (feature f's bins contiguous: for sparse leaves one feature's
/// histogram stays in L1 while its rows are visited). 2 × rows × features bytes.
public struct BinnedData: Sendable {
    public var rowCount: Int
    public var featureCount: Int
    public var features: [FeatureBins]
    public var bins: [UInt8]
    public var binsByColumn: [UInt8]

    /// Bin boundaries come from at most this many rows (LightGBM's bin_construct_sample_cnt).
    public static let sampleRows = 200_000

    /// `categorical`: indices of features holding category codes (NaN = missing), binned one
    /// bin per category for native categorical splits.
    public init(_ x: FeatureMatrix, maxBins: Int, categorical: Set<Int> = [],
                threads: Int = ParallelShards.defaultThreads) {
        let n = x.rowCount
        let stride = Self.sampleStride(rows: n)
        let features: [FeatureBins] = ParallelShards.map(x.featureCount, threads: threads) { j in
            var sample: [Double] = []
            sample.reserveCapacity(n / stride + 1)
            var r = 0
            while r < n { sample.append(x.values[j * n + r]); r += stride }
            return Self.fitBins(sample: sample, maxBins: maxBins, categorical: categorical.contains(j))
        }
        self.init(x, features: features, threads: threads)
    }

    /// Every `sampleStride`-th training row (from row 0) is in the bin sample.
    public static func sampleStride(rows n: Int) -> Int { max(1, (n + sampleRows - 1) / sampleRows) }

    /// One feature's bins from its sample of values (NaN = missing).
    public static func fitBins(sample: [Double], maxBins: Int, categorical: Bool) -> FeatureBins {
        let maxBins = min(max(maxBins, 2), 256)
        if categorical { return FeatureBins.fitCategorical(sample: sample, maxBins: maxBins) }
        let present = sample.filter { !$0.isNaN }
        return FeatureBins.fit(sortedSample: RadixSort.sorted(present), maxBins: maxBins,
                               missing: present.count < sample.count)
    }

    /// Bins `x` with bin boundaries fitted elsewhere (a data-parallel shard uses the bins the
    /// coordinator fitted on the sample of all shards).
    public init(_ x: FeatureMatrix, features: [FeatureBins], threads: Int = ParallelShards.defaultThreads) {
        let n = x.rowCount, f = x.featureCount
        let out = SharedBuffer<UInt8>(repeating: 0, count: n * f)
        let byColumn = SharedBuffer<UInt8>(repeating: 0, count: n * f)
        let shards = Shard.partition(rowCount: n, count: threads)
        ParallelShards.forEach(shards.count, threads: threads) { s in
            x.values.withUnsafeBufferPointer { xv in
                for j in 0..<f {
                    let fb = features[j]
                    if fb.isCategorical {
                        let table = fb.categoryBinTable(), other = UInt8(fb.valueBinCount)
                        for r in shards[s].rows {
                            let v = xv[j * n + r]
                            let b = v >= 0 && v < Double(table.count) ? table[Int(v)] : other  // NaN fails both
                            out.pointer[r * f + j] = b
                            byColumn.pointer[j * n + r] = b
                        }
                        continue
                    }
                    for r in shards[s].rows {
                        let b = UInt8(fb.bin(xv[j * n + r]))
                        out.pointer[r * f + j] = b
                        byColumn.pointer[j * n + r] = b
                    }
                }
            }
        }
        self.rowCount = n
        self.featureCount = f
        self.features = features
        self.bins = out.array
        self.binsByColumn = byColumn.array
    }
}
