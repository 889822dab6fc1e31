/// Pipeline runs over the client socket (docs/pipelines.md). The coordinator hands these to its
/// pipeline runner; a coordinator started without one answers `unknownCommand`.

/// `run.start` → `RunInfo`: start a run of a pipeline spec. The YAML travels in the body (the
/// file need not exist on the coordinator's machine); `file` is its name for error messages.
/// Body `{"file": "pipeline.yaml", "yaml": "…", "params": {"trees": "50"}}`.
public struct StartRun: CoordinatorCommand, Equatable {
    public typealias Reply = RunInfo
    public static let name = "run.start"
    public var file: String
    public var yaml: String
    /// Overrides of the spec's `params:` (`drover run --param NAME=VALUE`).
    public var params: [String: String]

    public init(file: String, yaml: String, params: [String: String] = [:]) {
        self.file = file
        self.yaml = yaml
        self.params = params
    }
}

/// `run` → `RunInfo`: one run with its steps. Body `{"id": "diamonds-price-3"}`.
/// With `revision` and `waitMs` (`{"id": "…", "revision": 7, "waitMs": 1000}`) the answer waits
/// until the run's revision differs from `revision` or `waitMs` passed, whichever is first:
/// `drover run --wait` follows a run without polling.
public struct RunQuery: CoordinatorQuery, Equatable {
    public typealias Reply = RunInfo
    public static let name = "run"
    public var id: String
    /// The revision the client last saw (`RunInfo.revision`).
    public var revision: Int?
    /// How long the coordinator may hold the answer while the run stays at `revision` (at most 60 s).
    public var waitMs: Int?

    public init(id: String, revision: Int? = nil, waitMs: Int? = nil) {
        self.id = id
        self.revision = revision
        self.waitMs = waitMs
    }

    /// Longest hold the coordinator grants.
    public static let maxWaitMs = 60_000
}

/// `runs` → `[RunInfo]` (steps omitted): newest first. Body `{"limit": 20}`.
public struct RunsQuery: CoordinatorQuery, Equatable {
    public typealias Reply = [RunInfo]
    public static let name = "runs"
    public var limit: Int
    public init(limit: Int = 20) { self.limit = limit }
}

/// A pipeline run as `drover run --wait` and `drover runs show` print it.
public struct RunInfo: Codable, Sendable, Equatable {
    public var id: String
    public var pipeline: String
    public var model: String
    /// `running`, or the outcome: `succeeded`, `promoted`, `rejected`, `blocked`, `failed`.
    public var state: String
    /// Exit code for `drover run --wait`: 0 promoted/succeeded, 3 rejected/blocked, 1 failed.
    public var exitCode: Int32?
    /// Why the run ended as it did, in one sentence.
    public var message: String?
    public var params: [String: String]
    /// Dataset name → `span N (sha256:…)` the run read.
    public var inputs: [String: String]
    /// The champion compared against, if any (`v3 sha256:…`).
    public var champion: String?
    /// The version registered by this run, if any.
    public var version: Int?
    public var startedAtMs: Int64
    public var endedAtMs: Int64?
    public var steps: [StepInfo]
    public var verdict: VerdictInfo?
    /// Grows by one each time the coordinator's view of the run changes (nil from a coordinator
    /// that does not count): `RunQuery.revision` waits for the next one.
    public var revision: Int?
    /// A run started by a trigger: `RULE: why` (docs/pipelines.md, "Online retraining").
    public var trigger: String?
    /// `window: {last: N}`: the spans trained on, per dataset (`churn spans 2–4`).
    public var window: [String]?
    /// `warm_start: champion`: what training started from (`champion: …`, or `cold: why`).
    public var warmStart: String?

    public init(id: String, pipeline: String, model: String, state: String, exitCode: Int32? = nil, message: String? = nil,
                params: [String: String] = [:], inputs: [String: String] = [:], champion: String? = nil, version: Int? = nil,
                startedAtMs: Int64, endedAtMs: Int64? = nil, steps: [StepInfo] = [], verdict: VerdictInfo? = nil, revision: Int? = nil,
                trigger: String? = nil, window: [String]? = nil, warmStart: String? = nil) {
        self.revision = revision
        self.trigger = trigger
        self.window = window
        self.warmStart = warmStart
        self.id = id
        self.pipeline = pipeline
        self.model = model
        self.state = state
        self.exitCode = exitCode
        self.message = message
        self.params = params
        self.inputs = inputs
        self.champion = champion
        self.version = version
        self.startedAtMs = startedAtMs
        self.endedAtMs = endedAtMs
        self.steps = steps
        self.verdict = verdict
    }

