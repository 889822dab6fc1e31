import Foundation

/// GBDT on shards held by workers: the coordinator fits the bins from the shards' samples,
/// then grows each tree leaf-wise as `TreeGrower` does — the workers build the gradient/hessian
/// histogram of the smaller child of each split on their rows, the coordinator merges them in
/// shard order, derives the sibling by subtraction and picks the next split. An exchange asks
/// for the next split and up to three likely later ones together (see `grow`), so a tree takes
/// little more than 1 + its depth exchanges instead of one per split.
struct DistributedBoosting {
    var trainer: GBDTTrainer
    var objective: GBDTObjective
    var classCount: Int
    let transport: ShardTransport
    var trainingOffsets: [Int]
    var rows: Int
    /// Σ targets and rows per class over all shards (the starting scores).
    var targets: (sum: Double, counts: [Int])
    /// The most splits one exchange asks for. Every part the tree may still take is a candidate,
    /// but early in a tree that is nearly all of them: with no bound an exchange returned 9
    /// histograms per shard on average (82 kB each for 20 features), most never used. With 4,
    /// a 31-leaf tree takes about 11 exchanges instead of 10.5 and the shards build a third as
    /// many histograms (`drover bench distributed`, 1M × 20: ×1.56 → ×1.11, median of 10 runs,
    /// against one process; docs/performance.md, session 25).
    static let splitsPerExchange = 4
    /// Finished trees each shard has applied (so a request sends only the ones it lacks).
    var known: [Int]
    /// The last tree grown here (its model index) and its nodes' handles (`GrowRequest.leafHandles`).
    var lastLeaves: (tree: Int, handles: [Int])?

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

    /// Rows the shards hold under one handle (`SplitRecord.node`): a leaf of the tree being
    /// grown, one of its split nodes, or a child of a split asked for ahead of the tree.
    private struct Part {
        var hist: HistogramPartial
        var sumG: Double, sumH: Double
        var lambda: Double
        /// The part it was split from (nil: the root).
        var parent: Int? = nil
        /// Its best split (nil: none), found when its histogram arrived.
        var split: SplitCandidate? = nil
        /// Its children's handles, once the shards have split it.
        var children: (left: Int, right: Int)? = nil
    }

    /// The tree being grown: its nodes, and the parts the shards have made so far.
    private struct Growing {
        var parts: [Int: Part] = [:]
        var splits: [SplitRecord] = []
        var nextHandle = 1
    }

