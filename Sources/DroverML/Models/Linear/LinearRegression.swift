/// Least squares with an unpenalised intercept and optional L2 (ridge) penalty, solved from
/// the normal equations: (XcᵀXc + αI)·w = Xcᵀyc on centred data, b = ȳ − x̄·w
/// (the same solution as sklearn's `Ridge(alpha: α)` / `LinearRegression`).
public struct LinearRegressionTrainer: Sendable {
    /// Ridge penalty α (0 = ordinary least squares).
    public var alpha: Double
    public var shards: Int
    public var threads: Int

    public init(alpha: Double = 0, shards: Int = ParallelShards.defaultThreads,
                threads: Int = ParallelShards.defaultThreads) {
        self.alpha = alpha
        self.shards = shards
        self.threads = threads
    }

    /// The merged normal-equation statistics over `shards`.
    public func statistics(_ x: FeatureMatrix, targets: [Double], shards list: [Shard]) -> GramPartial {
        ParallelShards.map(list.count, threads: threads) { i in
            GramPartial.compute(x, targets: targets, shard: list[i])
        }.merged()!
    }

    public func fit(_ x: FeatureMatrix, targets: [Double], spelling: OptionSpelling = .jobParameter) throws -> LinearWeights {
        BLAS.useSingleThread()
        let list = Shard.partition(rowCount: x.rowCount, count: shards)
        return try solve(statistics(x, targets: targets, shards: list), spelling: spelling)
    }

    /// Solves the normal equations from merged statistics (also the coordinator's step of
    /// data-parallel training).
    public func solve(_ s: GramPartial, spelling: OptionSpelling = .jobParameter) throws -> LinearWeights {
        let d = s.xsum.count
        guard s.rows > 0 else { throw ModelError(.trainingFailed, "no training rows") }
        let n = Double(s.rows)
        let mean = s.xsum.map { $0 / n }
        let ybar = s.ysum / n
        var a = s.xtx
        var b = s.xty
        var trace = 0.0
        for i in 0..<d {
            for j in 0..<d { a[i + j * d] -= n * mean[i] * mean[j] }
            b[i] -= n * mean[i] * ybar
            trace += a[i + i * d]
        }
        // OLS with collinear features (one-hot levels sum to the intercept) is singular; a
        // ridge of 1e-10 × the mean diagonal picks the near-minimum-norm solution like lstsq.
        let jitter = alpha > 0 ? alpha : 1e-10 * max(trace / Double(max(d, 1)), 1e-300)
        for i in 0..<d { a[i + i * d] += jitter }
        guard let w = d == 0 ? [] : Cholesky.solve(a, b, n: d) else {
            throw ModelError(.trainingFailed, "the normal equations are singular",
                             hint: "use \(spelling.setting("model", "ridge")), or exclude constant/duplicate columns")
        }
        var intercept = ybar
        for i in 0..<d { intercept -= mean[i] * w[i] }
        return LinearWeights(featureCount: d, outputs: 1, weights: w, intercepts: [intercept])
    }
}
