/// Grows one tree leaf-wise (always splitting the leaf with the largest gain, like LightGBM)
/// from gradient histograms merged across shards.
///
/// Each shard keeps its own row-index array, partitioned so every leaf owns one contiguous
/// segment per shard. A split partitions each shard's segment independently, builds the
/// smaller child's histogram per shard (merged in shard order) and derives the larger one by
/// subtraction from the parent.
struct TreeGrower: Sendable {
    var data: BinnedData
    var binStride: Int
    var shards: [Shard]
    var maxLeaves: Int
    var finder: SplitFinder
    var learningRate: Double
    var threads: Int

    struct Leaf {
        var node: Int
        var segments: [Range<Int>]  // per shard, into that shard's index array
        var hist: HistogramPartial
        var sumG: Double, sumH: Double
        var count: Int
        var lambda: Double  // of this leaf's output
        var split: SplitCandidate?
    }

    init(data: BinnedData, shards: [Shard], maxLeaves: Int, finder: SplitFinder,
         learningRate: Double, threads: Int) {
        self.data = data
        self.binStride = max(2, data.features.map(\.binCount).max() ?? 2)
        self.shards = shards
        self.maxLeaves = maxLeaves
        self.finder = finder
        self.learningRate = learningRate
        self.threads = threads
    }

    /// Below this many rows a step runs its shards on the calling thread: waking a second
    /// thread costs more than it saves (and the merged result is the same either way).
    static let minRowsPerParallelStep = 16_384

    func threads(for rows: Int) -> Int { rows < Self.minRowsPerParallelStep ? 1 : threads }

    /// Merged histogram of the given per-shard segments.
    func histogram(_ segments: [Range<Int>], indices: [SharedBuffer<UInt32>],
                   gradHess: SharedBuffer<Double>) -> HistogramPartial {
        let (data, stride) = (self.data, binStride)
        let rows = segments.reduce(0) { $0 + $1.count }
        return ParallelShards.map(shards.count, threads: threads(for: rows)) { s in
            let seg = segments[s]
            let rows = UnsafeBufferPointer(start: indices[s].pointer + seg.lowerBound, count: seg.count)
            return HistogramPartial.build(data, binStride: stride, rows: rows, rowSpan: indices[s].count,
                                          gradHess: gradHess.pointer)
        }.merged()!
    }

