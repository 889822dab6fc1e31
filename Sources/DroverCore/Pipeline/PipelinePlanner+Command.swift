import Foundation

/// A train step that runs the user's program (`command:`): a `command` job (docs/commands.md)
/// whose arguments have the step's parameters filled in and whose inputs are the step's data;
/// the model it leaves in `$DROVER_OUTPUT_DIR` and the metrics it reports are judged like a
/// built-in model's.
extension PipelinePlanner {
    static let noModelMessage = "the command left no model in $DROVER_OUTPUT_DIR: write a file whose name starts with 'model' (model.pkl, model.joblib, …)"

    /// Names a command step can use as `{{ inputs.NAME }}`: its dataset and the features steps it needs.
    public static func commandInputNames(_ step: StepSpec, spec: PipelineSpec) -> Set<String> {
        var names = Set(step.dataset.map { [$0] } ?? [])
        for need in step.needs where spec.step(named: need)?.type == .features { names.insert(need) }
        return names
    }

    /// The command's model among its outputs: the first file (by name) whose name starts with `model`.
    static func commandModel(_ outputs: [String: String]) -> String? {
        outputs.keys.filter { !$0.hasPrefix("logs/") && ($0 as NSString).lastPathComponent.hasPrefix("model") }.sorted().first.flatMap { outputs[$0] }
    }

    /// Input name → artifacts (comma list: a features step's shards, concatenated on the worker).
    func commandInputs(_ name: String) -> [String: String] {
        let step = stepSpec(name)
        var out: [String: String] = [:]
        if let d = step.dataset, let span = inputs.spans[d] { out[d] = span.digest }
        for need in step.needs where steps[need]?.type == .features {
            out[need] = steps[need]?.outputs["shards"] ?? ""
        }
        return out
    }

    /// The `command` job of a (trial of a) command step.
    func commandJob(_ name: String, shard: Int, params: [String: String]) -> PlannedJob {
        let step = stepSpec(name)
        let argv = (step.command ?? []).map { CommandTemplate.expand($0, .params, params) }
        var p: [String: String] = ["argv": Self.json(argv), "run_id": inputs.runID, "cwd": step.cwd ?? "."]
        let named = commandInputs(name)
        if !named.isEmpty { p["inputs"] = Self.json(named) }
        if let memory = step.resources.memoryBytes { p["memory_bytes"] = String(memory) }
        if let modules = step.preload { p["preload"] = Self.json(modules) }
        if let cpus = step.resources.cpus { p["cpus"] = cpus == cpus.rounded() ? String(Int(cpus)) : String(cpus) }
        return PlannedJob(key: "\(inputs.runID)/\(name)/\(shard)", step: name, shard: shard, kind: "command", params: p,
                          tags: step.resources.tags, timeoutMs: step.timeoutMs)
    }

    /// candidate.M from the command's metrics, baseline.M from the champion's registered ones.
    static func commandEvaluation(candidate: [String: Double], champion: [String: Double]?) -> [String: Double] {
        var out: [String: Double] = [:]
        for (k, v) in candidate { out["candidate." + k] = v }
        for (k, v) in champion ?? [:] { out["baseline." + k] = v }
        return out
    }

    static func json<T: Encodable>(_ value: T) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(value), as: UTF8.self)) ?? "null"
    }
}
