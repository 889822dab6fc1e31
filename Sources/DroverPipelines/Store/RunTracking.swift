import DroverCore
import DroverProtocol
import DroverStore

/// What the metadata store records about a run, computed from the planner's state (pure):
/// the run and its params, each step as it changes, and — when a step ends — its metrics, the
/// artifacts it wrote and the lineage edges of what it read and wrote. A step's row comes last
/// among its events: the writer commits in order, so a committed final step row means
/// everything before it is committed too (a resumed run re-records only steps not final there).
enum RunTracking {
    static func seconds(_ ms: Int64) -> Double { Double(ms) / 1000 }

    static func started(_ record: RunRecord, spec: PipelineSpec, codeVersion: String) -> [MetadataEvent] {
        var params = spec.params
        params["model"] = params["model"] ?? spec.model
        params["pipeline.model"] = spec.model
        params["pipeline.shards"] = String(spec.shards)
        for (name, span) in record.inputs.spans { params["input.\(name)"] = "\(span.dataset) span \(span.span)" }
        params["champion"] = record.inputs.champion.map { "v\($0.version)" } ?? "none"
        params.merge(RunView.retraining(record, spec: spec)) { _, new in new }
        return [.run(DroverStore.RunRecord(id: record.id, pipeline: spec.name, status: "running", startedAt: seconds(record.startedAtMs),
                                           codeVersion: codeVersion)),
                .params(runID: record.id, params)]
    }

    static func finished(_ record: RunRecord, spec: PipelineSpec, codeVersion: String) -> MetadataEvent {
        .run(DroverStore.RunRecord(id: record.id, pipeline: spec.name, status: record.outcome?.rawValue ?? "running",
                                   startedAt: seconds(record.startedAtMs), finishedAt: record.endedAtMs.map(seconds),
                                   codeVersion: codeVersion, message: record.message))
    }

    /// The events of a step that reached `s.status`.
    static func step(_ s: PipelinePlanner.StepState, planner: PipelinePlanner, run: String) -> [MetadataEvent] {
        let start = s.startedAtMs ?? s.endedAtMs ?? 0
        var out: [MetadataEvent] = []
        if s.status.isFinal, let end = s.endedAtMs {
            let at = seconds(end)
            let (reads, writes) = edges(s, planner: planner)
            for (ref, kind) in writes {
                out.append(.artifact(ArtifactRecord(digest: Artifacts.digest(ref), size: Artifacts.size(ref), kind: kind,
                                                    name: kind == "model" ? planner.spec.model : "\(run)/\(s.name)", createdAt: at)))
            }
            for ref in reads { out.append(.lineage(LineageEdge(runID: run, step: s.name, digest: Artifacts.digest(ref), direction: .read, at: at))) }
            for (ref, _) in writes { out.append(.lineage(LineageEdge(runID: run, step: s.name, digest: Artifacts.digest(ref), direction: .wrote, at: at))) }
            if s.type == .train, let warm = s.outputs["warm_start"] { out.append(.params(runID: run, ["warm_start": warm])) }
            let points = s.metrics.sorted { $0.key < $1.key }.map { MetricPoint(key: $0.key, value: $0.value, timestamp: at, source: s.name) }
            if !points.isEmpty { out.append(.metrics(runID: run, points)) }
        }
        let hit = s.cachedFrom.map { "same inputs, parameters and code as run \($0)" }
        let miss = s.cacheKey != nil ? "no earlier run had the same inputs, parameters and code" : nil
        out.append(.step(StepRecord(runID: run, name: s.name, kind: s.type.rawValue, status: s.status.rawValue,
                                    startedAt: seconds(start), finishedAt: s.status.isFinal ? s.endedAtMs.map(seconds) : nil,
                                    cacheHit: s.cachedFrom != nil, cacheKey: s.cacheKey, cacheReason: hit ?? miss,
                                    message: s.message)))
        return out
    }

