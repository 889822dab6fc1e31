import Foundation

/// GBDT on shards held by workers: the coordinator fits the bins from the shards' samples,
/// then grows each tree leaf-wise as `TreeGrower` does — the workers build the gradient/hessian
/// histogram of the smaller child of each split on their rows, the coordinator merges them in
/// shard order, derives the sibling by subtraction and picks the next split. One exchange per
/// split (plus one per tree for the root).
struct DistributedBoosting {
    var trainer: GBDTTrainer
    var objective: GBDTObjective
    var classCount: Int
    let transport: ShardTransport
    var trainingOffsets: [Int]
    var rows: Int
    /// Σ targets and rows per class over all shards (the starting scores).
    var targets: (sum: Double, counts: [Int])
    /// Finished trees each shard has applied (so a request sends only the ones it lacks).
    var known: [Int]

    init(trainer: GBDTTrainer, objective: GBDTObjective, classCount: Int, transport: ShardTransport,
         trainingOffsets: [Int], rows: Int, targets: (sum: Double, counts: [Int])) {
        self.targets = targets
        (self.trainer, self.objective, self.classCount) = (trainer, objective, classCount)
        (self.transport, self.trainingOffsets, self.rows) = (transport, trainingOffsets, rows)
        known = [Int](repeating: 0, count: transport.shardCount)
    }

    mutating func fit(initial: GBDTModel?, cancellation: CancellationToken?) throws -> GBDTModel {
        let k = objective == .multiclass ? max(classCount, 2) : 1
        let bins = try fitBins()
        var model: GBDTModel
        if let initial, initial.objective == objective, initial.outputs == k {
            model = initial
        } else {
            let start = Self.initialScores(objective, sum: targets.sum, counts: targets.counts, rows: rows, classes: k)
            model = objective == .multiclass ? GBDTModel(multiclassInitScores: start, trees: [])
                : GBDTModel(objective: objective, initScore: start[0], trees: [])
        }
        let s = trainer.sampling
        _ = try transport.exchange((0..<transport.shardCount).map { i in
            (i, .bin(BinRequest(bins: bins, objective: objective, initScores: model.initScores ?? [model.initScore],
                                trainingOffset: trainingOffsets[i], baggingFraction: s.baggingFraction,
                                baggingFrequency: s.baggingFrequency, seed: s.seed)))
        }).map { reply in if case .binned = reply {} else { throw unexpected(reply, "bin") } }
        var finder = SplitFinder(lambda: trainer.l2, minDataInLeaf: max(1, trainer.minDataInLeaf))
        finder.categorical = trainer.categorical
        let firstTree = model.trees.count
        for round in 0..<trainer.trees {
            try cancellation?.check()
            let roundStart = model.trees.count
            for _ in 0..<k {
                let allowed = s.features(tree: model.trees.count - firstTree, count: bins.count)
                let tree = try grow(round: round, roundStart: roundStart, model: model, bins: bins, finder: finder, allowed: allowed)
                model.trees.append(tree)
            }
            trainer.progress?(round + 1, trainer.trees)
        }
        return model
    }

    /// The single-process sample (every stride-th training row), gathered from the shards.
    private func fitBins() throws -> [FeatureBins] {
        let stride = BinnedData.sampleStride(rows: rows)
        let samples = try transport.exchange((0..<transport.shardCount).map { i in
            (i, .sample(SampleRequest(trainingOffset: trainingOffsets[i], stride: stride)))
        }).map { reply -> [[Double]] in
            guard case .sample(let v) = reply else { throw unexpected(reply, "sample") }
            return v
        }
        let features = samples.first?.count ?? 0
        let (maxBins, categorical) = (trainer.maxBins, trainer.categoricalFeatures)
        return ParallelShards.map(features, threads: trainer.threads) { j in
            BinnedData.fitBins(sample: samples.flatMap { $0[j] }, maxBins: maxBins, categorical: categorical.contains(j))
        }
    }


    static func initialScores(_ objective: GBDTObjective, sum: Double, counts: [Int], rows: Int, classes k: Int) -> [Double] {
        let n = Double(max(rows, 1))
        switch objective {
        case .squaredError: return [sum / n]
        case .binaryLogLoss:
            let p = min(max(sum / n, 1e-15), 1 - 1e-15)
            return [log(p / (1 - p))]
        case .multiclass:
            return (0..<k).map { c in log(max(Double(c < counts.count ? counts[c] : 0) / n, 1e-15)) }
        }
    }

