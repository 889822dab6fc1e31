/// How each step type becomes jobs (docs/pipelines.md, "Jobs"). Jobs carry artifact digests
/// and byte ranges, never data or paths.
extension PipelinePlanner {
    /// Holdout rows: row i when i % 5 == 4, the same rows in train and evaluate.
    static let defaultHoldoutModulo = "5"

    /// Parameters a train or evaluate step's jobs see: the pipeline's, then the step's own
    /// (validate and features jobs see only their step's).
    public func parameters(_ name: String) -> [String: String] {
        spec.params.merging(stepSpec(name).params) { _, step in step }
    }

    /// The artifacts a step reads, in order: a span (validate, features, train on a dataset),
    /// the features shards (train), or the train step's inputs (evaluate).
    func dataInputs(_ name: String) -> [String] {
        let step = stepSpec(name)
        let needs = step.needs.compactMap { steps[$0] }
        switch step.type {
        case .validate:
            return [inputs.spans[step.dataset ?? ""]?.digest ?? ""]
        case .features:
            return trainingSpans(step.dataset).map(\.digest)
        case .train:
            if let features = needs.first(where: { $0.type == .features }) { return split(features.outputs["shards"]) }
            return trainingSpans(step.dataset).map(\.digest)
        case .evaluate:
            return needs.first { $0.type == .train }?.dataInputs ?? []
        case .promote:
            return []
        }
    }

    /// The spans a step trains on: the dataset's window (oldest first), else its one span.
    func trainingSpans(_ dataset: String?) -> [SpanInput] {
        let name = dataset ?? ""
        if let window = inputs.window?[name], !window.isEmpty { return window }
        return inputs.spans[name].map { [$0] } ?? []
    }

    /// Byte range of shard `i` of `n` over `size` bytes; workers align ranges to whole rows
    /// (a row belongs to the shard where it starts), so the shards cover every row once.
    static func byteRange(shard i: Int, of n: Int, size: Int64) -> String {
        let start = size * Int64(i) / Int64(n), end = size * Int64(i + 1) / Int64(n)
        return "\(start)-\(end)"
    }

    func plannedJobs(_ name: String) -> [PlannedJob] {
        let step = stepSpec(name)
        let params = parameters(name)
        let key = { (shard: Int) in "\(inputs.runID)/\(name)/\(shard)" }
        switch step.type {
        case .validate, .features:
            // Only the step's own parameters: a change to training parameters must not
            // invalidate the cached statistics and features. Validate reads the newest span;
            // features reads every span of the training window, each cut into shards.
            let spans = step.type == .validate ? inputs.spans[step.dataset ?? ""].map { [$0] } ?? [] : trainingSpans(step.dataset)
            let kind = step.type == .validate ? "stats" : "features"
            var jobs: [PlannedJob] = []
            for span in spans {
                let n = max(1, min(spec.shards, Int(max(span.size, 1))))
                for i in 0..<n {
                    var p = step.params
                    p["input"] = span.digest
                    p["range"] = Self.byteRange(shard: i, of: n, size: span.size)
                    jobs.append(PlannedJob(key: key(jobs.count), step: name, shard: jobs.count, kind: kind, params: p))
                }
            }
            return jobs
        case .train:
            if let n = step.distributedShards { return distributedJobs(name, shards: n, params: params) }
            // A swept step has one job per trial, with the trial's parameters on top.
            let trials = steps[name]?.sweep?.trials.count ?? 1
            return (0..<trials).map { i in
                let p = params.merging(trialParameters(name, trial: i)) { _, trial in trial }
                if step.command != nil { return commandJob(name, shard: i, params: p) }
                var builtin = p
                builtin["inputs"] = dataInputs(name).joined(separator: ",")
                builtin["holdout_modulo"] = p["holdout_modulo"] ?? Self.defaultHoldoutModulo
                if spec.warmStart == .champion, let champion = inputs.champion { builtin["warm_start"] = champion.digest }
                return PlannedJob(key: key(i), step: name, shard: i, kind: "train", params: builtin, timeoutMs: step.timeoutMs)
            }
        case .evaluate:
            let train = step.needs.compactMap { steps[$0] }.first { $0.type == .train }
            var p = params
            p["inputs"] = dataInputs(name).joined(separator: ",")
            p["holdout_modulo"] = p["holdout_modulo"] ?? Self.defaultHoldoutModulo
            p["candidate"] = train?.outputs["model"] ?? ""
            if let champion = inputs.champion { p["baseline"] = champion.digest }
            return [PlannedJob(key: key(0), step: name, shard: 0, kind: "evaluate", params: p)]
        case .promote:
            return []
        }
    }

    /// Same key ⇒ same result: step type, code version, parameters, input digests and (for
    /// evaluate) the champion compared against. Readable, so `runs show` can say why.
    func cacheKey(_ name: String) -> String {
        let step = stepSpec(name)
        var parts = ["\(step.type.rawValue)", "code=\(inputs.codeVersion)"]
        for job in plannedJobs(name) {
            let p = job.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: "&")
            parts.append("\(job.kind)[\(job.shard)]{\(p)}")
        }
        return parts.joined(separator: "|")
    }
}
