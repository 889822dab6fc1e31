import DroverCoordinator
import DroverCore
import DroverProtocol

/// `dataset.ingest` on the coordinator's socket thread: check the pipeline, register the span
/// (as `dataset.add`), queue the trigger's decision for the runner's thread and answer at once.
extension PipelineRunner {
    public func ingest(_ request: Ingest) throws(PipelineRefusal) -> IngestInfo {
        let (file, yaml) = try pipeline(for: request)
        let spec: PipelineSpec
        do {
            spec = try PipelineSpecLoader.load(yaml: yaml, file: file)
        } catch {
            throw PipelineRefusal(error.description)
        }
        let (name, use) = try Self.ingestDataset(spec, named: request.dataset)
        func pending(_ span: SpanInput, isNew: Bool) -> (IngestInfo, PendingIngest) {
            let id = "\(spec.model)/span-\(span.span)"
            return (IngestInfo(id: id, model: spec.model, pipeline: spec.name, dataset: use.dataset, span: span.span,
                               artifact: span.digest, state: "deciding"),
                    PendingIngest(id: id, model: spec.model, file: file, yaml: yaml, datasetName: name, span: span, isNew: isNew))
        }
        // A new span is journaled before it is committed (one fsync, on this thread, like the
        // commit): a coordinator killed after it decides the span when it restarts — or, killed
        // before the commit, says the span was not registered.
        var journaled: (IngestInfo, PendingIngest)?
        let (span, isNew) = try registerSpan(dataset: use.dataset, artifact: request.artifact, rows: request.rows,
                                             label: request.label) { span throws(PipelineRefusal) in
            let (info, queued) = pending(span, isNew: true)
            try journalDeciding(info, queued, spec: spec)
            journaled = (info, queued)
            failpoint.after("trigger-span-journaled")
        }
        let (info, queued) = journaled ?? pending(span, isNew: isNew)
        if journaled == nil {
            // The same bytes ingested again: the first decision stands.
            if let earlier = shared.withLock({ $0.ingests[info.id] }) { return earlier }
            try journalDeciding(info, queued, spec: spec)
        }
        shared.withLock { s in
            s.pipelines[spec.model] = (file, yaml)
            s.ingests[info.id] = info
            s.ingestInbox.append(queued)
        }
        wake.ring()
        return info
    }

    /// Journals a span as `deciding`, with all it takes to decide it after a restart.
    func journalDeciding(_ info: IngestInfo, _ queued: PendingIngest, spec: PipelineSpec) throws(PipelineRefusal) {
        do {
            try journal.append(TriggerJournalLine(
                decision: TriggerDecision(atMs: clock.nowMs(), model: spec.model, pipeline: spec.name, event: "span", key: info.id,
                                          outcome: info.state, reason: "span registered; the trigger decides",
                                          spans: ["\(queued.span.dataset) span \(queued.span.span)"]),
                ingest: info, pending: queued))
        } catch {
            throw PipelineRefusal(code: .internal, "the trigger cannot journal span \(queued.span.span) of \(queued.span.dataset): \(error)")
        }
    }

    public func triggerDecisions(model: String?, limit: Int) -> [TriggerDecision] {
        journal.recent(model: model, limit: limit)
    }

    public func ingest(id: String) -> IngestInfo? {
        shared.withLock { $0.ingests[id] }
    }

    /// The YAML sent with the request (it becomes the model's pipeline), or the model's registered one.
    func pipeline(for request: Ingest) throws(PipelineRefusal) -> (file: String, yaml: String) {
        if let yaml = request.yaml { return (request.file ?? "pipeline.yaml", yaml) }
        guard let model = request.model else {
            throw PipelineRefusal("give the pipeline's YAML or its model's name")
        }
        let (found, known) = shared.withLock { s in (s.pipelines[model], s.pipelines.keys.sorted()) }
        guard let found else {
            throw PipelineRefusal(code: .notFound, "model '\(model)' has no registered pipeline; ingest with the pipeline file once (`drover ingest PIPELINE.yaml FILE`), or `drover run` a pipeline with `trigger:`"
                + (known.isEmpty ? "" : " (registered: \(known.joined(separator: ", ")))"))
        }
        return found
    }

    /// The dataset a new span belongs to: the one given, or the only one the spec reads at `span: latest`.
    static func ingestDataset(_ spec: PipelineSpec, named: String?) throws(PipelineRefusal) -> (String, DatasetUse) {
        let latest = spec.datasets.filter { $0.value.span == .latest }.sorted { $0.key < $1.key }
        if let named {
            guard let use = spec.datasets[named] ?? latest.first(where: { $0.value.dataset == named })?.value else {
                throw PipelineRefusal("pipeline \(spec.name) reads no dataset '\(named)'; it reads \(spec.datasets.keys.sorted().joined(separator: ", "))")
            }
            guard use.span == .latest else {
                throw PipelineRefusal("pipeline \(spec.name) reads a fixed span of '\(named)'; a new span would never be read")
            }
            return (spec.datasets[named] == nil ? latest.first { $0.value.dataset == named }!.key : named, use)
        }
        guard latest.count == 1, let only = latest.first else {
            throw PipelineRefusal(latest.isEmpty
                ? "pipeline \(spec.name) reads no dataset at `span: latest`, so a new span would never be read"
                : "pipeline \(spec.name) reads several datasets at `span: latest` (\(latest.map(\.key).joined(separator: ", "))); say which with --dataset")
        }
        return (only.key, only.value)
    }
}
