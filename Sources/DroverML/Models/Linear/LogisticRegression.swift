/// L2-regularised logistic regression (binary, or multinomial for K > 2 classes), trained
/// with L-BFGS on gradients merged from shard partials.
///
/// Objective (sklearn's parametrisation, C = 1 / l2): mean log loss + l2 / (2n) · ‖W‖²;
/// intercepts are not penalised.
public struct LogisticRegressionTrainer: Sendable {
    public var l2: Double
    public var maxIterations: Int
    public var tolerance: Double
    public var shards: Int
    public var threads: Int

    public init(l2: Double = 1.0, maxIterations: Int = 100, tolerance: Double = 1e-4,
                shards: Int = ParallelShards.defaultThreads, threads: Int = ParallelShards.defaultThreads) {
        self.l2 = l2
        self.maxIterations = maxIterations
        self.tolerance = tolerance
        self.shards = shards
        self.threads = threads
    }

    /// The merged data-term partial over `shards` (the single-node path of a distributed step).
    public func gradient(_ x: FeatureMatrix, labels: [Double], weights: LinearWeights,
                         shards list: [Shard]) -> GradientPartial {
        ParallelShards.map(list.count, threads: threads) { i in
            LogisticLoss.partial(x, labels: labels, weights: weights, shard: list[i])
        }.merged()!
    }

    /// Fits on `x` with class-index `labels` (0..<classCount). `initial` warm-starts from an
    /// earlier model of the same shape. `cancellation` is checked before each L-BFGS iteration.
    public func fit(_ x: FeatureMatrix, labels: [Double], classCount: Int, initial: LinearWeights? = nil,
                    cancellation: CancellationToken? = nil) throws(Cancelled) -> (LinearWeights, LBFGS.Result) {
        BLAS.useSingleThread()
        let list = Shard.partition(rowCount: x.rowCount, count: shards)
        return try fit(featureCount: x.featureCount, rows: x.rowCount, classCount: classCount, initial: initial,
                       cancellation: cancellation) { w in
            gradient(x, labels: labels, weights: w, shards: list)
        }
    }

    /// Fits from a data-term partial per evaluation (merged locally, or from the workers' shards
    /// in data-parallel training) over `rows` rows of `featureCount` features.
    public func fit(featureCount d: Int, rows: Int, classCount: Int, initial: LinearWeights? = nil,
                    cancellation: CancellationToken? = nil,
                    partial: (LinearWeights) -> GradientPartial) throws(Cancelled) -> (LinearWeights, LBFGS.Result) {
        let k = classCount <= 2 ? 1 : classCount
        let start = initial.flatMap { $0.featureCount == d && $0.outputs == k ? $0 : nil }
            ?? .zeros(featureCount: d, outputs: k)
        let n = Double(max(rows, 1))
        let l2 = self.l2
        var optimizer = LBFGS(maxIterations: maxIterations, gradientTolerance: tolerance)
        optimizer.memory = 10
        let result = try optimizer.minimize(start.flat, cancellation: cancellation) { flat in
            let p = partial(LinearWeights(flat: flat, featureCount: d, outputs: k))
            var value = p.loss
            var grad = p.gradient
            for j in 0..<(d * k) {
                value += 0.5 * l2 * flat[j] * flat[j]
                grad[j] += l2 * flat[j]
            }
            return (value / n, grad.map { $0 / n })
        }
        return (LinearWeights(flat: result.x, featureCount: d, outputs: k), result)
    }
}
