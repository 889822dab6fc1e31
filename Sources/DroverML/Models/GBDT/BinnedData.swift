/// Quantile bin boundaries of one feature: value v falls in the first bin b with
/// v ≤ upperBounds[b]; the last bin is open-ended (bin count = upperBounds.count + 1).
public struct FeatureBins: Codable, Sendable, Equatable {
    public var upperBounds: [Double]

    public var binCount: Int { upperBounds.count + 1 }

    @inlinable public func bin(_ v: Double) -> Int {
        var lo = 0, hi = upperBounds.count
        while lo < hi {
            let mid = (lo + hi) >> 1
            if v <= upperBounds[mid] { hi = mid } else { lo = mid + 1 }
        }
        return lo
    }

    /// Up to `maxBins` bins from a sorted sample: one per distinct value when few, else
    /// equal-frequency bins; boundaries sit midway between neighbouring distinct values.
    public static func fit(sortedSample s: [Double], maxBins: Int) -> FeatureBins {
        var distinct: [Double] = [], counts: [Int] = []
        for v in s {
            if let last = distinct.last, last == v { counts[counts.count - 1] += 1 } else {
                distinct.append(v); counts.append(1)
            }
        }
        guard distinct.count > 1 else { return FeatureBins(upperBounds: []) }
        var bounds: [Double] = []
        if distinct.count <= maxBins {
            for i in 0..<(distinct.count - 1) { bounds.append((distinct[i] + distinct[i + 1]) / 2) }
        } else {
            var remaining = s.count
            var binsLeft = maxBins
            var acc = 0
            for i in 0..<(distinct.count - 1) {
                acc += counts[i]
                let target = Double(remaining) / Double(binsLeft)
                if Double(acc) >= target || distinct.count - 1 - i < binsLeft {
                    bounds.append((distinct[i] + distinct[i + 1]) / 2)
                    remaining -= acc
                    acc = 0
                    binsLeft -= 1
                    if binsLeft == 1 { break }
                }
            }
        }
        return FeatureBins(upperBounds: bounds)
    }
}

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

    public init(_ x: FeatureMatrix, maxBins: Int, threads: Int = ParallelShards.defaultThreads) {
        let n = x.rowCount, f = x.featureCount
        let maxBins = min(max(maxBins, 2), 256)
        let stride = max(1, (n + Self.sampleRows - 1) / Self.sampleRows)
        let features: [FeatureBins] = ParallelShards.map(f, threads: threads) { j in
            var sample: [Double] = []
            sample.reserveCapacity(n / stride + 1)
            var r = 0
            while r < n { sample.append(x.values[j * n + r]); r += stride }
            return FeatureBins.fit(sortedSample: RadixSort.sorted(sample), maxBins: maxBins)
        }
        let out = SharedBuffer<UInt8>(repeating: 0, count: n * f)
        let byColumn = SharedBuffer<UInt8>(repeating: 0, count: n * f)
        let shards = Shard.partition(rowCount: n, count: threads)
        ParallelShards.forEach(shards.count, threads: threads) { s in
            x.values.withUnsafeBufferPointer { xv in
                for j in 0..<f {
                    let fb = features[j]
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