    public var isFinished: Bool { state != "running" }
}

public struct StepInfo: Codable, Sendable, Equatable {
    public var name: String
    public var type: String
    /// waiting, lookingUp, running, checking, deciding, succeeded, cached, blocked, failed, skipped.
    public var status: String
    public var jobs: Int
    public var jobsDone: Int
    /// Coordinator job ids of the step's jobs, by shard.
    public var jobIDs: [UInt64]
    public var outputs: [String: String]
    public var metrics: [String: Double]
    /// The run whose identical step was reused, and the cache key that matched.
    public var cachedFrom: String?
    public var cacheKey: String?
    public var anomalies: [String]?
    public var message: String?
    public var startedAtMs: Int64?
    public var endedAtMs: Int64?
    /// The steps this one waits for (the run's DAG).
    public var needs: [String]?

    public init(name: String, type: String, status: String, jobs: Int = 0, jobsDone: Int = 0, jobIDs: [UInt64] = [],
                outputs: [String: String] = [:], metrics: [String: Double] = [:], cachedFrom: String? = nil,
                cacheKey: String? = nil, anomalies: [String]? = nil, message: String? = nil,
                startedAtMs: Int64? = nil, endedAtMs: Int64? = nil, needs: [String]? = nil) {
        self.name = name
        self.type = type
        self.status = status
        self.jobs = jobs
        self.jobsDone = jobsDone
        self.jobIDs = jobIDs
        self.outputs = outputs
        self.metrics = metrics
        self.cachedFrom = cachedFrom
        self.cacheKey = cacheKey
        self.anomalies = anomalies
        self.message = message
        self.startedAtMs = startedAtMs
        self.endedAtMs = endedAtMs
        self.needs = needs
    }
}

/// A promote step's verdict (the wire form of DroverCore's `Verdict`): one row per check.
public struct VerdictInfo: Codable, Sendable, Equatable {
    public struct Check: Codable, Sendable, Equatable {
        public var metric: String
        /// `value`, `absolute_change` or `relative_change`.
        public var kind: String
        public var candidate: Double?
        /// The champion's value (change checks).
        public var baseline: Double?
        /// What was compared with the threshold: the value, the diff or the ratio.
        public var measured: Double?
        /// The threshold in words, e.g. `v ≤ 3000` or `d ≤ 0 (lower is better)`.
        public var threshold: String
        public var passed: Bool
        public var reason: String

        public init(metric: String, kind: String, candidate: Double?, baseline: Double?, measured: Double?, threshold: String,
                    passed: Bool, reason: String) {
            self.metric = metric
            self.kind = kind
            self.candidate = candidate
            self.baseline = baseline
            self.measured = measured
            self.threshold = threshold
            self.passed = passed
            self.reason = reason
        }
    }

    public var passed: Bool
    public var checks: [Check]
    /// No champion: the first-model policy decided.
    public var firstModel: Bool
    public var notes: [String]
    /// The verdict as a printed table (the same text `drover models show` prints).
    public var table: String

    public init(passed: Bool, checks: [Check], firstModel: Bool = false, notes: [String] = [], table: String = "") {
        self.passed = passed
        self.checks = checks
        self.firstModel = firstModel
        self.notes = notes
        self.table = table
    }
}

/// `dataset.add` → `SpanInfo`: register a CSV artifact (already uploaded to the coordinator's
/// artifact store) as the next span of a dataset. Adding the same artifact again returns its
/// existing span: nothing is overwritten. Body `{"dataset": "diamonds", "artifact": "sha256:…:SIZE"}`.
public struct AddSpan: CoordinatorCommand, Equatable {
    public typealias Reply = SpanInfo
    public static let name = "dataset.add"
    public var dataset: String
    public var artifact: String
    /// Data rows (lines after the header), counted by the client; recorded with the span.
    public var rows: Int64?
    public init(dataset: String, artifact: String, rows: Int64? = nil) {
        self.dataset = dataset
        self.artifact = artifact
        self.rows = rows
    }
}

public struct SpanInfo: Codable, Sendable, Equatable {
    public var dataset: String
    public var span: Int
    public var artifact: String
    public var size: Int64
    public init(dataset: String, span: Int, artifact: String, size: Int64) {
        self.dataset = dataset
        self.span = span
        self.artifact = artifact
        self.size = size
    }
}
