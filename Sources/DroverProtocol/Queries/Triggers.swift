/// The trigger journal of online retraining over the client socket (docs/pipelines.md,
/// "Trigger decisions").

/// `triggers` → `[TriggerDecision]`: the trigger's decisions, newest first — one per ingested
/// span and per due instant of a schedule, fired or not, with the rule and the reason.
/// Body `{"model": "churn", "limit": 20}` (`model` may be omitted; `limit` is capped at 10,000).
public struct TriggersQuery: CoordinatorQuery, Equatable {
    public typealias Reply = [TriggerDecision]
    public static let name = "triggers"
    public var model: String?
    public var limit: Int
    public init(model: String? = nil, limit: Int = 20) {
        self.model = model
        self.limit = limit
    }
}

/// One decision of a model's trigger, as the coordinator journaled it (durably, before it told
/// anyone), so that a restarted coordinator neither forgets nor repeats it.
public struct TriggerDecision: Codable, Sendable, Equatable {
    /// Position in the journal: later decisions have larger numbers.
    public var seq: Int
    /// When it was decided (ms since the epoch, UTC; the time the trigger's rules used).
    public var atMs: Int64
    public var model: String
    public var pipeline: String
    /// What was decided on: `span` (an ingested span) or `schedule` (a due instant of `schedule:`).
    public var event: String
    /// `MODEL/span-N` for a span (the ingest's id), `MODEL/schedule@2026-12-01T03:00Z` for an instant.
    public var key: String
    /// `deciding` (journaled, not decided yet), then as `IngestInfo.state`: `started`, `queued`,
    /// `coalesced` (joined the waiting run) or `held` (no run).
    public var outcome: String
    /// The rule that fired (`span`, `drift`, `schedule`), nil when none did.
    public var rule: String?
    public var reason: String
    /// The spans decided on, e.g. `churn span 3`, or `churn spans 4–5` for a schedule.
    public var spans: [String]
    /// The run started, queued or joined.
    public var run: String?
    /// The run in progress a queued or coalesced run waits for.
    public var behind: String?
    public var drift: Double?
    /// True when the decision was journaled after a restart, from the run it had already stored.
    public var recovered: Bool?

    public init(seq: Int = 0, atMs: Int64, model: String, pipeline: String, event: String, key: String, outcome: String,
                rule: String? = nil, reason: String, spans: [String] = [], run: String? = nil, behind: String? = nil,
                drift: Double? = nil, recovered: Bool? = nil) {
        self.seq = seq
        self.atMs = atMs
        self.model = model
        self.pipeline = pipeline
        self.event = event
        self.key = key
        self.outcome = outcome
        self.rule = rule
        self.reason = reason
        self.spans = spans
        self.run = run
        self.behind = behind
        self.drift = drift
        self.recovered = recovered
    }

    public var isDecided: Bool { outcome != "deciding" }
}
