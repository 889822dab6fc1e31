/// Everything `ModelTrainer.train` needs besides the data.
public struct TrainingOptions: Sendable {
    public var kind: ModelKind
    public var label: String
    public var exclude: [String] = []
    /// Hold out data row i when i % K == K − 1 (nil = train on everything, no holdout metrics).
    public var holdoutModulo: Int?
    public var seed: UInt64 = 0
    /// L2 penalty: logistic regression's 1/C, ridge's α (default 1), GBDT's leaf λ (default 0).
    public var l2: Double?
    public var maxIterations = 100
    public var tolerance = 1e-4
    public var trees = 100
    public var leaves = 31
    public var learningRate = 0.1
    public var maxBins = 255
    public var minDataInLeaf = 20
    /// GBDT loss; nil = from the label (two classes → binary, text classes → multiclass,
    /// numbers → regression).
    public var objective: GBDTObjective?
    /// GBDT row/column subsampling (`bagging_fraction`, `bagging_freq`, `feature_fraction`);
    /// training seeds it with `seed`.
    public var sampling = GBDTSampling()
    /// GBDT early stopping: stop after this many rounds without a lower validation loss (0 = off)
    /// on `validationFraction` of the training rows.
    public var earlyStoppingRounds = 0
    public var validationFraction = 0.1
    /// GBDT: split categorical columns by category sets (false = by their ordinal codes).
    public var categoricalSplits = true
    public var categorical = CategoricalSplitter()
    /// Row shards per learner step and the threads that work on them (default: one per core).
    public var shards = ParallelShards.defaultThreads
    public var threads = ParallelShards.defaultThreads
    /// How errors name options: `--trees` for `drover train`, `job parameter 'trees'` for a job.
    public var spelling = OptionSpelling.jobParameter
    /// An earlier model to continue from (same kind and inputs).
    public var warmStart: ModelFile?
    /// Called with (step, total) as training progresses (GBDT: trees).
    public var progress: (@Sendable (Int, Int) -> Void)?

    public init(kind: ModelKind, label: String) {
        self.kind = kind
        self.label = label
    }
}
