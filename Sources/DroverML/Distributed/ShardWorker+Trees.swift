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
    /// The tree whose leaves `leafRows` describe (its index in the model) and its splits applied.
    var growing = -1
    var splitsApplied = 0
    var leafRows: [Int: [UInt32]] = [:]

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
            (leafRows[node] ?? []).withUnsafeBufferPointer { rows in
                HistogramPartial.build(data, binStride: binStride, rows: rows, rowSpan: n, gradHess: gradHess[c].pointer)
            }
        }
        return .histograms(histograms)
    }

    /// Adds the request's finished trees with model index below `limit` that are not applied yet.
    private func apply(_ r: GrowRequest, before limit: Int) {
        let k = scores.count, n = x.rowCount
        for (i, tree) in r.trees.enumerated() where r.treesFrom + i == treesApplied && treesApplied < limit {
            let c = treesApplied % k
            x.values.withUnsafeBufferPointer { xv in
                guard let base = xv.baseAddress else { return }
                for row in 0..<n { scores[c].pointer[row] += tree.predict(base, row: row, rows: n) }
            }
            treesApplied += 1
        }
    }

    /// The root holds every row, or the round's bag (drawn by global row index, as one process does).
    private func startTree(round: Int) {
        let n = x.rowCount
        let global = Shard(rows: trainingOffset..<(trainingOffset + n))
        let rows = sampling.bag(round: round, shards: [global])?[0].map { $0 - UInt32(trainingOffset) }
            ?? (0..<n).map { UInt32($0) }
        leafRows = [0: rows]
        growing = treesApplied
        splitsApplied = 0
    }

    private func partition(_ s: SplitRecord) {
        let set = s.binSet
        var left: [UInt32] = [], right: [UInt32] = []
        data.binsByColumn.withUnsafeBufferPointer { b in
            let column = b.baseAddress! + s.feature * data.rowCount
            for r in leafRows[s.node] ?? [] {
                if set.contains(column[Int(r)]) { left.append(r) } else { right.append(r) }
            }
        }
        leafRows[s.node] = nil
        leafRows[s.left] = left
        leafRows[s.right] = right
    }
}
