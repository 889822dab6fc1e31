import DroverProtocol
import ZeroMQ

/// The coordinator's window onto its pipeline runner (a separate service, composed by the CLI):
/// `run.start`, `run` and `runs` are answered here. Called on the coordinator's socket thread,
/// so each call must be quick — the runner checks and stores the request and returns; the
/// work happens on its own thread.
public protocol PipelineDesk: Sendable {
    /// Checks the spec, stores the run and queues it. Throws a refusal for bad input.
    func start(_ request: StartRun) throws(PipelineRefusal) -> RunInfo
    func run(id: String) -> RunInfo?
    func runs(limit: Int) -> [RunInfo]
    /// Registers an uploaded CSV artifact as the next span of a dataset.
    func addSpan(_ request: AddSpan) throws(PipelineRefusal) -> SpanInfo
    /// Registers the span, then queues the trigger's decision on it (docs/pipelines.md, "Online retraining").
    func ingest(_ request: Ingest) throws(PipelineRefusal) -> IngestInfo
    func ingest(id: String) -> IngestInfo?
    /// The trigger journal, newest first (docs/pipelines.md, "Trigger decisions").
    func triggerDecisions(model: String?, limit: Int) -> [TriggerDecision]
    /// Rung after a run's `RunInfo` changed (a new revision): the coordinator then answers the
    /// `run` queries it holds (`RunQuery.waitMs`). Nil: such queries wait for their deadline.
    var changes: Doorbell? { get }
}

extension PipelineDesk {
    public var changes: Doorbell? { nil }
}

/// Why a run was not started: the spec's error (with file, line and field) or a missing input.
public struct PipelineRefusal: Error, Sendable, CustomStringConvertible {
    public var code: ErrorCode
    public var message: String

    public init(code: ErrorCode = .badRequest, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}
