/// A pipeline as written in its YAML file (docs/pipelines.md), after syntax and semantic
/// checks: every step's type is known, every dependency exists, the steps form a DAG, every
/// dataset a step reads is declared and every gate names a metric the evaluation reports.
public struct PipelineSpec: Sendable, Equatable, Codable {
    /// The pipeline's name (`pipeline:`), shown in `drover runs list`.
    public var name: String
    /// The registry model this pipeline trains and promotes (`model:`).
    public var model: String
    /// Datasets by the name used in steps (`datasets:`).
    public var datasets: [String: DatasetUse]
    /// Run parameters (`params:`): every step sees them, a step's own `params:` win.
    public var params: [String: String]
    /// Row shards per sharded step (`shards:`, default 2).
    public var shards: Int
    /// Whether unchanged steps are served from earlier runs (`cache:`, default true).
    public var cache: Bool
    /// Steps in file order.
    public var steps: [StepSpec]
    /// What starts a run without a person (`trigger:`; `drover ingest`, the coordinator's clock).
    public var trigger: TriggerPolicy?
    /// Train on the last N spans of each `span: latest` dataset (`window: {last: N}`); the
    /// validate step still checks only the newest. nil = the newest span alone.
    public var window: Int?
    /// `warm_start:` of the train step (nil = none).
    public var warmStart: WarmStartPolicy?

    public init(name: String, model: String, datasets: [String: DatasetUse], params: [String: String] = [:],
                shards: Int = 2, cache: Bool = true, steps: [StepSpec]) {
        self.name = name
        self.model = model
        self.datasets = datasets
        self.params = params
        self.shards = shards
        self.cache = cache
        self.steps = steps
    }

    public func step(named name: String) -> StepSpec? { steps.first { $0.name == name } }
}

/// Which span of a dataset a pipeline reads.
public struct DatasetUse: Sendable, Equatable, Codable {
    public enum Span: Sendable, Equatable, Codable {
        case latest
        case number(Int)
    }

    public var dataset: String
    public var span: Span

    public init(dataset: String, span: Span = .latest) {
        self.dataset = dataset
        self.span = span
    }
}

/// The kinds of step a pipeline can use.
public enum StepType: String, Sendable, Equatable, Codable, CaseIterable {
    /// Statistics per row shard on workers, merged on the coordinator, then the schema check
    /// and drift against the training reference; a blocking anomaly stops the run.
    case validate
    /// Column transforms per row shard; the shards together are the features artifact.
    case features
    /// Fits a model on the features (or the span) and uploads it.
    case train
    /// Scores the candidate and the champion on the same holdout rows.
    case evaluate
    /// Checks the gates and moves `@champion` only when every check passes.
    case promote
}

/// One step of a pipeline.
public struct StepSpec: Sendable, Equatable, Codable {
    public var name: String
    public var type: StepType
    /// Steps that must finish first.
    public var needs: [String]
    /// The dataset this step reads (validate, features; train and evaluate read their input step's output).
    public var dataset: String?
    /// Step parameters (strings, as jobs carry them), on top of the pipeline's.
    public var params: [String: String]
    /// Promotion checks (promote steps only), with TFX Evaluator semantics (DroverCore/Promotion).
    public var gates: [MetricThreshold]
    /// What `promote` does when there is no champion yet.
    public var firstModel: FirstModelPolicy
    /// Line of the step in its file, for messages about the run.
    public var line: Int
    /// A program of the user's instead of the built-in executor (train steps; docs/commands.md):
    /// `{{ params.NAME }}` is replaced when the job is planned, `{{ inputs.NAME }}` on the worker.
    public var command: [String]?
    /// The command's working directory, relative to the worker's `--command-root` (default: the root).
    public var cwd: String?
    /// What a command step's job needs from its worker.
    public var resources = StepResources()
    /// Python modules imported once per worker by a warm interpreter that forks each job
    /// (`preload:`; command steps running `python SCRIPT` or `python -m MODULE`). Optional so
    /// that specs stored before it existed still decode.
    public var preload: [String]?
    /// Per-attempt time limit of the step's jobs, in milliseconds (0 = none).
    public var timeoutMs: Int64 = 0
    /// Trials over parameters; the best becomes the step's result.
    public var sweep: SweepSpec?
    /// Train steps: data-parallel training over this many row shards on the workers
    /// (`distributed: { shards: N }`); nil = one train job.
    public var distributedShards: Int?

    /// The promote step's gate as the verdict evaluator takes it.
    public var policy: PromotionPolicy { PromotionPolicy(thresholds: gates, firstModel: firstModel) }

    public init(name: String, type: StepType, needs: [String] = [], dataset: String? = nil, params: [String: String] = [:],
                gates: [MetricThreshold] = [], firstModel: FirstModelPolicy = .valueThresholdsOnly, line: Int = 0) {
        self.name = name
        self.type = type
        self.needs = needs
        self.dataset = dataset
        self.params = params
        self.gates = gates
        self.firstModel = firstModel
        self.line = line
    }
}

/// `resources:` of a command step.
public struct StepResources: Sendable, Equatable, Codable {
    /// CPUs for the command, fractions allowed (a cgroup CPU quota where the worker can, and a
    /// thread-count hint).
    public var cpus: Double?
    /// Memory limit in bytes (a cgroup `memory.max` where the worker can, else `RLIMIT_AS`).
    public var memoryBytes: Int64?
    /// Worker tags the job needs (`drover worker --tag python`).
    public var tags: [String] = []

    public init(cpus: Double? = nil, memoryBytes: Int64? = nil, tags: [String] = []) {
        self.cpus = cpus
        self.memoryBytes = memoryBytes
        self.tags = tags
    }
}