    /// What an ended step read and wrote (references, and kinds for the writes). A step served
    /// from cache read and wrote nothing in this run — its producer is the earlier run — except
    /// validate, whose checks always run on the merged statistics.
    static func edges(_ s: PipelinePlanner.StepState, planner: PipelinePlanner) -> (reads: [String], writes: [(String, String)]) {
        guard s.status != .skipped else { return ([], []) }
        let cached = s.cachedFrom != nil
        var reads = s.dataInputs.flatMap(Artifacts.references)
        var writes: [(String, String)] = []
        switch s.type {
        case .validate:
            if !cached {
                for shard in s.shardOutputs.keys.sorted() { for r in Artifacts.references(s.shardOutputs[shard]?["statistics"] ?? "") { writes.append((r, "shard-statistics")) } }
            }
            for r in Artifacts.references(s.outputs["statistics"] ?? "") { writes.append((r, "statistics")) }
            return (reads, writes)
        case .features:
            writes = Artifacts.references(s.outputs["shards"] ?? "").map { ($0, "features") }
        case .train:
            writes = Artifacts.references(s.outputs["model"] ?? "").map { ($0, "model") }
            // A command's other files (its out/ directory, its logs) are outputs of the step too.
            if planner.spec.step(named: s.name)?.command != nil {
                let model = s.outputs["model"]
                for (name, ref) in s.outputs.sorted(by: { $0.key < $1.key }) where !["model", "best_trial"].contains(name) && ref != model {
                    writes += Artifacts.references(ref).map { ($0, "output") }
                }
            }
        case .evaluate:
            let train = planner.spec.step(named: s.name)?.needs.compactMap { planner.steps[$0] }.first { $0.type == .train }
            reads += Artifacts.references(train?.outputs["model"] ?? "")
            reads += Artifacts.references(planner.inputs.champion?.digest ?? "")
        case .promote:
            reads = Artifacts.references(s.outputs["model"] ?? "")
        }
        return cached ? ([], []) : (reads, writes)
    }

    /// One record per attempt of a finished job, from its transitions (`shard` nil for a step of one job).
    static func attempts(_ info: JobInfo, run: String, step: String, shard: Int?) -> [MetadataEvent] {
        var byAttempt: [UInt32: [TransitionInfo]] = [:]
        for t in info.history where t.attempt > 0 { byAttempt[t.attempt, default: []].append(t) }
        return byAttempt.keys.sorted().compactMap { attempt in
            guard let first = byAttempt[attempt]?.first, let last = byAttempt[attempt]?.last else { return nil }
            let final = attempt == info.attempt
            let status = final ? info.state : (last.state == "queued" ? "lost: \(last.cause)" : last.state)
            return .jobAttempt(JobAttemptRecord(runID: run, step: step, jobID: Int64(info.id), attempt: Int(attempt), shard: shard,
                                                worker: byAttempt[attempt]?.compactMap(\.worker).last, status: status,
                                                startedAt: seconds(first.atMs), finishedAt: seconds(last.atMs),
                                                message: final ? info.message : last.cause))
        }
    }
}

/// A swept step's trials in the metadata store: each trial is a step row `STEP/trial-N` (kind
/// `trial`; status pending, running, stopping, succeeded, stopped or failed; the message says
/// why it stopped or failed), its parameters are run params `trial.STEP.N.NAME`, the winner is
/// `sweep.STEP.best`. Curves are metric points with source `STEP/trial-N` (streamed while a
/// command runs; a built-in trial's final metrics when it ends).
extension RunTracking {
    static func trials(_ s: PipelinePlanner.StepState, planner: PipelinePlanner, run: String,
                       seen: inout [String: String]) -> [MetadataEvent] {
        guard let sweep = s.sweep else { return [] }
        var out: [MetadataEvent] = []
        let streamed = planner.spec.step(named: s.name)?.command != nil
        for t in sweep.trials where t.status != .pending {
            let name = "\(s.name)/trial-\(t.index)"
            guard seen[name] != t.status.rawValue else { continue }
            if seen[name] == nil {
                out.append(.params(runID: run, Dictionary(uniqueKeysWithValues: t.params.map { ("trial.\(s.name).\(t.index).\($0.key)", $0.value) })))
            }
            seen[name] = t.status.rawValue
            let end = t.status.isFinal ? t.endedAtMs.map(seconds) : nil
            if let end, !streamed, !t.metrics.isEmpty {
                out.append(.metrics(runID: run, t.metrics.sorted { $0.key < $1.key }.map {
                    MetricPoint(key: $0.key, value: $0.value, timestamp: end, source: name)
                }))
            }
            out.append(.step(StepRecord(runID: run, name: name, kind: "trial", status: t.status.rawValue,
                                        startedAt: seconds(t.startedAtMs ?? s.startedAtMs ?? 0), finishedAt: end,
                                        message: t.reason ?? sweep.value(t).map { "\(sweep.spec.metric) \($0)" })))
        }
        if s.status.isFinal, seen["\(s.name)/best"] == nil, let best = s.outputs["best_trial"] {
            seen["\(s.name)/best"] = best
            out.append(.params(runID: run, ["sweep.\(s.name).best": best, "sweep.\(s.name).metric": sweep.spec.metric]))
        }
        return out
    }
}
