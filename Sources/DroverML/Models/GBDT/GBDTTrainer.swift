import Foundation

/// Histogram gradient boosting (LightGBM-style): features binned once into ≤ 255 bins,
/// leaf-wise trees grown from per-shard gradient/hessian histograms.
public struct GBDTTrainer: Sendable {
    public var trees = 100
    public var leaves = 31
    public var learningRate = 0.1
    public var maxBins = 255
    public var minDataInLeaf = 20
    public var l2 = 0.0
    public var shards = ParallelShards.defaultThreads
    public var threads = ParallelShards.defaultThreads
    /// Called after each tree with (trees done, trees total).
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init() {}

    /// Fits on `x` with targets `y` (0/1 for `.binaryLogLoss`). `initial` warm-starts: its
    /// trees are kept and `trees` more are added on top of its scores. `cancellation` is checked
    /// before each boosting round.
    public func fit(_ x: FeatureMatrix, targets y: [Double], objective: GBDTObjective,
                    initial: GBDTModel? = nil, cancellation: CancellationToken? = nil) throws(Cancelled) -> GBDTModel {
        let n = x.rowCount
        let data = BinnedData(x, maxBins: maxBins, threads: threads)
        let shardList = Shard.partition(rowCount: n, count: shards)
        var model: GBDTModel
        if let initial, initial.objective == objective {
            model = initial
        } else {
            let mean = n > 0 ? y.reduce(0, +) / Double(n) : 0
            let init0: Double
            switch objective {
            case .squaredError: init0 = mean
            case .binaryLogLoss:
                let p = min(max(mean, 1e-15), 1 - 1e-15)
                init0 = log(p / (1 - p))
            }
            model = GBDTModel(objective: objective, initScore: init0, trees: [])
        }
        let scores = SharedBuffer<Double>(model.trees.isEmpty
            ? [Double](repeating: model.initScore, count: n) : model.rawScores(x, threads: threads))
        let gradHess = SharedBuffer<Double>(repeating: 1, count: 2 * n)  // (g, h) per row
        let grower = TreeGrower(data: data, shards: shardList, maxLeaves: max(2, leaves),
                                finder: SplitFinder(lambda: l2, minDataInLeaf: max(1, minDataInLeaf)),
                                learningRate: learningRate, threads: threads)
        for t in 0..<trees {
            try cancellation?.check()
            ParallelShards.forEach(shardList.count, threads: grower.threads(for: n)) { s in
                y.withUnsafeBufferPointer { yv in
                    for r in shardList[s].rows {
                        let z = scores.pointer[r]
                        switch objective {
                        case .squaredError:
                            gradHess.pointer[2 * r] = z - yv[r]
                        case .binaryLogLoss:
                            let p = 1 / (1 + exp(-z))
                            gradHess.pointer[2 * r] = p - yv[r]
                            gradHess.pointer[2 * r + 1] = max(p * (1 - p), 1e-16)
                        }
                    }
                }
            }
            model.trees.append(grower.grow(gradHess: gradHess, scores: scores))
            progress?(t + 1, trees)
        }
        return model
    }
}
