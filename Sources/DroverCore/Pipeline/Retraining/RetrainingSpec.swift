/// A pipeline's `trigger:` (docs/pipelines.md, "Online retraining"): what makes `drover ingest`
/// (a new span) or the coordinator's clock (a schedule) start a run.
public struct TriggerPolicy: Sendable, Equatable, Codable {
    /// Spans trigger at all (`on: span`, also implied by `drift_above`); `on: schedule` leaves
    /// spans to the schedule.
    public var onSpan: Bool
    /// A span triggers only when its drift against the training window is above this.
    public var driftAbove: Double?
    /// Cron schedule, UTC, evaluated by the coordinator.
    public var schedule: CronSchedule?

    public init(onSpan: Bool = true, driftAbove: Double? = nil, schedule: CronSchedule? = nil) {
        self.onSpan = onSpan
        self.driftAbove = driftAbove
        self.schedule = schedule
    }
}

/// `warm_start:` — where a retraining run's train step starts from.
public enum WarmStartPolicy: String, Sendable, Equatable, Codable, CaseIterable {
    /// The pipeline model's `@champion` (GBDT: continue boosting; linear/logistic: initial weights).
    case champion
    /// Train from scratch (the default).
    case none
}
