import Yams

/// Reading the online-retraining fields: `trigger:`, `window:` and `warm_start:`.
struct Retraining {
    var trigger: (TriggerPolicy, Node)?
    var window: (Int, Node)?
    var warmStart: (WarmStartPolicy, Node)?

    static let triggerFields = ["on", "drift_above", "schedule"]

    mutating func read(_ key: String, _ keyNode: Node, _ value: Node, _ reader: NodeReader) throws(PipelineSpecError) {
        switch key {
        case "trigger": trigger = (try Self.trigger(value, reader), keyNode)
        case "window":
            let fields = try reader.mapping(value, "window", allowed: ["last"])
            guard let last = fields.first else {
                throw reader.error(value, "window", "needs `last: N`: train on the last N spans, e.g. window: { last: 3 }")
            }
            window = (try reader.int(last.2, "window.last", range: 1...1000), keyNode)
        default:
            let text = try reader.scalar(value, "warm_start")
            guard let policy = WarmStartPolicy(rawValue: text) else {
                let names = WarmStartPolicy.allCases.map(\.rawValue)
                let hint = closest(to: text, in: names).map { "did you mean '\($0)'? " } ?? ""
                throw reader.error(value, "warm_start", "unknown warm start '\(text)'; \(hint)use \(allowedList(names))")
            }
            warmStart = (policy, keyNode)
        }
    }

    static func trigger(_ node: Node, _ reader: NodeReader) throws(PipelineSpecError) -> TriggerPolicy {
        var on: String?, drift: Double?, schedule: CronSchedule?
        for (key, _, v) in try reader.mapping(node, "trigger", allowed: triggerFields) {
            let field = "trigger.\(key)"
            switch key {
            case "on":
                let text = try reader.scalar(v, field)
                guard ["span", "schedule"].contains(text) else {
                    throw reader.error(v, field, "must be span (every new span is judged by the trigger) or schedule (spans wait for `schedule:`), got '\(text)'")
                }
                on = text
            case "drift_above":
                let value = try reader.number(v, field)
                guard value >= 0 else { throw reader.error(v, field, "must be ≥ 0, got \(value); drift is a distance (mean shift in σ, or PSI)") }
                drift = value
            default:
                let text = try reader.scalar(v, field)
                do {
                    schedule = try CronSchedule.parse(text)
                } catch {
                    throw reader.error(v, field, "'\(text)' is not a cron schedule: \(error.description) (5 fields, UTC: minute hour day-of-month month day-of-week)")
                }
            }
        }
        if on == nil, drift == nil, schedule == nil {
            throw reader.error(node, "trigger", "triggers nothing: give `on: span`, `drift_above: X` or `schedule: \"0 3 * * *\"`")
        }
        if on == "schedule", schedule == nil {
            throw reader.error(node, "trigger.on", "`on: schedule` needs `schedule: \"MIN HOUR DOM MON DOW\"` (UTC)")
        }
        if on == "schedule", drift != nil {
            throw reader.error(node, "trigger.drift_above", "judges new spans, but `on: schedule` leaves spans to the schedule: remove one")
        }
        // `drift_above` alone judges spans; a schedule alone leaves spans to the schedule.
        let onSpan = on.map { $0 == "span" } ?? (drift != nil)
        return TriggerPolicy(onSpan: onSpan, driftAbove: drift, schedule: schedule)
    }

    /// Checks against the whole pipeline: a window needs a `span: latest` dataset; a warm start
    /// needs the built-in, single-job trainer.
    func apply(to spec: inout PipelineSpec, _ reader: NodeReader) throws(PipelineSpecError) {
        spec.trigger = trigger?.0
        if let (last, node) = window {
            guard spec.datasets.values.contains(where: { $0.span == .latest }) else {
                throw reader.error(node, "window", "trains on the last N spans of a `span: latest` dataset, and every dataset here names a fixed span")
            }
            spec.window = last
        }
        if let (policy, node) = warmStart {
            if policy == .champion {
                for step in spec.steps where step.type == .train {
                    if step.command != nil {
                        throw reader.error(node, "warm_start", "applies to the built-in trainer; step '\(step.name)' runs a command, which can read the champion itself: remove warm_start")
                    }
                    if step.distributedShards != nil {
                        throw reader.error(node, "warm_start", "is not supported with a distributed train step ('\(step.name)') yet: remove `distributed:` or warm_start")
                    }
                }
                guard spec.steps.contains(where: { $0.type == .train }) else {
                    throw reader.error(node, "warm_start", "needs a train step")
                }
            }
            spec.warmStart = policy
        }
    }
}
