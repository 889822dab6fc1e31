import DroverCore
import DroverProtocol
import Foundation
import Logging

/// Online retraining on the runner's thread: the trigger's decision on each ingested span and
/// on the schedule's ticks, the runs they start, and one promotion per model at a time
/// (`ModelRunQueue`: a second triggered run waits, a third is coalesced into the waiting one).
extension LoopState {
    /// The schedule is checked this often; cron has minute resolution.
    static let scheduleCheckInterval = Duration.seconds(5)

    mutating func serveIngests() {
        let requests = runner.shared.withLock { s -> [IngestRequest] in
            defer { s.ingestInbox = [] }
            return s.ingestInbox
        }
        for request in requests { decide(request) }
        if ContinuousClock.now - lastScheduleCheck > Self.scheduleCheckInterval {
            lastScheduleCheck = .now
            tickSchedules()
        }
    }

    mutating func decide(_ request: IngestRequest) {
        let now = PipelineRunner.nowMs()
        var info = runner.shared.withLock { $0.ingests[request.id] }
            ?? IngestInfo(id: request.id, model: request.model, pipeline: "", dataset: request.span.dataset, span: request.span.span,
                          artifact: request.span.digest, state: "deciding")
        defer {
            runner.shared.withLock { $0.ingests[request.id] = info }
            logger.info("pipeline.ingest.decided", metadata: ["ingest": "\(request.id)", "state": "\(info.state)", "rule": "\(info.rule ?? "none")"])
        }
        let spec: PipelineSpec
        do {
            spec = try PipelineSpecLoader.load(yaml: request.yaml, file: request.file)
        } catch {
            (info.state, info.reason) = ("held", "the pipeline no longer loads: \(error)")
            return
        }
        book.register(model: spec.model, file: request.file, yaml: request.yaml, nowMs: now)
        defer { saveBook() }
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
        let started = fire(file: request.file, yaml: request.yaml, spec: spec,
                           note: TriggerNote(rule: rule.rawValue, reason: decision.reason, ingest: request.id))
        (info.state, info.run, info.behind) = started
    }

    /// Each registered pipeline with a schedule: fire when an instant passed and spans are new.
    mutating func tickSchedules() {
        let now = PipelineRunner.nowMs()
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
            guard let rule = decision.rule else { continue }
            let (state_, run, _) = fire(file: entry.file, yaml: entry.yaml, spec: spec,
                                        note: TriggerNote(rule: rule.rawValue, reason: decision.reason, ingest: nil))
            logger.info("pipeline.schedule.fired", metadata: ["model": "\(model)", "run.id": "\(run ?? "-")", "state": "\(state_)"])
            changed = true
        }
        if changed { saveBook() }
    }

    /// A trigger fired: a new run of the pipeline — begun now, queued behind the model's run in
    /// progress, or (when one already waits) no new run: the waiting one will read the newest spans.
    mutating func fire(file: String, yaml: String, spec: PipelineSpec, note: TriggerNote) -> (state: String, run: String?, behind: String?) {
        if let slot = queue.models[spec.model], let waiting = slot.waiting {
            return ("coalesced", waiting, slot.active)
        }
        let now = PipelineRunner.nowMs()
        let record: RunRecord? = runner.shared.withLock { s in
            var spans: [String: SpanInput] = [:]
            for (name, use) in spec.datasets { spans[name] = try? s.spans.span(use) }
            guard spans.count == spec.datasets.count else { return nil }
            let number = s.nextNumber
            let id = "\(spec.name)-\(number)"
            var record = RunRecord(id: id, number: number, file: file, yaml: yaml, overrides: [:],
                                   inputs: RunInputs(runID: id, spans: spans, champion: nil, codeVersion: runner.options.codeVersion),
                                   startedAtMs: now)
            record.resolved = false
            record.trigger = note
            s.nextNumber += 1
            s.publish(RunView.info(record, planner: PipelinePlanner(spec: spec, inputs: record.inputs)))
            s.order.append(id)
            return record
        }
        guard let record else { return ("held", nil, nil) }
        runner.changes?.ring()
        do {
            try JSONFiles.write(record, to: runner.runPath(record.id))
        } catch {
            logger.error("pipeline.run.unsaved", metadata: ["run.id": "\(record.id)", "error": "\(error)"])
        }
        logger.info("pipeline.run.triggered", metadata: ["run.id": "\(record.id)", "rule": "\(note.rule)"])
        switch admitAndBegin(record) {
        case .queued(let behind): return ("queued", record.id, behind)
        case .coalesced(let into, let behind): return ("coalesced", into, behind)
        case .start: return ("started", record.id, nil)
        }
    }

    /// Triggered runs take the model's slot or wait for it; other runs hold it while they run
    /// (and go ahead regardless: two manual runs are kept apart by the "champion moved" rule).
    @discardableResult
    mutating func admitAndBegin(_ record: RunRecord) -> ModelRunQueue.Admission {
        guard let model = try? record.spec().model else {
            begin(record)
            return .start
        }
        if queue.active(model: model) == record.id {
            begin(record)
            return .start
        }
        guard record.trigger != nil else {
            _ = queue.hold(record.id, model: model)
            begin(record)
            return .start
        }
        let admission = queue.admit(record.id, model: model)
        if case .queued(let behind) = admission {
            waitingRuns[record.id] = record
            setMessage(record.id, "waiting for run \(behind): one promotion of model \(model) at a time; it reads the newest spans when it begins")
        } else {
            begin(record)
        }
        return admission
    }

    /// A run ended: the model's waiting run, if any, begins.
    mutating func release(_ run: String, model: String) {
        guard let next = queue.finished(run, model: model), var record = waitingRuns.removeValue(forKey: next) else { return }
        // Its time starts now: it waited, it did not run.
        record.startedAtMs = PipelineRunner.nowMs()
        setMessage(next, nil)
        begin(record)
    }

    /// What clients see of a run not begun yet (its message), one revision further.
    func setMessage(_ run: String, _ message: String?) {
        runner.shared.withLock { s in
            guard var info = s.runs[run] else { return }
            info.message = message
            s.publish(info)
        }
        runner.changes?.ring()
    }

    func saveBook() {
        do {
            try book.save(directory: runner.directory)
        } catch {
            logger.error("pipeline.triggers.unsaved", metadata: ["error": "\(error)"])
        }
    }

    /// A triggered run reads the newest spans when it begins (it may have waited); a run with
    /// `window: {last: N}` trains on the last N spans up to the one it validates.
    func resolveSpans(_ record: inout RunRecord, spec: PipelineSpec) {
        let spans = runner.shared.withLock { $0.spans }
        if record.trigger != nil {
            for (name, use) in spec.datasets { if let span = try? spans.span(use) { record.inputs.spans[name] = span } }
        }
        guard let n = spec.window else { return }
        var window: [String: [SpanInput]] = [:]
        for (name, use) in spec.datasets where use.span == .latest {
            guard let newest = record.inputs.spans[name] else { continue }
            window[name] = Array((spans.datasets[use.dataset] ?? []).filter { $0.span <= newest.span }.suffix(n))
        }
        record.inputs.window = window
    }
}
