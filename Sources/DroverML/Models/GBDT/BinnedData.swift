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
        let n = x.rowCount, f = x.featureCount
        let maxBins = min(max(maxBins, 2), 256)
        let stride = max(1, (n + Self.sampleRows - 1) / Self.sampleRows)
        let features: [FeatureBins] = ParallelShards.map(f, threads: threads) { j in
            var sample: [Double] = []
            sample.reserveCapacity(n / stride + 1)
            var r = 0
            while r < n { sample.append(x.values[j * n + r]); r += stride }
            if categorical.contains(j) { return FeatureBins.fitCategorical(sample: sample, maxBins: maxBins) }
            let present = sample.filter { !$0.isNaN }
            return FeatureBins.fit(sortedSample: RadixSort.sorted(present), maxBins: maxBins,
                                   missing: present.count < sample.count)
        }
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
