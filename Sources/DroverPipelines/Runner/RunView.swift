import DroverCore
import DroverProtocol

/// A run as clients see it (`RunInfo`), from its record and its planner.
enum RunView {
    static func info(_ record: RunRecord, planner: PipelinePlanner) -> RunInfo {
        let spec = planner.spec
        let steps = spec.steps.compactMap { step -> StepInfo? in
            guard let s = planner.steps[step.name] else { return nil }
            return StepInfo(name: s.name, type: s.type.rawValue, status: s.status.rawValue, jobs: s.jobKeys.count,
                            jobsDone: s.shardsDone, jobIDs: s.jobKeys.compactMap { record.jobIDs[$0] },
                            outputs: s.outputs, metrics: s.metrics, cachedFrom: s.cachedFrom,
                            cacheKey: s.cachedFrom == nil ? nil : s.cacheKey,
                            anomalies: s.validation.map { $0.anomalies + $0.drifted.map { "drift: \($0)" } },
                            message: s.message, startedAtMs: s.startedAtMs, endedAtMs: s.endedAtMs, needs: step.needs)
        }
        // The run is finished for clients only once the runner has recorded its end (the
        // planner knows first): `drover runs` and `models` then already see all of it.
        let outcome = record.outcome
        let promote = planner.steps.values.first { $0.type == .promote }
        return RunInfo(
            id: record.id, pipeline: spec.name, model: spec.model, state: outcome?.rawValue ?? "running",
            exitCode: outcome?.exitCode, message: record.message ?? (outcome == nil ? nil : message(planner)),
            params: spec.params,
            inputs: record.inputs.spans.mapValues { "\($0.dataset) span \($0.span) (\($0.digest.prefix(19))…)" },
            champion: record.inputs.champion.map { "v\($0.version) (\($0.digest.prefix(19))…)" },
            version: promote?.outputs["version"].flatMap { Int($0) },
            startedAtMs: record.startedAtMs, endedAtMs: record.endedAtMs, steps: steps, verdict: promote?.verdict.map(VerdictInfo.init),
            trigger: record.trigger.map { "\($0.rule): \($0.reason)" }, window: windowText(record.inputs),
            warmStart: warmStart(record, planner: planner))
    }

    /// `churn spans 2–4` per windowed dataset.
    static func windowText(_ inputs: RunInputs) -> [String]? {
        guard let window = inputs.window, !window.isEmpty else { return nil }
        return window.keys.sorted().compactMap { name in
            guard let spans = window[name], let first = spans.first, let last = spans.last else { return nil }
            return "\(first.dataset) span\(spans.count == 1 ? "" : "s") \(first.span == last.span ? "\(first.span)" : "\(first.span)–\(last.span)")"
        }
    }

    /// What the train step started from: its job's account (`champion: …` or `cold: why`), or the plan.
    static func warmStart(_ record: RunRecord, planner: PipelinePlanner) -> String? {
        if let told = planner.steps.values.first(where: { $0.type == .train && $0.outputs["warm_start"] != nil })?.outputs["warm_start"] {
            return told
        }
        guard planner.spec.warmStart == .champion, record.resolved != false else { return nil }
        return record.inputs.champion.map { "champion v\($0.version) (pending: the train step has not reported)" }
            ?? "cold: no champion yet (the first model)"
    }

    /// Run params recording how the run was started and what it trains on.
    static func retraining(_ record: RunRecord, spec: PipelineSpec) -> [String: String] {
        var out: [String: String] = [:]
        if let t = record.trigger {
            out["trigger.rule"] = t.rule
            out["trigger.reason"] = t.reason
            if let ingest = t.ingest { out["trigger.ingest"] = ingest }
        }
        if let window = windowText(record.inputs) { out["window"] = window.joined(separator: "; ") }
        if spec.warmStart == .champion {
            if let champion = record.inputs.champion { out["warm_start.from"] = "champion v\(champion.version)" } else {
                out["warm_start"] = "cold: no champion yet (the first model)"
            }
        }
        return out
    }

    /// Why the run ended as it did.
    static func message(_ planner: PipelinePlanner) -> String {
        let steps = planner.spec.steps.compactMap { planner.steps[$0.name] }
        if let blocked = steps.first(where: { $0.status == .blocked }) { return "step \(blocked.name) \(blocked.message ?? "blocked")" }
        if let failed = steps.first(where: { $0.status == .failed }) { return "step \(failed.name) failed: \(failed.message ?? "")" }
        if let promote = steps.first(where: { $0.type == .promote }), let verdict = promote.verdict {
            let version = promote.outputs["version"].map { "version \($0)" } ?? "the candidate"
            if let superseded = promote.outputs["superseded"] { return "\(version) is registered without the alias: \(superseded)" }
            if verdict.passed { return "\(version) is @champion" }
            return "\(version) is registered without the alias; the gate failed: " + (verdict.failures + verdict.notes).joined(separator: "; ")
        }
        return "every step succeeded"
    }
}