    /// Merged histograms of `build` for the tree after `model.trees`, with `splits` applied.
    private mutating func histograms(round: Int, roundStart: Int, model: GBDTModel, splits: [SplitRecord], build: [Int]) throws -> [HistogramPartial] {
        var replies = [[HistogramPartial]?](repeating: nil, count: transport.shardCount)
        var open = Array(0..<transport.shardCount)
        while !open.isEmpty {
            let requests = open.map { s in
                let trees = Array(model.trees[known[s]...])
                let handles = lastLeaves.flatMap { !trees.isEmpty && $0.tree == model.trees.count - 1 ? $0.handles : nil }
                return (s, ShardRequest.grow(GrowRequest(round: round, roundStart: roundStart, treesFrom: known[s], trees: trees,
                                                         splits: splits, build: build, leafHandles: handles)))
            }
            let answers = try transport.exchange(requests)
            var again: [Int] = []
            for (s, reply) in zip(open, answers) {
                switch reply {
                case .histograms(let h) where h.count == build.count:
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
        // Merged in shard order as `merged()` does, into the first shard's histogram, taken out
        // of the reply so that adding into it copies nothing.
        return build.indices.map { i in
            var total = HistogramPartial.none
            swap(&total, &replies[0]![i])
            for s in 1..<replies.count { total.merge(replies[s]![i]) }
            return total
        }
    }

    /// Grows one tree leaf-wise in `TreeGrower`'s order (same splits, same node numbers), with
    /// fewer exchanges: a child's best split is known only once its histogram is, so a tree takes
    /// at least 1 + its depth exchanges, and this comes close. When the leaf to split next has not
    /// been split by the shards yet, the exchange also splits every other part with a split —
    /// current leaves and children of splits asked for earlier — best gain first, as many as the
    /// tree has splits left and `splitsPerExchange` allows. A split asked for that the tree never
    /// takes costs the shards its smaller child's histogram; the coordinator's choices only read
    /// the parts it takes.
    private mutating func grow(round: Int, roundStart: Int, model: GBDTModel, bins: [FeatureBins], finder: SplitFinder,
                               allowed: [Bool]?) throws -> RegressionTree {
        let binStride = max(2, bins.map(\.binCount).max() ?? 2)
        var tree = Growing()
        let rootHist = try histograms(round: round, roundStart: roundStart, model: model, splits: [], build: [0])[0]
        var sumG = 0.0, sumH = 0.0
        for b in 0..<binStride { sumG += rootHist.values[2 * b]; sumH += rootHist.values[2 * b + 1] }
        tree.parts[0] = Part(hist: rootHist, sumG: sumG, sumH: sumH, lambda: finder.lambda,
                             split: finder.best(rootHist, features: bins, sumG: sumG, sumH: sumH, count: rootHist.rows, allowed: allowed))
        var nodes = [RegressionTree.Node.leaf(0)]
        var categoryWords: [UInt32] = []
        var leaves: [(node: Int, handle: Int)] = [(0, 0)]
        let maxLeaves = max(2, trainer.leaves)
        while leaves.count < maxLeaves {
            guard let bestIndex = TreeGrower.nextLeaf(leaves.map { tree.parts[$0.handle]!.split?.gain }) else { break }
            let (parentNode, parentHandle) = leaves[bestIndex]
            if tree.parts[parentHandle]!.children == nil {
                try splitAhead(&tree, first: parentHandle, leaves: leaves.map(\.handle), count: maxLeaves - leaves.count,
                               round: round, roundStart: roundStart,
                               model: model, bins: bins, finder: finder, allowed: allowed)
            }
            let parent = tree.parts[parentHandle]!
            let split = parent.split!, children = parent.children!
            let leftNode = nodes.count, rightNode = nodes.count + 1
            nodes[parentNode] = TreeGrower.node(split, bins: bins[split.feature], left: leftNode, right: rightNode,
                                                categoryWords: &categoryWords)
            nodes.append(.leaf(0))
            nodes.append(.leaf(0))
            leaves[bestIndex] = (leftNode, children.left)
            leaves.append((rightNode, children.right))
        }
        var handles = [Int](repeating: -1, count: nodes.count)
        for (node, handle) in leaves {
            let part = tree.parts[handle]!
            nodes[node].value = -part.sumG / (part.sumH + part.lambda) * trainer.learningRate
            handles[node] = handle
        }
        lastLeaves = (model.trees.count, handles)
        return RegressionTree(nodes: nodes, categoryWords: categoryWords)
    }

    /// One exchange: the shards split `first` and up to min(`count`, `splitsPerExchange`) − 1
    /// other unsplit parts with a split that the tree can still take (best gain first; `count`:
    /// the splits it has left, `leaves`: its current leaves) and build each split's child with the
    /// smaller hessian sum (XGBoost's choice); the sibling is the parent minus it. Finds the
    /// children's best splits.
    private mutating func splitAhead(_ tree: inout Growing, first: Int, leaves: [Int], count: Int, round: Int, roundStart: Int,
                                     model: GBDTModel, bins: [FeatureBins], finder: SplitFinder, allowed: [Bool]?) throws {
        // A part the tree can still take: when `count` current leaves have a gain ≥ t, a part below t,
        // or under a split below t, or `count` or more splits below a leaf, never is.
        let gains = leaves.compactMap { tree.parts[$0]!.split?.gain }.sorted(by: >)
        let t = gains.count >= count ? gains[count - 1] : 0
        let current = Set(leaves)
        func reachable(_ h: Int) -> Bool {
            var (at, depth) = (h, 0)
            while true {
                guard let gain = tree.parts[at]!.split?.gain, gain >= t, depth < count else { return false }
                if current.contains(at) { return true }
                (at, depth) = (tree.parts[at]!.parent!, depth + 1)
            }
        }
        var others: [(handle: Int, gain: Double)] = []
        for (h, part) in tree.parts where h != first && part.children == nil {
            if let split = part.split, reachable(h) { others.append((h, split.gain)) }
        }
        others.sort { $0.gain != $1.gain ? $0.gain > $1.gain : $0.handle < $1.handle }
        let batch = [first] + others.prefix(max(0, min(Self.splitsPerExchange, count) - 1)).map { $0.handle }
        var build: [Int] = []
        for h in batch {
            let s = tree.parts[h]!.split!
            let children = (left: tree.nextHandle, right: tree.nextHandle + 1)
            tree.nextHandle += 2
            tree.parts[h]!.children = children
            tree.splits.append(SplitRecord(node: h, left: children.left, right: children.right, feature: s.feature, bins: s.leftBins))
            build.append(s.leftH <= s.rightH ? children.left : children.right)
        }
        let built = try histograms(round: round, roundStart: roundStart, model: model, splits: tree.splits, build: build)
        // The children, left and right of each split in turn; their best splits on this host's threads.
        var made: [(handle: Int, part: Part)] = []
        for (h, small) in zip(batch, built) {
            // The parent's histogram is not needed once it is split: its larger child is made from it in place.
            var large = HistogramPartial.none
            swap(&large, &tree.parts[h]!.hist)
            large.subtract(small)
            let parent = tree.parts[h]!
            let s = parent.split!, children = parent.children!
            let (lh, rh) = s.leftH <= s.rightH ? (small, large) : (large, small)
            made.append((children.left, Part(hist: lh, sumG: s.leftG, sumH: s.leftH, lambda: s.lambda, parent: h)))
            made.append((children.right, Part(hist: rh, sumG: s.rightG, sumH: s.rightH, lambda: s.lambda, parent: h)))
        }
        let parts = made.map(\.part)
        let found = ParallelShards.map(parts.count, threads: trainer.threads) { i in
            finder.best(parts[i].hist, features: bins, sumG: parts[i].sumG, sumH: parts[i].sumH, count: parts[i].hist.rows,
                        allowed: allowed)
        }
        for ((handle, part), split) in zip(made, found) {
            tree.parts[handle] = part
            tree.parts[handle]!.split = split
        }
    }
}
