/// The trigger decision of online retraining, a pure function: a pipeline's policy, what just
/// happened (a span arrived, or the clock ticked), what the model's trigger remembers, and now
/// → fire or not, which rule, and a sentence saying why; plus the remembered state to keep.
///
/// Rules (docs/pipelines.md, "Online retraining"):
/// - **span** — `on: span` without `drift_above`: every new span fires.
/// - **drift** — `drift_above: X`: a span fires when its drift against the training window is
///   above X; a span with nothing to compare with (the dataset's first) fires.
/// - **schedule** — `schedule:` cron, UTC: when a scheduled instant has passed since the last
///   check, fire if some span arrived after the last triggered run's window, else hold. Missed
///   instants (the coordinator was down) fire once, not once each (Airflow's `catchup=False`).
public enum RetrainingTrigger {
    public enum Event: Sendable, Equatable {
        case span(SpanArrival)
        /// The coordinator's periodic check of the schedule.
        case tick
    }

    public enum Rule: String, Sendable, Equatable, Codable {
        case span, drift, schedule
    }

    /// A new span and its drift against the training window (nil: no earlier span to compare).
    public struct SpanArrival: Sendable, Equatable {
        public var dataset: String
        public var span: Int
        public var drift: DriftMeasure?

        public init(dataset: String, span: Int, drift: DriftMeasure?) {
            self.dataset = dataset
            self.span = span
            self.drift = drift
        }
    }

    /// The largest per-column drift of a span against the window, and where it was found.
    public struct DriftMeasure: Sendable, Equatable, Codable {
        public var value: Double
        public var column: String
        /// `mean_shift_sd` (numbers: |Δmean| in reference standard deviations) or `psi` (categories).
        public var measure: String
        /// The window's spans, e.g. `spans 1–3` or `span 2`.
        public var window: String

        public init(value: Double, column: String, measure: String, window: String) {
            self.value = value
            self.column = column
            self.measure = measure
            self.window = window
        }
    }

    /// What the trigger remembers for one model, between decisions.
    public struct State: Sendable, Equatable, Codable {
        /// When the last triggered run started.
        public var lastRunAtMs: Int64?
        /// The newest span the last triggered run trained on (its window's end).
        public var trainedThroughSpan: Int?
        /// The newest span registered.
        public var latestSpan: Int?
        /// Up to when the schedule has been checked: instants at or before it are spent.
        public var scheduleCheckedAtMs: Int64?

        public init(lastRunAtMs: Int64? = nil, trainedThroughSpan: Int? = nil, latestSpan: Int? = nil, scheduleCheckedAtMs: Int64? = nil) {
            self.lastRunAtMs = lastRunAtMs
            self.trainedThroughSpan = trainedThroughSpan
            self.latestSpan = latestSpan
            self.scheduleCheckedAtMs = scheduleCheckedAtMs
        }
    }

    public struct Decision: Sendable, Equatable {
        /// The rule that fired, or nil when none did.
        public var rule: Rule?
        public var reason: String
        /// For a tick: the schedule's instant that came due (nil when none did: nothing decided).
        public var dueMs: Int64? = nil
        public var fire: Bool { rule != nil }
    }

    public static func decide(_ policy: TriggerPolicy, event: Event, state: State, nowMs: Int64) -> (Decision, State) {
        var next = state
        switch event {
        case .span(let arrival):
            next.latestSpan = max(state.latestSpan ?? 0, arrival.span)
            let decision = spanDecision(policy, arrival)
            if decision.fire {
                next.lastRunAtMs = nowMs
                next.trainedThroughSpan = next.latestSpan
            }
            return (decision, next)
        case .tick:
            guard let schedule = policy.schedule else { return (Decision(rule: nil, reason: "no schedule"), next) }
            let since = state.scheduleCheckedAtMs ?? nowMs
            next.scheduleCheckedAtMs = nowMs
            guard let due = schedule.next(afterMs: since), due <= nowMs else {
                return (Decision(rule: nil, reason: "schedule '\(schedule)' not due yet"), next)
            }
            let at = isoMinute(due)
            guard let latest = state.latestSpan, latest > (state.trainedThroughSpan ?? 0) else {
                let through = state.trainedThroughSpan.map { "span \($0)" } ?? "no span"
                return (Decision(rule: nil, reason: "schedule '\(schedule)' was due at \(at), but no span arrived since the last run (trained through \(through))",
                                 dueMs: due), next)
            }
            next.lastRunAtMs = nowMs
            next.trainedThroughSpan = latest
            let fresh = latest - (state.trainedThroughSpan ?? 0)
            return (Decision(rule: .schedule, reason: "schedule '\(schedule)' was due at \(at) and \(fresh) new span\(fresh == 1 ? "" : "s") arrived since the last run",
                             dueMs: due), next)
        }
    }

    static func spanDecision(_ policy: TriggerPolicy, _ arrival: SpanArrival) -> Decision {
        let span = "span \(arrival.span) of \(arrival.dataset)"
        guard policy.onSpan else {
            return Decision(rule: nil, reason: "\(span) is registered; spans do not trigger (on: schedule), the schedule '\(policy.schedule?.text ?? "")' will")
        }
        guard let threshold = policy.driftAbove else {
            return Decision(rule: .span, reason: "every new span triggers (on: span): \(span)")
        }
        guard let drift = arrival.drift else {
            return Decision(rule: .drift, reason: "\(span) has no earlier span to measure drift against: it trains the first model")
        }
        let measured = "drift \(format(drift.value)) (\(drift.column), \(drift.measure)) of \(span) against the training window (\(drift.window))"
        if drift.value > threshold {
            return Decision(rule: .drift, reason: "\(measured) is above drift_above \(format(threshold))")
        }
        return Decision(rule: nil, reason: "\(measured) is not above drift_above \(format(threshold)): no run")
    }

    static func format(_ v: Double) -> String {
        let rounded = (v * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int(rounded)) : "\(rounded)"
    }

    /// `2026-12-01T03:00Z`
    public static func isoMinute(_ ms: Int64) -> String {
        let minute = CronSchedule.floorDiv(ms, 60_000)
        let day = CronSchedule.floorDiv(minute, 1440)
        let (y, m, d) = CronSchedule.civil(day: day)
        let inDay = Int(minute - day * 1440)
        func two(_ v: Int) -> String { v < 10 ? "0\(v)" : "\(v)" }
        return "\(y)-\(two(m))-\(two(d))T\(two(inDay / 60)):\(two(inDay % 60))Z"
    }
}
