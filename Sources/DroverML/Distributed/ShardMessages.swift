/// What the coordinator asks one data shard in data-parallel training, round by round
/// (docs/protocol.md, "Data-parallel training"). Every request is answered by one
/// `ShardReply`; a worker that replaces a lost one is brought up to date by the requests
/// themselves (see `GrowRequest.treesFrom`), so only its shard is re-read.
public enum ShardRequest: Codable, Sendable, Equatable {
    /// Row count and inferred column types of the shard.
    case describe
    /// Summaries of the shard's training rows for fitting the feature transform.
    case summarize(SummaryRequest)
    /// Σ x̃ and Σ (x̃ − mean)² per numeric column (linear models' standardisation).
    case moments(MomentsRequest)
    /// Apply the fitted transform and encode the targets.
    case prepare(PrepareRequest)
    /// Values of the training rows in the bin sample (GBDT).
    case sample(SampleRequest)
    /// Bin the features with the merged bins and set up boosting (GBDT).
    case bin(BinRequest)
    /// XᵀX, Xᵀy, column sums (linear, ridge).
    case gram
    /// Log loss and gradient at these weights (logistic).
    case gradient(LinearWeights)
    /// Gradient/hessian histograms of leaves of the tree being grown (GBDT).
    case grow(GrowRequest)
    /// Predictions for the shard's holdout rows.
    case holdout(ModelFile)

    /// Requests that leave state on the worker, replayed to a worker that took over a shard.
    var isSetUp: Bool {
        switch self {
        case .summarize, .prepare, .bin: true
        default: false
        }
    }
}

public enum ShardReply: Codable, Sendable, Equatable {
    case described(rows: Int, columns: [ColumnSpec])
    case summary(TransformSummary)
    case moments([Double])
    case prepared(PreparedShard)
    case sample([[Double]])
    case binned
    case gram(GramPartial)
    case gradient(GradientPartial)
    case histograms([HistogramPartial])
    /// The shard has applied fewer finished trees than the request assumed: resend from `have`.
    case needTrees(have: Int)
    case holdout(HoldoutPredictions)
    /// The worker lacks the set-up this request builds on (it replaced a lost one): send the
    /// shard's set-up requests again, then this one.
    case needSetUp
    /// The request could not be served (bad data in the shard, an unexpected request).
    case failed(String)
}

public struct SummaryRequest: Codable, Sendable, Equatable {
    /// Global index of the shard's first data row (holdout rows are chosen by global index).
    public var rowOffset: Int
    /// Column types agreed over all shards (a shard re-reads columns typed differently).
    public var columns: [ColumnSpec]
    public var label: String
    public var features: [String]
    public var holdoutModulo: Int?
}

public struct MomentsRequest: Codable, Sendable, Equatable {
    /// Per numeric feature column, in `features` order: the fill value and the mean.
    public var fills: [Double]
    public var means: [Double]
}

public struct PrepareRequest: Codable, Sendable, Equatable {
    public var transform: FeatureTransform
    public var label: LabelInfo
}

/// What a shard reports after preparing: the sums the starting scores come from.
public struct PreparedShard: Codable, Sendable, Equatable {
    public var rows: Int
    public var targetSum: Double
    /// Rows per class (classification).
    public var classCounts: [Int]
}

public struct SampleRequest: Codable, Sendable, Equatable {
    /// Global index of the shard's first training row, and every `stride`-th training row.
    public var trainingOffset: Int
    public var stride: Int
    /// The coordinator reads the sample as raw doubles (REPLY 0x04). Coordinators from before
    /// that frame leave it out and get the sample as JSON: a worker that sent them 0x04 stalled
    /// the step, since they could not decode it.
    public var rawReply: Bool?

    public init(trainingOffset: Int, stride: Int, rawReply: Bool? = true) {
        self.trainingOffset = trainingOffset
        self.stride = stride
        self.rawReply = rawReply
    }
}

public struct BinRequest: Codable, Sendable, Equatable {
    public var bins: [FeatureBins]
    public var objective: GBDTObjective
    /// Starting raw score of each output (class).
    public var initScores: [Double]
    public var trainingOffset: Int
    public var baggingFraction: Double
    public var baggingFrequency: Int
    public var seed: UInt64
}

/// One split of the tree being grown, as the shards partition their rows.
public struct SplitRecord: Codable, Sendable, Equatable {
    public var node: Int
    public var left: Int
    public var right: Int
    public var feature: Int
    /// Bins that go left, as four 64-bit words (bins 0…255).
    public var leftBins: [UInt64]

    init(node: Int, left: Int, right: Int, feature: Int, bins: BinSet) {
        (self.node, self.left, self.right, self.feature) = (node, left, right, feature)
        leftBins = [bins.words.0, bins.words.1, bins.words.2, bins.words.3]
    }

    var binSet: BinSet {
        var set = BinSet()
        set.words = (leftBins[0], leftBins[1], leftBins[2], leftBins[3])
        return set
    }
}

/// Histograms for leaves of tree number `treesFrom + trees.count` (the tree being grown).
public struct GrowRequest: Codable, Sendable, Equatable {
    /// Boosting round (gradients are computed once per round, from the scores before it).
    public var round: Int
    /// Model index of the round's first tree.
    public var roundStart: Int
    /// Finished trees the shard may not have applied yet: trees `treesFrom…` of the model.
    public var treesFrom: Int
    public var trees: [RegressionTree]
    /// Every split of the tree being grown so far, in order.
    public var splits: [SplitRecord]
    /// Nodes (leaves) whose histograms to return.
    public var build: [Int]
    /// Per node of the last tree in `trees`, the `SplitRecord` node its rows were split into
    /// while it grew (leaves; −1 elsewhere): a shard that grew it adds the leaf outputs to those
    /// rows instead of predicting every row. Absent: predict.
    public var leafHandles: [Int]?
}

/// Holdout predictions of one shard, in row order.
public struct HoldoutPredictions: Codable, Sendable, Equatable {
    public var targets: [Double]
    public var values: [Double]
    public var classes: [Int]
    public var probabilities: [Double]
}
