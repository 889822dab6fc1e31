import Foundation

/// Histogram gradient boosting (LightGBM-style): features binned once into ≤ 255 bins (plus a
/// missing bin), leaf-wise trees grown from per-shard gradient/hessian histograms.
public struct GBDTTrainer: Sendable {
    /// Boosting rounds (multiclass grows one tree per class per round).
    public var trees = 100
    public var leaves = 31
    public var learningRate = 0.1
    public var maxBins = 255
    public var minDataInLeaf = 20
    public var l2 = 0.0
    /// Features holding category codes (level indices, NaN = missing): split by category sets.
    public var categoricalFeatures: Set<Int> = []
    public var categorical = CategoricalSplitter()
    public var sampling = GBDTSampling()
    public var earlyStopping: GBDTEarlyStopping?
    public var shards = ParallelShards.defaultThreads
    public var threads = ParallelShards.defaultThreads
    /// Called after each round with (rounds done, rounds total).
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init() {}

    /// Fits on `x` with targets `y` (0/1 for `.binaryLogLoss`, class indices 0..<classCount for
    /// `.multiclass`). `initial` warm-starts: its trees are kept and `trees` more rounds are
    /// added on top of its scores. `cancellation` is checked before each boosting round.
    public func fit(_ x: FeatureMatrix, targets y: [Double], objective: GBDTObjective, classCount: Int = 2,
                    initial: GBDTModel? = nil, cancellation: CancellationToken? = nil) throws(Cancelled) -> GBDTModel {
        let (x, y, validation) = holdOut(x, y)
        let n = x.rowCount
        let k = objective == .multiclass ? max(classCount, 2) : 1
        let data = BinnedData(x, maxBins: maxBins, categorical: categoricalFeatures, threads: threads)
        let shardList = Shard.partition(rowCount: n, count: shards)
        var model: GBDTModel
        if let initial, initial.objective == objective, initial.outputs == k {
            model = initial
        } else {
            let start = GBDTLoss.initialScores(objective, targets: y, classCount: k)
            model = objective == .multiclass ? GBDTModel(multiclassInitScores: start, trees: [])
                : GBDTModel(objective: objective, initScore: start[0], trees: [])
        }
        let firstTree = model.trees.count
        let startScores = model.rawScores(x, threads: threads)
        let scores = (0..<k).map { c in SharedBuffer(Array(startScores[(c * n)..<((c + 1) * n)])) }
        let gradHess = (0..<k).map { _ in SharedBuffer<Double>(repeating: 1, count: 2 * n) }
        var finder = SplitFinder(lambda: l2, minDataInLeaf: max(1, minDataInLeaf))
        finder.categorical = categorical
        let grower = TreeGrower(data: data, shards: shardList, maxLeaves: max(2, leaves), finder: finder,
                                learningRate: learningRate, threads: threads)
        var validScores = validation.map { model.rawScores($0.x, threads: threads) } ?? []
        var tracker = earlyStopping.map { EarlyStoppingTracker(patience: max(1, $0.rounds)) }

        for round in 0..<trees {
            try cancellation?.check()
            ParallelShards.forEach(shardList.count, threads: grower.threads(for: n)) { s in
                y.withUnsafeBufferPointer { yv in
                    GBDTLoss.gradients(objective, targets: yv, rows: shardList[s].rows, scores: scores, gradHess: gradHess)
                }
            }
            let bag = sampling.bag(round: round, shards: shardList)
            for c in 0..<k {
                let allowed = sampling.features(tree: model.trees.count - firstTree, count: x.featureCount)
                let tree = grower.grow(gradHess: gradHess[c], scores: scores[c], bag: bag, allowed: allowed)
                if let bag { addOutOfBag(tree, x: x, bag: bag, shards: shardList, scores: scores[c]) }
                if let validation { add(tree, x: validation.x, to: &validScores, offset: c * validation.x.rowCount) }
                model.trees.append(tree)
            }
            progress?(round + 1, trees)
            if let validation, tracker!.record(GBDTLoss.loss(objective, scores: validScores, targets: validation.y),
                                                rounds: round + 1) {
                break
            }
        }
        if let tracker, tracker.bestRounds > 0 {
            model.trees.removeLast(model.trees.count - firstTree - tracker.bestRounds * k)
        }
        return model
    }

    /// Sets the validation rows aside when early stopping is on.
    private func holdOut(_ x: FeatureMatrix, _ y: [Double])
        -> (FeatureMatrix, [Double], (x: FeatureMatrix, y: [Double])?) {
        guard let earlyStopping else { return (x, y, nil) }
        let (train, held) = earlyStopping.split(rowCount: x.rowCount, seed: sampling.seed)
        guard !held.isEmpty && !train.isEmpty else { return (x, y, nil) }
        return (x.selecting(rows: train), train.map { y[$0] }, (x.selecting(rows: held), held.map { y[$0] }))
    }

    /// Adds the tree's output to the scores of the rows it was not grown on.
    private func addOutOfBag(_ tree: RegressionTree, x: FeatureMatrix, bag: [[UInt32]], shards: [Shard],
                             scores: SharedBuffer<Double>) {
        let n = x.rowCount
        ParallelShards.forEach(shards.count, threads: threads) { s in
            x.values.withUnsafeBufferPointer { xv in
                var next = 0
                for r in shards[s].rows {
                    if next < bag[s].count && Int(bag[s][next]) == r { next += 1; continue }
                    scores.pointer[r] += tree.predict(xv.baseAddress!, row: r, rows: n)
                }
            }
        }
    }

    private func add(_ tree: RegressionTree, x: FeatureMatrix, to scores: inout [Double], offset: Int) {
        x.values.withUnsafeBufferPointer { xv in
            guard let base = xv.baseAddress else { return }
            for r in 0..<x.rowCount { scores[offset + r] += tree.predict(base, row: r, rows: x.rowCount) }
        }
    }
}
