/// Online retraining over the client socket (docs/pipelines.md, "Online retraining").

/// `dataset.ingest` → `IngestInfo`: register an uploaded CSV artifact as the next span of the
/// pipeline's dataset (as `dataset.add` does), then let the pipeline's `trigger:` decide whether
/// a run starts. The pipeline is given by its YAML (it becomes the model's registered pipeline,
/// whose schedule the coordinator then keeps) or by its model's name (the registered one).
/// The decision takes a moment (it may measure drift): the reply says `deciding`; ask `ingest`.
/// Body `{"model": "churn", "artifact": "sha256:…:SIZE", "rows": 5000}` or
/// `{"file": "pipeline.yaml", "yaml": "…", "artifact": "…"}`.
public struct Ingest: CoordinatorCommand, Equatable {
    public typealias Reply = IngestInfo
    public static let name = "dataset.ingest"
    /// The pipeline spec's name for messages, and its YAML; or nil to use `model`'s registered pipeline.
    public var file: String?
    public var yaml: String?
    public var model: String?
    /// The dataset name in the spec's `datasets:` (needed only when several read `span: latest`).
    public var dataset: String?
    public var artifact: String
    public var rows: Int64?
    /// A label recorded with the span (`drover ingest --span batch-2026-12-01`).
    public var label: String?

    public init(file: String? = nil, yaml: String? = nil, model: String? = nil, dataset: String? = nil,
                artifact: String, rows: Int64? = nil, label: String? = nil) {
        self.file = file
        self.yaml = yaml
        self.model = model
        self.dataset = dataset
        self.artifact = artifact
        self.rows = rows
        self.label = label
    }
}

/// `ingest` → `IngestInfo`: where an ingest stands. Body `{"id": "churn/span-3"}`.
public struct IngestQuery: CoordinatorQuery, Equatable {
    public typealias Reply = IngestInfo
    public static let name = "ingest"
    public var id: String
    public init(id: String) { self.id = id }
}

/// A span's arrival and the trigger's decision on it.
public struct IngestInfo: Codable, Sendable, Equatable {
    /// `MODEL/span-N`.
    public var id: String
    public var model: String
    public var pipeline: String
    public var dataset: String
    public var span: Int
    public var artifact: String
    /// `deciding`; then `started` (a run begins now), `queued` (a run waits for the model's
    /// run in progress), `coalesced` (joined the run already waiting), or `held` (no rule fired).
    public var state: String
    /// The rule that fired (`span`, `drift`, `schedule`), if any.
    public var rule: String?
    /// Why the trigger fired or did not, in one sentence.
    public var reason: String?
    /// The run started, queued or joined.
    public var run: String?
    /// The run in progress that a queued or coalesced run waits for.
    public var behind: String?
    /// The drift measured against the training window, if the policy asked for it.
    public var drift: Double?

    public init(id: String, model: String, pipeline: String, dataset: String, span: Int, artifact: String, state: String,
                rule: String? = nil, reason: String? = nil, run: String? = nil, behind: String? = nil, drift: Double? = nil) {
        self.id = id
        self.model = model
        self.pipeline = pipeline
        self.dataset = dataset
        self.span = span
        self.artifact = artifact
        self.state = state
        self.rule = rule
        self.reason = reason
        self.run = run
        self.behind = behind
        self.drift = drift
    }

    public var isDecided: Bool { state != "deciding" }
}
