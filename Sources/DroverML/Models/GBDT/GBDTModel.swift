/// The loss a boosted model minimises.
public enum GBDTObjective: String, Codable, Sendable {
    /// Binary classification; raw scores are log-odds of class 1.
    case binaryLogLoss = "binary"
    /// Regression with squared error.
    case squaredError = "regression"
}

/// A trained gradient-boosted tree ensemble: raw score = initScore + Σ tree outputs
/// (the learning rate is already folded into the leaf values).
public struct GBDTModel: Codable, Sendable, Equatable {
    public var objective: GBDTObjective
    public var initScore: Double
    public var trees: [RegressionTree]

    public init(objective: GBDTObjective, initScore: Double, trees: [RegressionTree]) {
        self.objective = objective
        self.initScore = initScore
        self.trees = trees
    }

    /// Raw scores (log-odds or regression values) for every row of `x`.
    public func rawScores(_ x: FeatureMatrix, threads: Int = ParallelShards.defaultThreads) -> [Double] {
        let n = x.rowCount
        let out = SharedBuffer<Double>(repeating: initScore, count: n)
        let shards = Shard.partition(rowCount: n, count: threads)
        let trees = self.trees
        ParallelShards.forEach(shards.count, threads: threads) { s in
            x.values.withUnsafeBufferPointer { xv in
                guard let base = xv.baseAddress else { return }
                for r in shards[s].rows {
                    var z = out.pointer[r]
                    for t in trees { z += t.predict(base, row: r, rows: n) }
                    out.pointer[r] = z
                }
            }
        }
        return out.array
    }
}