    private struct Leaf {
        var node: Int
        var hist: HistogramPartial
        var sumG: Double, sumH: Double
        var count: Int
        var lambda: Double
        var split: SplitCandidate?
    }

    /// Merged histograms of `build` for the tree after `model.trees`, with `splits` applied.
    private mutating func histograms(round: Int, roundStart: Int, model: GBDTModel, splits: [SplitRecord], build: [Int]) throws -> [HistogramPartial] {
        var replies = [[HistogramPartial]?](repeating: nil, count: transport.shardCount)
        var open = Array(0..<transport.shardCount)
        while !open.isEmpty {
            let requests = open.map { s in
                (s, ShardRequest.grow(GrowRequest(round: round, roundStart: roundStart, treesFrom: known[s], trees: Array(model.trees[known[s]...]),
                                                  splits: splits, build: build)))
            }
            let answers = try transport.exchange(requests)
            var again: [Int] = []
            for (s, reply) in zip(open, answers) {
                switch reply {
                case .histograms(let h):
                    replies[s] = h
                    known[s] = model.trees.count
                case .needTrees(let have) where have < known[s]:
                    known[s] = have
                    again.append(s)
                default:
                    throw unexpected(reply, "grow")
                }
            }
            open = again
        }
        return build.indices.map { i in replies.map { $0![i] }.merged()! }
    }

    private mutating func grow(round: Int, roundStart: Int, model: GBDTModel, bins: [FeatureBins], finder: SplitFinder,
                               allowed: [Bool]?) throws -> RegressionTree {
        let binStride = max(2, bins.map(\.binCount).max() ?? 2)
        var splits: [SplitRecord] = []
        let rootHist = try histograms(round: round, roundStart: roundStart, model: model, splits: [], build: [0])[0]
        var sumG = 0.0, sumH = 0.0
        for b in 0..<binStride { sumG += rootHist.values[2 * b]; sumH += rootHist.values[2 * b + 1] }
        var nodes = [RegressionTree.Node.leaf(0)]
        var categoryWords: [UInt32] = []
        var leaves = [Leaf(node: 0, hist: rootHist, sumG: sumG, sumH: sumH, count: rootHist.rows,
                           lambda: finder.lambda, split: nil)]
        leaves[0].split = finder.best(rootHist, features: bins, sumG: sumG, sumH: sumH, count: rootHist.rows, allowed: allowed)
        let maxLeaves = max(2, trainer.leaves)
        while leaves.count < maxLeaves {
            guard let bestIndex = TreeGrower.nextLeaf(leaves.map { $0.split?.gain }) else { break }
            let parent = leaves[bestIndex]
            let split = parent.split!
            let leftNode = nodes.count, rightNode = nodes.count + 1
            splits.append(SplitRecord(node: parent.node, left: leftNode, right: rightNode, feature: split.feature,
                                      bins: split.leftBins))
            // Build the child with the smaller hessian sum (XGBoost's choice); the other is parent − it.
            let leftSmaller = split.leftH <= split.rightH
            let small = try histograms(round: round, roundStart: roundStart, model: model, splits: splits,
                                       build: [leftSmaller ? leftNode : rightNode])[0]
            let large = parent.hist.subtracting(small)
            let (lh, rh) = leftSmaller ? (small, large) : (large, small)
            nodes[parent.node] = TreeGrower.node(split, bins: bins[split.feature], left: leftNode, right: rightNode,
                                                 categoryWords: &categoryWords)
            nodes.append(.leaf(0))
            nodes.append(.leaf(0))
            var left = Leaf(node: leftNode, hist: lh, sumG: split.leftG, sumH: split.leftH, count: lh.rows,
                            lambda: split.lambda, split: nil)
            var right = Leaf(node: rightNode, hist: rh, sumG: split.rightG, sumH: split.rightH, count: rh.rows,
                             lambda: split.lambda, split: nil)
            if leaves.count + 1 < maxLeaves {
                left.split = finder.best(lh, features: bins, sumG: left.sumG, sumH: left.sumH, count: left.count, allowed: allowed)
                right.split = finder.best(rh, features: bins, sumG: right.sumG, sumH: right.sumH, count: right.count, allowed: allowed)
            }
            leaves[bestIndex] = left
            leaves.append(right)
        }
        for leaf in leaves { nodes[leaf.node].value = -leaf.sumG / (leaf.sumH + leaf.lambda) * trainer.learningRate }
        return RegressionTree(nodes: nodes, categoryWords: categoryWords)
    }
}
