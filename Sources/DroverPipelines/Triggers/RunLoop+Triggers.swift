import DroverCore
import DroverProtocol
import Foundation
import Logging

/// Online retraining on the runner's thread: the trigger's decision on each ingested span and
/// on each due instant of a schedule, each journaled (`RunLoop+TriggerJournal`).
extension LoopState {
    /// The schedule is checked this often; cron has minute resolution.
    static let scheduleCheckInterval = Duration.seconds(5)

    mutating func serveIngests() {
        let requests = runner.shared.withLock { s -> [PendingIngest] in
            defer { s.ingestInbox = [] }
            return s.ingestInbox
        }
        for request in requests { decide(request) }
        if scheduleDue() { tickSchedules() }
    }

    /// Every 5 s; with a test clock (`DROVER_TEST_CLOCK`), whenever its time changed.
    mutating func scheduleDue() -> Bool {
        if runner.clock.file != nil {
            let now = runner.clock.nowMs()
            defer { lastTestClockMs = now }
            return now != lastTestClockMs
        }
        guard ContinuousClock.now - lastScheduleCheck > Self.scheduleCheckInterval else { return false }
        lastScheduleCheck = .now
        return true
    }

    mutating func decide(_ request: PendingIngest) {
        // Decided before a restart: its run was stored, and `recoverTriggers` journaled it.
        guard !runner.journal.isDecided(request.id) else { return }
        failpoint.before("trigger-decide")
        let now = runner.clock.nowMs()
        var info = runner.shared.withLock { $0.ingests[request.id] }
            ?? IngestInfo(id: request.id, model: request.model, pipeline: "", dataset: request.span.dataset, span: request.span.span,
                          artifact: request.span.digest, state: "deciding")
        defer { journalIngest(info, request: request, atMs: now) }
        // Journaled, then the coordinator stopped before committing it: nothing to train on.
        let registered = runner.shared.withLock { s in
            s.spans.datasets[request.span.dataset]?.contains { $0.span == request.span.span && $0.digest == request.span.digest } ?? false
        }
        guard registered else {
            (info.state, info.reason) = ("held", "span \(request.span.span) of \(request.span.dataset) was not registered: the coordinator stopped before committing it; ingest the file again")
            return
        }
        let spec: PipelineSpec
        do {
            spec = try PipelineSpecLoader.load(yaml: request.yaml, file: request.file)
        } catch {
            (info.state, info.reason) = ("held", "the pipeline no longer loads: \(error)")
            return
        }
        // The pipeline is registered (durably) before anything is decided on it.
        book.register(model: spec.model, file: request.file, yaml: request.yaml, nowMs: now)
        saveBook()
        guard request.isNew else {
            (info.state, info.reason) = ("held", "span \(request.span.span) of \(request.span.dataset) was registered before (the same bytes): nothing new to train on")
            return
        }
        guard let policy = spec.trigger else {
            (info.state, info.reason) = ("held", "pipeline \(spec.name) has no `trigger:`; the span is registered: start a run with `drover run \(request.file)`")
            return
        }
        var drift: RetrainingTrigger.DriftMeasure?
        if policy.onSpan, policy.driftAbove != nil {
            let all = runner.shared.withLock { $0.spans.datasets[request.span.dataset] ?? [] }
            let earlier = all.filter { $0.span < request.span.span }.suffix(spec.window ?? 1)
            do {
                drift = try driftMeter.measure(span: request.span, earlier: Array(earlier), store: runner.artifacts)
            } catch {
                (info.state, info.reason) = ("held", "the drift of span \(request.span.span) could not be measured: \(error)")
                return
            }
        }
        info.drift = drift?.value
        let state = book.models[spec.model]?.state ?? .init()
        let arrival = RetrainingTrigger.SpanArrival(dataset: request.span.dataset, span: request.span.span, drift: drift)
        let (decision, next) = RetrainingTrigger.decide(policy, event: .span(arrival), state: state, nowMs: now)
        book.models[spec.model]?.state = next
        info.reason = decision.reason
        guard let rule = decision.rule else {
            info.state = "held"
            return
        }
        info.rule = rule.rawValue
        let note = TriggerNote(rule: rule.rawValue, reason: decision.reason, ingest: request.id, decision: request.id, state: next)
        (info.state, info.run, info.behind) = fire(file: request.file, yaml: request.yaml, spec: spec, note: note)
    }

    /// Each registered pipeline with a schedule: when an instant came due, fire if spans are new,
    /// else hold; either way the decision is journaled.
    mutating func tickSchedules() {
        let now = runner.clock.nowMs()
        var changed = false
        for model in book.models.keys.sorted() {
            guard let entry = book.models[model],
                  let spec = try? PipelineSpecLoader.load(yaml: entry.yaml, file: entry.file),
                  let policy = spec.trigger, policy.schedule != nil,
                  let use = try? PipelineRunner.ingestDataset(spec, named: nil).1 else { continue }
            var state = entry.state
            state.latestSpan = runner.shared.withLock { $0.spans.datasets[use.dataset]?.last?.span }
            let (decision, next) = RetrainingTrigger.decide(policy, event: .tick, state: state, nowMs: now)
            book.models[model]?.state = next
            changed = changed || next.scheduleCheckedAtMs.map { $0 / 60_000 } != entry.state.scheduleCheckedAtMs.map { $0 / 60_000 }
            guard let due = decision.dueMs else { continue }
            let key = "\(model)/schedule@\(RetrainingTrigger.isoMinute(due))"
            guard !runner.journal.isDecided(key) else { continue }
            var record = TriggerDecision(atMs: now, model: model, pipeline: spec.name, event: "schedule", key: key, outcome: "held",
                                         rule: decision.rule?.rawValue, reason: decision.reason)
            if let rule = decision.rule {
                let first = (state.trainedThroughSpan ?? 0) + 1, last = next.trainedThroughSpan ?? first
                record.spans = [first == last ? "\(use.dataset) span \(last)" : "\(use.dataset) spans \(first)–\(last)"]
                let note = TriggerNote(rule: rule.rawValue, reason: decision.reason, ingest: nil, decision: key, state: next)
                (record.outcome, record.run, record.behind) = fire(file: entry.file, yaml: entry.yaml, spec: spec, note: note)
            }
            journal(record)
            logger.info("pipeline.schedule.decided", metadata: ["model": "\(model)", "key": "\(key)", "outcome": "\(record.outcome)",
                                                                "run.id": "\(record.run ?? "-")"])
            changed = false // journal() saved the book
        }
        if changed { saveBook() }
    }
}
