import DroverCore
import DroverProtocol
import Foundation

/// The runs triggers start, and one promotion per model at a time (`ModelRunQueue`: a second
/// triggered run waits, a third is coalesced into the waiting one).
extension LoopState {
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
        failpoint.after("trigger-run-stored") // the run is stored, its decision not journaled yet
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
