import Yams

/// Reads a pipeline YAML into a checked `PipelineSpec`. Pure: the caller reads the file.
/// Every error names the file, line, column and field and says what is allowed.
public enum PipelineSpecLoader {
    static let topFields = ["pipeline", "model", "datasets", "params", "shards", "cache", "steps", "trigger", "window", "warm_start"]
    static let stepFields = ["type", "needs", "dataset", "params", "gates", "first_model", "command", "cwd", "resources", "timeout", "sweep", "distributed", "preload"]
    static let gateFields = ["metric", "direction", "min", "max", "change"]
    /// `first_model:` in YAML → the promotion policy for a model without a champion.
    static let firstModelSpellings: [String: FirstModelPolicy] = ["value-thresholds": .valueThresholdsOnly, "reject": .reject]

    public static func load(yaml: String, file: String) throws(PipelineSpecError) -> PipelineSpec {
        let root: Node
        do {
            guard let node = try Yams.compose(yaml: yaml) else {
                throw PipelineSpecError(file: file, line: 1, column: 1, field: "", message: "the file is empty; a pipeline needs at least `pipeline:`, `model:`, `datasets:` and `steps:` (see docs/pipelines.md)")
            }
            root = node
        } catch let error as PipelineSpecError {
            throw error
        } catch let error as YamlError {
            throw syntaxError(error, file: file)
        } catch {
            throw PipelineSpecError(file: file, line: 0, column: 0, field: "", message: "not valid YAML: \(error)")
        }
        var reader = NodeReader(file: file)
        let spec = try reader.pipeline(root)
        try PipelineGraph.check(spec, file: file, lineOf: reader.stepLines)
        return spec
    }

    static func syntaxError(_ error: YamlError, file: String) -> PipelineSpecError {
        switch error {
        case .scanner(_, let problem, let mark, _), .parser(_, let problem, let mark, _), .composer(_, let problem, let mark, _):
            return PipelineSpecError(file: file, line: mark.line, column: mark.column, field: "",
                                     message: "not valid YAML: \(problem); check the indentation and quoting there")
        default:
            return PipelineSpecError(file: file, line: 0, column: 0, field: "", message: "not valid YAML: \(error)")
        }
    }
}

/// Walks the YAML nodes, keeping the position of each for error messages.
struct NodeReader {
    let file: String
    /// Step name → (line, column) of its key, for graph errors.
    var stepLines: [String: (Int, Int)] = [:]

    func error(_ node: Node?, _ field: String, _ message: String) -> PipelineSpecError {
        PipelineSpecError(file: file, line: node?.mark?.line ?? 0, column: node?.mark?.column ?? 0, field: field, message: message)
    }

    /// The pairs of a mapping, refusing keys outside `allowed`.
    func mapping(_ node: Node, _ field: String, allowed: [String]?) throws(PipelineSpecError) -> [(String, Node, Node)] {
        guard case .mapping(let m) = node else {
            throw error(node, field, "must be a mapping of `key: value` lines")
        }
        var out: [(String, Node, Node)] = []
        var seen: Set<String> = []
        for (k, v) in m {
            guard let key = k.string else { throw error(k, field, "keys must be plain names") }
            guard seen.insert(key).inserted else { throw error(k, path(field, key), "is given twice") }
            if let allowed, !allowed.contains(key) {
                let hint = closest(to: key, in: allowed).map { "did you mean '\($0)'? " } ?? ""
                throw error(k, path(field, key), "unknown field; \(hint)allowed here: \(allowed.joined(separator: ", "))")
            }
            out.append((key, k, v))
        }
        return out
    }

    func path(_ a: String, _ b: String) -> String { a.isEmpty ? b : "\(a).\(b)" }

    func scalar(_ node: Node, _ field: String) throws(PipelineSpecError) -> String {
        guard case .scalar(let s) = node else { throw error(node, field, "must be a single value, not a list or mapping") }
        return s.string
    }

