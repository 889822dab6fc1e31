import DroverProtocol

/// What a run reads, resolved by the shell when the run starts and stored with it, so a
/// resumed run sees exactly the same inputs.
public struct RunInputs: Sendable, Equatable, Codable {
    public var runID: String
    /// Per dataset name used in the spec: the span artifact it resolved to.
    public var spans: [String: SpanInput]
    /// The model's `@champion` when the run started, or nil for a first model.
    public var champion: ChampionInput?
    /// Version of the executors' code: part of every cache key.
    public var codeVersion: String
    /// `window: {last: N}`: per dataset name, the spans the run trains on, oldest first (the
    /// newest is `spans[name]`, the one validate checks). nil without a window.
    public var window: [String: [SpanInput]]?

    public init(runID: String, spans: [String: SpanInput], champion: ChampionInput?, codeVersion: String) {
        self.runID = runID
        self.spans = spans
        self.champion = champion
        self.codeVersion = codeVersion
    }
}

/// One span of a dataset: a CSV artifact.
public struct SpanInput: Sendable, Equatable, Codable {
    public var dataset: String
    public var span: Int
    /// `sha256:<hex>` of the CSV bytes.
    public var digest: String
    public var size: Int64
    /// Digest of the merged statistics of the champion's training span (drift reference), if any.
    public var referenceStatistics: String?

    public init(dataset: String, span: Int, digest: String, size: Int64, referenceStatistics: String? = nil) {
        self.dataset = dataset
        self.span = span
        self.digest = digest
        self.size = size
        self.referenceStatistics = referenceStatistics
    }
}

public struct ChampionInput: Sendable, Equatable, Codable {
    public var version: Int
    /// The champion's model artifact.
    public var digest: String
    /// The metrics registered with the champion: the baseline of a command step's candidate,
    /// which reports its own metrics instead of being scored by the built-in evaluate.
    public var metrics: [String: Double]?

    public init(version: Int, digest: String, metrics: [String: Double]? = nil) {
        self.version = version
        self.digest = digest
        self.metrics = metrics
    }
}

/// A job the planner wants on the cluster. `key` is unique within the run and becomes the
/// job's idempotency key (with the run id), so submitting again after a restart returns the
/// same job instead of running it twice.
public struct PlannedJob: Sendable, Equatable, Codable {
    public var key: String
    public var step: String
    public var shard: Int
    public var kind: String
    public var params: [String: String]
    /// Worker tags the job needs (a command step's `resources.tags`).
    public var tags: [String] = []
    /// Per-attempt limit (a step's `timeout:`), 0 = none.
    public var timeoutMs: Int64 = 0

    public init(key: String, step: String, shard: Int, kind: String, params: [String: String], tags: [String] = [], timeoutMs: Int64 = 0) {
        self.key = key
        self.step = step
        self.shard = shard
        self.kind = kind
        self.params = params
        self.tags = tags
        self.timeoutMs = timeoutMs
    }
}

/// What happened, as the planner learns it. The shell stores each event with the run; the
/// planner's state is a pure function of the spec, the inputs and these events.
public enum PlannerEvent: Sendable, Equatable, Codable {
    case jobSucceeded(key: String, metrics: [String: Double], outputs: [String: String])
    case jobFailed(key: String, message: String)
    /// Points of the ranking metric a running trial reported (its `$DROVER_METRICS` lines, streamed).
    case trialReported(key: String, points: [SweepRun.CurvePoint])
    /// The answer to `.lookUpCache`: the outputs of an earlier run with the same key, or nil.
    case cacheAnswered(step: String, hit: CachedStep?)
    /// The answer to `.checkStatistics`: merged statistics and the report of the checks.
    case statisticsChecked(step: String, report: ValidationOutcome)
    /// The answer to `.decide`: the shell registered the candidate as `version` and recorded the
    /// verdict (and the promotion, if it passed).
    case decisionRecorded(step: String, version: Int?)
    /// The answer to `.decide` when the verdict passed but `@champion` had moved since the run
    /// resolved it: the candidate is registered as `version` and not promoted (it was never
    /// compared with the new champion).
    case decisionSuperseded(step: String, version: Int, reason: String)
}

/// An earlier run's result for the same step inputs.
public struct CachedStep: Sendable, Equatable, Codable {
    public var runID: String
    public var outputs: [String: String]
    public var metrics: [String: Double]

    public init(runID: String, outputs: [String: String], metrics: [String: Double]) {
        self.runID = runID
        self.outputs = outputs
        self.metrics = metrics
    }
}

/// The result of a validate step's checks on the merged statistics.
public struct ValidationOutcome: Sendable, Equatable, Codable {
    public var rows: Int
    /// Digest of the merged statistics artifact.
    public var statistics: String
    /// Human-readable anomalies (`severity column: description`).
    public var anomalies: [String]
    /// Columns whose distribution drifted from the reference.
    public var drifted: [String]
    /// An error-severity anomaly or dataset drift: the run stops.
    public var blocking: Bool

    public init(rows: Int, statistics: String, anomalies: [String], drifted: [String], blocking: Bool) {
        self.rows = rows
        self.statistics = statistics
        self.anomalies = anomalies
        self.drifted = drifted
        self.blocking = blocking
    }
}

/// What the shell must do for the planner.
public enum PlannerAction: Sendable, Equatable {
    case submit([PlannedJob])
    /// Cancel these jobs (trials stopped early), through the coordinator's cancel path.
    case cancel(keys: [String])
    /// Look up `key` in the step cache; answer with `.cacheAnswered`.
    case lookUpCache(step: String, key: String)
    /// Merge the shards' statistics artifacts, check schema and drift; answer with `.statisticsChecked`.
    case checkStatistics(step: String, dataset: String, shardStatistics: [String])
    /// Register the model as a version, store the verdict and, if it passes, move `@champion`
    /// with it in one write — once per run: a repeat after a restart must find the earlier
    /// record. Answer with `.decisionRecorded` (the registered version).
    case decide(step: String, verdict: Verdict, model: String)
    /// Remember the step's result under its cache key.
    case storeCache(step: String, key: String, result: CachedStep)
    case finished(RunOutcome)
}

/// How a run ended. Exit codes: promoted/succeeded 0, rejected/blocked 3, failed 1.
public enum RunOutcome: String, Sendable, Equatable, Codable {
    case succeeded, promoted, rejected, blocked, failed

    public var exitCode: Int32 {
        switch self {
        case .succeeded, .promoted: 0
        case .rejected, .blocked: 3
        case .failed: 1
        }
    }
}

/// Where a step is.
public enum StepStatus: String, Sendable, Equatable, Codable {
    case waiting, lookingUp, running, checking, deciding, succeeded, cached, blocked, failed, skipped

    public var isFinal: Bool { [.succeeded, .cached, .blocked, .failed, .skipped].contains(self) }
}
