/// A step's `sweep:` (docs/pipelines.md, "Sweeps"): the trials to run, how many at once, what
/// ranks them and when a trial is stopped early. Ray Tune's vocabulary: a trial is one set of
/// parameters; early stopping acts on the curve a trial reports while it runs.
public struct SweepSpec: Sendable, Equatable, Codable {
    public enum Method: String, Sendable, Equatable, Codable, CaseIterable {
        /// Every combination of the listed values, in order (`trials` ignored).
        case grid
        /// `trials` draws from the space with a seeded generator.
        case random
    }

    public var method: Method
    /// Parameters in file order.
    public var space: [SweepParameter]
    /// Random search: how many trials (grid: the product of the lists).
    public var trials: Int
    /// Trials running at the same time.
    public var maxParallel: Int
    public var seed: UInt64
    /// The metric that ranks trials and that early stopping watches.
    public var metric: String
    public var direction: MetricDirection
    public var earlyStopping: EarlyStopping?

    public init(method: Method, space: [SweepParameter], trials: Int = 1, maxParallel: Int = 4, seed: UInt64 = 0,
                metric: String, direction: MetricDirection, earlyStopping: EarlyStopping? = nil) {
        self.method = method
        self.space = space
        self.trials = trials
        self.maxParallel = maxParallel
        self.seed = seed
        self.metric = metric
        self.direction = direction
        self.earlyStopping = earlyStopping
    }
}

/// One swept parameter and where its values come from.
public struct SweepParameter: Sendable, Equatable, Codable {
    public enum Domain: Sendable, Equatable, Codable {
        /// Listed values (grid: each in turn; random: one at random).
        case choice([String])
        /// Uniform in [low, high).
        case uniform(Double, Double)
        /// log-uniform in [low, high), both > 0 (Ray's `loguniform`).
        case logUniform(Double, Double)
        /// A whole number in [low, high], both included.
        case integer(Int, Int)
    }

    public var name: String
    public var domain: Domain

    public init(name: String, domain: Domain) {
        self.name = name
        self.domain = domain
    }
}

/// When a running trial is stopped, from the points it reported so far (`step` is the time).
public enum EarlyStopping: Sendable, Equatable, Codable {
    /// Ray Tune's `ASHAScheduler` (one bracket): rungs at grace·rf^k up to max_t.
    case asha(gracePeriod: Int, reductionFactor: Int, maxT: Int)
    /// Ray Tune's `MedianStoppingRule` with `hard_stop`: time is the reported step.
    case median(gracePeriod: Int, minSamples: Int)

    /// Ray Tune ≥ 2 defaults (`max_t` 100, `grace_period` 1, `reduction_factor` 4).
    public static let ashaDefault = EarlyStopping.asha(gracePeriod: 1, reductionFactor: 4, maxT: 100)
    /// `min_samples_required` 3 as in Ray; the grace period counts steps here, not seconds.
    public static let medianDefault = EarlyStopping.median(gracePeriod: 1, minSamples: 3)

    public var name: String {
        switch self {
        case .asha: "asha"
        case .median: "median"
        }
    }
}