    /// Grows a tree from interleaved (gradient, hessian) pairs and adds its outputs to `scores`
    /// for every row it was grown on: each shard's rows, or only `bag[s]` (sorted row indices
    /// within shard s) when bagging. `allowed`: the features this tree may split on.
    func grow(gradHess: SharedBuffer<Double>, scores: SharedBuffer<Double>, bag: [[UInt32]]? = nil,
              allowed: [Bool]? = nil) -> RegressionTree {
        let indices: [SharedBuffer<UInt32>] = shards.indices.map { s in
            SharedBuffer(bag?[s] ?? shards[s].rows.map { UInt32($0) })
        }
        let scratch: [SharedBuffer<UInt32>] = indices.map { SharedBuffer(repeating: 0, count: $0.count) }
        let rootSegments = indices.map { 0..<$0.count }
        let rootCount = indices.reduce(0) { $0 + $1.count }
        let rootHist = histogram(rootSegments, indices: indices, gradHess: gradHess)
        var sumG = 0.0, sumH = 0.0
        for b in 0..<(data.featureCount > 0 ? binStride : 0) {
            sumG += rootHist.values[2 * b]
            sumH += rootHist.values[2 * b + 1]
        }
        if data.featureCount == 0 {
            for i in indices {
                for k in 0..<i.count {
                    let r = Int(i.pointer[k])
                    sumG += gradHess.pointer[2 * r]; sumH += gradHess.pointer[2 * r + 1]
                }
            }
        }
        var nodes = [RegressionTree.Node.leaf(0)]
        var categoryWords: [UInt32] = []
        var leaves = [Leaf(node: 0, segments: rootSegments, hist: rootHist, sumG: sumG, sumH: sumH,
                           count: rootCount, lambda: finder.lambda, split: nil)]
        leaves[0].split = finder.best(rootHist, features: data.features, sumG: sumG, sumH: sumH,
                                      count: rootCount, allowed: allowed)

        while leaves.count < maxLeaves {
            guard let bestIndex = Self.nextLeaf(leaves.map { $0.split?.gain }) else { break }
            let parent = leaves[bestIndex]
            let split = parent.split!
            // Partition each shard's segment: rows whose bin is in the split's set go left (stable order).
            let (f, leftBins) = (split.feature, split.leftBins)
            let data = self.data
            let leftCounts: [Int] = ParallelShards.map(shards.count, threads: threads(for: parent.count)) { s in
                data.partition(indices[s].pointer, parent.segments[s], scratch: scratch[s].pointer, feature: f, left: leftBins)
            }
            let leftSegs = (0..<shards.count).map { s in
                parent.segments[s].lowerBound..<(parent.segments[s].lowerBound + leftCounts[s])
            }
            let rightSegs = (0..<shards.count).map { s in
                (parent.segments[s].lowerBound + leftCounts[s])..<parent.segments[s].upperBound
            }
            let leftCount = leftCounts.reduce(0, +)
            let rightCount = parent.count - leftCount
            let leftSmaller = leftCount <= rightCount
            let small = histogram(leftSmaller ? leftSegs : rightSegs, indices: indices,
                                  gradHess: gradHess)
            let large = parent.hist.subtracting(small)
            let (lh, rh) = leftSmaller ? (small, large) : (large, small)

            let leftNode = nodes.count, rightNode = nodes.count + 1
            nodes[parent.node] = Self.node(split, bins: data.features[f], left: leftNode, right: rightNode,
                                           categoryWords: &categoryWords)
            nodes.append(.leaf(0))
            nodes.append(.leaf(0))
            var left = Leaf(node: leftNode, segments: leftSegs, hist: lh, sumG: split.leftG,
                            sumH: split.leftH, count: leftCount, lambda: split.lambda, split: nil)
            var right = Leaf(node: rightNode, segments: rightSegs, hist: rh, sumG: split.rightG,
                             sumH: split.rightH, count: rightCount, lambda: split.lambda, split: nil)
            if leaves.count + 1 < maxLeaves {
                left.split = finder.best(lh, features: data.features, sumG: left.sumG, sumH: left.sumH,
                                         count: leftCount, allowed: allowed)
                right.split = finder.best(rh, features: data.features, sumG: right.sumG, sumH: right.sumH,
                                          count: rightCount, allowed: allowed)
            }
            leaves[bestIndex] = left
            leaves.append(right)
        }

        // Leaf outputs −G/(H+λ)·η, added to the scores of the rows in each leaf.
        for leaf in leaves {
            nodes[leaf.node].value = -leaf.sumG / (leaf.sumH + leaf.lambda) * learningRate
        }
        let finalLeaves = leaves.map { (segments: $0.segments, value: nodes[$0.node].value) }
        ParallelShards.forEach(shards.count, threads: threads(for: data.rowCount)) { s in
            let idx = indices[s].pointer
            for leaf in finalLeaves {
                for k in leaf.segments[s] { scores.pointer[Int(idx[k])] += leaf.value }
            }
        }
        return RegressionTree(nodes: nodes, categoryWords: categoryWords)
    }

    /// The leaf to split next: the first with the largest positive gain (nil = none can split).
    static func nextLeaf(_ gains: [Double?]) -> Int? {
        var bestIndex: Int?, bestGain = 0.0
        for (i, gain) in gains.enumerated() {
            if let g = gain, g > bestGain { bestGain = g; bestIndex = i }
        }
        return bestIndex
    }

    /// The tree node of a split: a threshold (∞ when every value goes left and only missing
    /// goes right) and missing direction, or the left categories' codes as a bitset.
    static func node(_ split: SplitCandidate, bins: FeatureBins, left: Int, right: Int,
                     categoryWords: inout [UInt32]) -> RegressionTree.Node {
        guard let categories = bins.categories else {
            let threshold = split.bin < bins.upperBounds.count ? bins.upperBounds[split.bin] : .infinity
            return RegressionTree.Node(feature: split.feature, threshold: threshold, left: left, right: right,
                                       value: 0, missingLeft: split.missingLeft)
        }
        let codes = categories.indices.filter { split.leftBins.contains(UInt8($0)) }.map { categories[$0] }
        var words = [UInt32](repeating: 0, count: (codes.max() ?? 0) / 32 + 1)
        for c in codes { words[c / 32] |= 1 << UInt32(c % 32) }
        defer { categoryWords += words }
        return RegressionTree.Node(feature: split.feature, threshold: 0, left: left, right: right, value: 0,
                                   categoryStart: categoryWords.count, categoryCount: words.count)
    }
}
