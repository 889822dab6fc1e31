/// A shard's boosting state: its binned rows, raw scores and gradients, and the rows of each
/// leaf of the tree being grown. Finished trees reach it as part of the next request
/// (`GrowRequest.trees`); a fresh worker that took over the shard starts from the starting
/// scores and replays them, so it computes exactly what the lost one would have.
final class TreeState {
    let x: FeatureMatrix
    let y: [Double]
    let data: BinnedData
    let binStride: Int
    let objective: GBDTObjective
    let scores: [SharedBuffer<Double>]
    let gradHess: [SharedBuffer<Double>]
    let trainingOffset: Int
    var sampling = GBDTSampling()
    /// Finished trees added to `scores`.
    var treesApplied = 0
    var gradientRound = -1
    /// The tree whose leaves `segments` describe (its index in the model) and its splits applied.
    var growing = -1
    var splitsApplied = 0
    /// The rows of the tree being grown, partitioned so each leaf owns one segment (by handle,
    /// `SplitRecord.node`); `scratch` is the partition's buffer. Both live as long as the shard.
    let rows: SharedBuffer<UInt32>
    let scratch: SharedBuffer<UInt32>
    var segments: [Int: Range<Int>] = [:]
    /// Whether the tree being grown holds every row (no bagging).
    var growingAllRows = false

    init(x: FeatureMatrix, y: [Double], setup r: BinRequest) {
        self.x = x
        self.y = y
        data = BinnedData(x, features: r.bins, threads: 1)
        binStride = max(2, r.bins.map(\.binCount).max() ?? 2)
        objective = r.objective
        scores = r.initScores.map { SharedBuffer(repeating: $0, count: x.rowCount) }
        gradHess = r.initScores.map { _ in SharedBuffer(repeating: 1, count: 2 * x.rowCount) }
        trainingOffset = r.trainingOffset
        sampling.baggingFraction = r.baggingFraction
        sampling.baggingFrequency = r.baggingFrequency
        sampling.seed = r.seed
        rows = SharedBuffer(repeating: 0, count: x.rowCount)
        scratch = SharedBuffer(repeating: 0, count: x.rowCount)
    }

    func grow(_ r: GrowRequest) -> ShardReply {
        guard r.treesFrom <= treesApplied else { return .needTrees(have: treesApplied) }
        // Trees before the round, then the round's gradients (from the scores before it, as in
        // one process: a worker that joins mid-round must not see the round's first trees), then
        // the round's finished trees.
        apply(r, before: r.roundStart)
        if r.round != gradientRound {
            y.withUnsafeBufferPointer { yv in
                GBDTLoss.gradients(objective, targets: yv, rows: 0..<x.rowCount, scores: scores, gradHess: gradHess)
            }
            gradientRound = r.round
        }
        apply(r, before: .max)
        let c = treesApplied % scores.count, n = x.rowCount
        if growing != treesApplied || r.splits.count < splitsApplied { startTree(round: r.round) }
        for split in r.splits[splitsApplied...] { partition(split) }
        splitsApplied = r.splits.count
        let histograms = r.build.map { node in
            let segment = segments[node] ?? 0..<0
            return HistogramPartial.build(data, binStride: binStride,
                                          rows: UnsafeBufferPointer(start: rows.pointer + segment.lowerBound, count: segment.count),
                                          rowSpan: n, gradHess: gradHess[c].pointer)
        }
        return .histograms(histograms)
    }

    /// Adds the request's finished trees with model index below `limit` that are not applied yet:
    /// the tree this shard grew last from its leaves' segments (as one process does), others by
    /// predicting every row.
    private func apply(_ r: GrowRequest, before limit: Int) {
        let k = scores.count, n = x.rowCount
        for (i, tree) in r.trees.enumerated() where r.treesFrom + i == treesApplied && treesApplied < limit {
            let score = scores[treesApplied % k].pointer
            if treesApplied == growing, growingAllRows, i == r.trees.count - 1, let handles = r.leafHandles,
               handles.count == tree.nodes.count {
                for (node, handle) in zip(tree.nodes, handles) where node.feature < 0 {
                    for j in segments[handle] ?? 0..<0 { score[Int(rows.pointer[j])] += node.value }
                }
            } else {
                x.values.withUnsafeBufferPointer { xv in
                    guard let base = xv.baseAddress else { return }
                    for row in 0..<n { score[row] += tree.predict(base, row: row, rows: n) }
                }
            }
            treesApplied += 1
        }
    }

    /// The root holds every row, or the round's bag (drawn by global row index, as one process does).
    private func startTree(round: Int) {
        let n = x.rowCount
        let global = Shard(rows: trainingOffset..<(trainingOffset + n))
        if let bag = sampling.bag(round: round, shards: [global])?[0] {
            for (j, r) in bag.enumerated() { rows.pointer[j] = r - UInt32(trainingOffset) }
            segments = [0: 0..<bag.count]
            growingAllRows = false
        } else {
            for j in 0..<n { rows.pointer[j] = UInt32(j) }
            segments = [0: 0..<n]
            growingAllRows = true
        }
        growing = treesApplied
        splitsApplied = 0
    }

    /// Splits a leaf's segment in place, keeping row order: left rows first, then right ones.
    /// The leaf keeps its segment (the same rows, reordered): the coordinator may not take the split.
    private func partition(_ s: SplitRecord) {
        guard let segment = segments[s.node] else { return }
        let l = segment.lowerBound + data.partition(rows.pointer, segment, scratch: scratch.pointer, feature: s.feature, left: s.binSet)
        segments[s.left] = segment.lowerBound..<l
        segments[s.right] = l..<segment.upperBound
    }
}