    func name(_ node: Node, _ field: String) throws(PipelineSpecError) -> String {
        let s = try scalar(node, field)
        guard !s.isEmpty, s.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }) else {
            throw error(node, field, "'\(s)' is not a valid name; use letters, digits, '-', '_' and '.'")
        }
        return s
    }

    func int(_ node: Node, _ field: String, range: ClosedRange<Int>) throws(PipelineSpecError) -> Int {
        let s = try scalar(node, field)
        guard let v = Int(s), range.contains(v) else {
            throw error(node, field, "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(s)'")
        }
        return v
    }

    func number(_ node: Node, _ field: String) throws(PipelineSpecError) -> Double {
        let s = try scalar(node, field)
        guard let v = Double(s), v.isFinite else { throw error(node, field, "must be a number, got '\(s)'") }
        return v
    }

    func bool(_ node: Node, _ field: String) throws(PipelineSpecError) -> Bool {
        let s = try scalar(node, field)
        switch s.lowercased() {
        case "true", "yes", "on": return true
        case "false", "no", "off": return false
        default: throw error(node, field, "must be true or false, got '\(s)'")
        }
    }

    func params(_ node: Node, _ field: String) throws(PipelineSpecError) -> [String: String] {
        var out: [String: String] = [:]
        for (key, _, value) in try mapping(node, field, allowed: nil) {
            if case .sequence(let items) = value {
                var parts: [String] = []
                for item in items { parts.append(try scalar(item, path(field, key))) }
                out[key] = parts.joined(separator: ",")
            } else {
                out[key] = try scalar(value, path(field, key))
            }
        }
        return out
    }

    func names(_ node: Node, _ field: String) throws(PipelineSpecError) -> [String] {
        if case .scalar = node { return [try name(node, field)] }
        guard case .sequence(let items) = node else { throw error(node, field, "must be a name or a list of names") }
        var out: [String] = []
        for item in items { out.append(try name(item, field)) }
        return out
    }

    mutating func pipeline(_ root: Node) throws(PipelineSpecError) -> PipelineSpec {
        var name: String?, model: String?, datasets: [String: DatasetUse]?, params: [String: String] = [:]
        var shards = 2, cache = true, steps: [StepSpec]?
        var retraining = Retraining()
        for (key, k, v) in try mapping(root, "", allowed: PipelineSpecLoader.topFields) {
            switch key {
            case "pipeline": name = try self.name(v, key)
            case "model": model = try self.name(v, key)
            case "datasets": datasets = try self.datasets(v)
            case "params": params = try self.params(v, key)
            case "shards": shards = try int(v, key, range: 1...1024)
            case "cache": cache = try bool(v, key)
            case "steps": steps = try self.steps(v)
            default: try retraining.read(key, k, v, self)
            }
        }
        func missing(_ f: String, _ example: String) -> PipelineSpecError {
            error(root, f, "is required, e.g. `\(example)`")
        }
        guard let name else { throw missing("pipeline", "pipeline: diamonds-price") }
        guard let model else { throw missing("model", "model: diamonds") }
        guard let datasets, !datasets.isEmpty else { throw missing("datasets", "datasets: {diamonds: {span: latest}}") }
        guard let steps, !steps.isEmpty else { throw missing("steps", "steps: {train: {type: train, dataset: diamonds}}") }
        let declared = datasets.keys.sorted()
        for step in steps {
            if let d = step.dataset, datasets[d] == nil {
                let hint = closest(to: d, in: declared).map { "did you mean '\($0)'? " } ?? ""
                throw PipelineSpecError(file: file, line: step.line, column: stepLines[step.name]?.1 ?? 0,
                                        field: "steps.\(step.name).dataset",
                                        message: "dataset '\(d)' is not declared under `datasets:`; \(hint)declared: \(declared.joined(separator: ", "))")
            }
        }
        var spec = PipelineSpec(name: name, model: model, datasets: datasets, params: params, shards: shards, cache: cache, steps: steps)
        try retraining.apply(to: &spec, self)
        try checkTemplates(spec)
        try defaultSweepMetrics(&spec)
        return spec
    }

    func datasets(_ node: Node) throws(PipelineSpecError) -> [String: DatasetUse] {
        var out: [String: DatasetUse] = [:]
        for (key, k, v) in try mapping(node, "datasets", allowed: nil) {
            let field = "datasets.\(key)"
            _ = try name(k, field)
            var use = DatasetUse(dataset: key)
            if case .mapping = v {
                for (f, _, fv) in try mapping(v, field, allowed: ["name", "span"]) {
                    if f == "name" { use.dataset = try name(fv, "\(field).name") } else {
                        let s = try scalar(fv, "\(field).span")
                        if s == "latest" { use.span = .latest } else if let n = Int(s), n >= 1 { use.span = .number(n) } else {
                            throw error(fv, "\(field).span", "must be `latest` or a span number ≥ 1, got '\(s)'")
                        }
                    }
                }
            } else if case .scalar(let s) = v, s.string.isEmpty || s.string == "~" || s.string == "null" {
                // `diamonds:` alone: the latest span of the dataset of that name.
            } else {
                throw error(v, field, "must be a mapping like `{name: diamonds, span: latest}` or empty")
            }
            out[key] = use
        }
        return out
    }

    mutating func steps(_ node: Node) throws(PipelineSpecError) -> [StepSpec] {
        var out: [StepSpec] = []
        for (name, k, v) in try mapping(node, "steps", allowed: nil) {
            _ = try self.name(k, "steps")
            stepLines[name] = (k.mark?.line ?? 0, k.mark?.column ?? 0)
            out.append(try step(name, key: k, v))
        }
        return out
    }

    func step(_ name: String, key: Node, _ node: Node) throws(PipelineSpecError) -> StepSpec {
        let field = "steps.\(name)"
        let fields: [(String, Node, Node)]
        if case .scalar(let s) = node, s.string.isEmpty || s.string == "null" { fields = [] } else {
            fields = try mapping(node, field, allowed: PipelineSpecLoader.stepFields)
        }
        let types = StepType.allCases.map(\.rawValue)
        var step = StepSpec(name: name, type: .validate, line: key.mark?.line ?? 0)
        var type = StepType(rawValue: name)
        var gatesNode: Node?, distributedNode: Node?
        for (f, _, v) in fields {
            let ff = "\(field).\(f)"
            switch f {
            case "type":
                let t = try scalar(v, ff)
                guard let parsed = StepType(rawValue: t) else {
                    let hint = closest(to: t, in: types).map { "did you mean '\($0)'? " } ?? ""
                    throw error(v, ff, "unknown step type '\(t)'; \(hint)use \(allowedList(types))")
                }
                type = parsed
            case "needs": step.needs = try names(v, ff)
            case "dataset": step.dataset = try self.name(v, ff)
            case "params": step.params = try params(v, ff)
            case "gates": gatesNode = v
            case "command": step.command = try command(v, ff)
            case "cwd": step.cwd = try scalar(v, ff)
            case "resources": step.resources = try resources(v, ff)
            case "preload": step.preload = try preload(v, ff)
            case "timeout": step.timeoutMs = try duration(v, ff)
            case "sweep": step.sweep = try sweep(v, ff)
            case "distributed":
                distributedNode = v
                for (df, _, dv) in try mapping(v, ff, allowed: ["shards"]) where df == "shards" {
                    step.distributedShards = try int(dv, "\(ff).shards", range: 1...1024)
                }
            default:
                let p = try scalar(v, ff)
                guard let policy = PipelineSpecLoader.firstModelSpellings[p] else {
                    throw error(v, ff, "must be \(allowedList(["value-thresholds", "reject"])), got '\(p)'")
                }
                step.firstModel = policy
            }
        }
        guard let type else {
            throw error(key, field, "needs `type:` (\(allowedList(types))) unless the step is named after its type")
        }
        step.type = type
        if let distributedNode {
            guard type == .train else {
                throw error(distributedNode, "\(field).distributed", "only train steps are distributed; remove it here")
            }
            guard step.distributedShards != nil else {
                throw error(distributedNode, "\(field).distributed", "needs `shards: N` (1–1024), e.g. distributed: { shards: 2 }")
            }
            guard step.sweep == nil, step.command == nil else {
                throw error(distributedNode, "\(field).distributed", "a distributed train step runs the built-in learners: remove `sweep:` or `command:`, or `distributed:`")
            }
        }
        if let gatesNode {
            guard type == .promote else { throw error(gatesNode, "\(field).gates", "only promote steps have gates") }
            step.gates = try gates(gatesNode, "\(field).gates")
        }
        try checkCommand(step, type: type, fields: fields, field: field)
        if (type == .validate || type == .features), step.dataset == nil {
            throw error(key, "\(field).dataset", "a \(type.rawValue) step reads a dataset: add `dataset: NAME` (one declared under `datasets:`)")
        }
        return step
    }

    /// Gates in the spec's words: `min`/`max` are inclusive value bounds, `change` is how much
    /// better than the champion the candidate must be (in the metric's better direction), which
    /// becomes TFX's change threshold on d = candidate − baseline.
    func gates(_ node: Node, _ field: String) throws(PipelineSpecError) -> [MetricThreshold] {
        guard case .sequence(let items) = node else {
            throw error(node, field, "must be a list of checks, e.g. `- {metric: rmse, max: 900, change: {absolute: 0}}`")
        }
        var out: [MetricThreshold] = []
        for (i, item) in items.enumerated() {
            let gf = "\(field)[\(i)]"
            var metric: String?, metricNode: Node?, direction: MetricDirection?
            var lower: Double?, upper: Double?, absolute: Double?, relative: Double?
            for (f, _, v) in try mapping(item, gf, allowed: PipelineSpecLoader.gateFields) {
                switch f {
                case "metric": metric = try scalar(v, "\(gf).metric"); metricNode = v
                case "direction":
                    let d = try scalar(v, "\(gf).direction")
                    guard let parsed = ["higher": MetricDirection.higherIsBetter, "lower": .lowerIsBetter][d] else {
                        throw error(v, "\(gf).direction", "must be higher or lower, got '\(d)'")
                    }
                    direction = parsed
                case "min": lower = try number(v, "\(gf).min")
                case "max": upper = try number(v, "\(gf).max")
                default:
                    for (cf, _, cv) in try mapping(v, "\(gf).change", allowed: ["absolute", "relative"]) {
                        let value = try number(cv, "\(gf).change.\(cf)")
                        if cf == "absolute" { absolute = value } else { relative = value }
                    }
                }
            }
            let known = MetricDirection.knownMetrics
            guard let metric, let metricNode else { throw error(item, "\(gf).metric", "is required: the metric to check, one of \(known.joined(separator: ", "))") }
            // A command's own metric (any name) says its direction; the built-in ones know theirs.
            guard let natural = MetricDirection.of(metric: metric) ?? direction else {
                let hint = closest(to: metric, in: known).map { "did you mean '\($0)'? " } ?? ""
                throw error(metricNode, "\(gf).metric", "unknown metric '\(metric)'; \(hint)evaluate reports \(known.joined(separator: ", ")); a metric of your command's needs `direction: higher` or `lower`")
            }
            if out.contains(where: { $0.metric == metric }) {
                throw error(metricNode, "\(gf).metric", "'\(metric)' is checked twice; merge its bounds and change into one entry")
            }
            if lower == nil, upper == nil, absolute == nil, relative == nil {
                throw error(item, gf, "checks nothing: give `min`, `max` or `change: {absolute|relative: N}`")
            }
            if let lower, let upper, lower > upper {
                throw error(item, gf, "min \(lower) is above max \(upper); the bounds are inclusive, so min ≤ max")
            }
            let dir = direction ?? natural
            // "At least N better" is d ≥ N when higher is better, d ≤ −N when lower is better.
            let sign: Double = dir == .higherIsBetter ? 1 : -1
            let change = absolute == nil && relative == nil ? nil
                : ChangeThreshold(absolute: absolute.map { sign * $0 }, relative: relative.map { sign * $0 }, direction: dir)
            let value = lower == nil && upper == nil ? nil : ValueThreshold(lower: lower, upper: upper)
            out.append(MetricThreshold(metric: metric, value: value, change: change))
        }
        return out
    }
}
