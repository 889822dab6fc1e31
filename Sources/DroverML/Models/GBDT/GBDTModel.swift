/// The loss a boosted model minimises.
public enum GBDTObjective: String, Codable, Sendable {
    /// Binary classification; raw scores are log-odds of class 1.
    case binaryLogLoss = "binary"
    /// Regression with squared error.
    case squaredError = "regression"
    /// K-class classification with softmax: one tree per class per round (LightGBM `multiclass`).
    case multiclass
}

/// A trained gradient-boosted tree ensemble: raw score = initScore + Σ tree outputs
/// (the learning rate is already folded into the leaf values). Multiclass models keep one raw
/// score per class: `initScores[c]` plus the trees c, c + K, c + 2K, … (rounds of K trees).
public struct GBDTModel: Codable, Sendable, Equatable {
    public var objective: GBDTObjective
    public var initScore: Double
    public var trees: [RegressionTree]
    /// Multiclass only: K and the per-class starting scores (log priors).
    public var classCount: Int?
    public var initScores: [Double]?

    public init(objective: GBDTObjective, initScore: Double, trees: [RegressionTree]) {
        self.objective = objective
        self.initScore = initScore
        self.trees = trees
    }

    public init(multiclassInitScores scores: [Double], trees: [RegressionTree]) {
        self.init(objective: .multiclass, initScore: 0, trees: trees)
        classCount = scores.count
        initScores = scores
    }

    /// Raw scores per row: one per row, or for multiclass K per row, class-major (class c of
    /// row r at c × n + r).
    public var outputs: Int { classCount ?? 1 }

    /// Complete boosting rounds (trees per round = `outputs`).
    public var rounds: Int { trees.count / outputs }

    /// Raw scores (log-odds, class scores or regression values) for every row of `x`.
    public func rawScores(_ x: FeatureMatrix, threads: Int = ParallelShards.defaultThreads) -> [Double] {
        let n = x.rowCount, k = outputs
        let starts = initScores ?? [initScore]
        let out = SharedBuffer<Double>(repeating: 0, count: n * k)
        let shards = Shard.partition(rowCount: n, count: threads)
        let trees = self.trees
        ParallelShards.forEach(shards.count, threads: threads) { s in
            x.values.withUnsafeBufferPointer { xv in
                guard let base = xv.baseAddress else { return }
                for r in shards[s].rows {
                    for c in 0..<k {
                        var z = starts[c]
                        for t in stride(from: c, to: trees.count, by: k) { z += trees[t].predict(base, row: r, rows: n) }
                        out.pointer[c * n + r] = z
                    }
                }
            }
        }
        return out.array
    }
}
