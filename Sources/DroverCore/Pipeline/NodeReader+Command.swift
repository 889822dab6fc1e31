import Yams

/// Reading the fields of command steps and sweeps: `command:`, `resources:`, `timeout:`, `sweep:`.
extension NodeReader {
    static let sweepOptions = ["method", "trials", "max_parallel", "seed", "metric", "mode", "early_stopping", "space"]

    func command(_ node: Node, _ field: String) throws(PipelineSpecError) -> [String] {
        guard case .sequence(let items) = node, !items.isEmpty else {
            throw error(node, field, "must be a non-empty list: the program, then its arguments, e.g. [\"python3\", \"train.py\", \"--lr\", \"{{ params.lr }}\"]")
        }
        var argv: [String] = []
        for (i, item) in items.enumerated() {
            let arg = try scalar(item, "\(field)[\(i)]")
            if case .failure(let e) = CommandTemplate.references(in: arg) {
                throw error(item, "\(field)[\(i)]", "'\(e.text)' \(e.problem)")
            }
            argv.append(arg)
        }
        return argv
    }

    /// `preload: [numpy, sklearn.ensemble]`: modules a warm Python interpreter imports once for
    /// all the step's jobs on a worker (docs/commands.md).
    func preload(_ node: Node, _ field: String) throws(PipelineSpecError) -> [String] {
        guard case .sequence(let items) = node, !items.isEmpty, items.count <= 64 else {
            throw error(node, field, "must be a list of 1 to 64 Python modules, e.g. [numpy, sklearn.ensemble]")
        }
        var modules: [String] = []
        for (i, item) in items.enumerated() {
            let name = try scalar(item, "\(field)[\(i)]")
            guard CommandTemplate.isPythonModuleName(name) else {
                throw error(item, "\(field)[\(i)]", "'\(name)' is not a Python module name (dotted identifiers, e.g. sklearn.ensemble)")
            }
            modules.append(name)
        }
        return modules
    }

    func resources(_ node: Node, _ field: String) throws(PipelineSpecError) -> StepResources {
        var r = StepResources()
        for (key, _, v) in try mapping(node, field, allowed: ["cpus", "memory", "tags"]) {
            switch key {
            case "cpus":
                let cpus = try number(v, "\(field).cpus")
                guard cpus >= 0.01, cpus <= 1024 else { throw error(v, "\(field).cpus", "must be from 0.01 to 1024 (fractions allowed, e.g. 0.5), got \(cpus)") }
                r.cpus = cpus
            case "memory": r.memoryBytes = try bytes(v, "\(field).memory")
            default: r.tags = try names(v, "\(field).tags")
            }
        }
        return r
    }

    /// `10m`, `90s`, `500ms`, `2h` or a number of seconds.
    func duration(_ node: Node, _ field: String) throws(PipelineSpecError) -> Int64 {
        let s = try scalar(node, field).trimmingCharacters(in: .whitespaces)
        let units: [(String, Double)] = [("ms", 1), ("s", 1_000), ("m", 60_000), ("h", 3_600_000)]
        let unit = units.first { s.hasSuffix($0.0) && Double(s.dropLast($0.0.count)) != nil }
        let number = Double(unit.map { String(s.dropLast($0.0.count)) } ?? s)
        guard let number, number > 0, number.isFinite else {
            throw error(node, field, "must be a duration like 90s, 10m, 2h or 500ms, got '\(s)'")
        }
        let ms = number * (unit?.1 ?? 1_000)
        guard ms <= Double(UInt32.max) else { throw error(node, field, "is too long: at most \(UInt32.max / 3_600_000)h") }
        return Int64(ms.rounded(.up))
    }

    /// `2GiB`, `512MiB`, `2G`, `300M`, `64K` (powers of 1024) or bytes.
    func bytes(_ node: Node, _ field: String) throws(PipelineSpecError) -> Int64 {
        let s = try scalar(node, field).trimmingCharacters(in: .whitespaces)
        let units: [(String, Int64)] = [("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10), ("G", 1 << 30), ("M", 1 << 20), ("K", 1 << 10)]
        let unit = units.first { s.hasSuffix($0.0) }
        let digits = unit.map { String(s.dropLast($0.0.count)).trimmingCharacters(in: .whitespaces) } ?? s
        guard let n = Int64(digits), n > 0, n <= Int64.max / (unit?.1 ?? 1), n * (unit?.1 ?? 1) >= 1 << 20 else {
            throw error(node, field, "must be a size of at least 1MiB like 2GiB, 512MiB or 300M, got '\(s)'")
        }
        return n * (unit?.1 ?? 1)
    }

    /// `sweep: {lr: [0.01, 0.1]}` (a grid) or the full form with `method`, `trials`,
    /// `max_parallel`, `early_stopping`, `metric`, `mode`, `seed` and `space`.
    func sweep(_ node: Node, _ field: String) throws(PipelineSpecError) -> SweepSpec {
        var spec = SweepSpec(method: .grid, space: [], metric: "", direction: .higherIsBetter)
        var methodGiven = false, trialsGiven = false, mode: MetricDirection?
        var params: [SweepParameter] = []
        for (key, k, v) in try mapping(node, field, allowed: nil) {
            let f = path(field, key)
            switch key {
            case "method":
                let m = try scalar(v, f)
                guard let method = SweepSpec.Method(rawValue: m) else { throw error(v, f, "must be grid or random, got '\(m)'") }
                spec.method = method
                methodGiven = true
            case "trials": spec.trials = try int(v, f, range: 1...SweepTrials.maxTrials); trialsGiven = true
            case "max_parallel": spec.maxParallel = try int(v, f, range: 1...1024)
            case "seed": spec.seed = UInt64(try int(v, f, range: 0...Int.max))
            case "metric": spec.metric = try name(v, f)
            case "mode":
                let m = try scalar(v, f)
                guard let d = ["max": MetricDirection.higherIsBetter, "min": .lowerIsBetter][m] else {
                    throw error(v, f, "must be max or min, got '\(m)'")
                }
                mode = d
            case "early_stopping": spec.earlyStopping = try earlyStopping(v, f)
            case "space":
                for (pk, pkNode, pv) in try mapping(v, f, allowed: nil) {
                    _ = try name(pkNode, path(f, pk))
                    params.append(try parameter(pk, pv, path(f, pk)))
                }
            default:
                if let hint = closest(to: key, in: Self.sweepOptions) {
                    throw error(k, f, "unknown sweep option; did you mean '\(hint)'? (to sweep a parameter with this name, put it under `space:`)")
                }
                _ = try name(k, f)
                params.append(try parameter(key, v, f))
            }
        }
        guard !params.isEmpty else { throw error(node, field, "sweeps nothing: give parameters, e.g. `sweep: {lr: [0.01, 0.1]}`") }
        spec.space = params
        if !methodGiven, params.contains(where: { if case .choice = $0.domain { false } else { true } }) { spec.method = .random }
        if spec.method == .random, !trialsGiven { throw error(node, field, "random search needs `trials: N`") }
        if spec.method == .grid {
            var count = 1
            for p in params {
                guard case .choice(let values) = p.domain else {
                    throw error(node, "\(field).\(p.name)", "a grid takes listed values; use `method: random` for a range")
                }
                count *= values.count
                if count > SweepTrials.maxTrials { throw error(node, field, "the grid has more than \(SweepTrials.maxTrials) trials") }
            }
            spec.trials = count
        }
        if !spec.metric.isEmpty { spec.direction = mode ?? MetricDirection.of(metric: spec.metric) ?? .higherIsBetter }
        if spec.metric.isEmpty, let mode { spec.direction = mode }
        if !spec.metric.isEmpty, mode == nil, MetricDirection.of(metric: spec.metric) == nil {
            throw error(node, "\(field).mode", "'\(spec.metric)' is not a known metric: say whether higher is better with `mode: max` or `mode: min`")
        }
        return spec
    }

    func parameter(_ name: String, _ node: Node, _ field: String) throws(PipelineSpecError) -> SweepParameter {
        if case .sequence(let items) = node {
            guard !items.isEmpty else { throw error(node, field, "lists no values") }
            var values: [String] = []
            for (i, item) in items.enumerated() { values.append(try scalar(item, "\(field)[\(i)]")) }
            return SweepParameter(name: name, domain: .choice(values))
        }
        let forms = ["uniform", "log_uniform", "int"]
        let pairs = try mapping(node, field, allowed: forms)
        guard pairs.count == 1, let (form, _, range) = pairs.first, case .sequence(let bounds) = range, bounds.count == 2 else {
            throw error(node, field, "must be a list of values or one of {uniform: [LOW, HIGH]}, {log_uniform: [LOW, HIGH]}, {int: [LOW, HIGH]}")
        }
        let f = path(field, form)
        if form == "int" {
            let low = try int(bounds[0], f, range: Int.min / 2...Int.max / 2), high = try int(bounds[1], f, range: Int.min / 2...Int.max / 2)
            guard low <= high else { throw error(range, f, "LOW \(low) is above HIGH \(high)") }
            return SweepParameter(name: name, domain: .integer(low, high))
        }
        let low = try number(bounds[0], f), high = try number(bounds[1], f)
        guard low < high else { throw error(range, f, "LOW \(low) must be below HIGH \(high)") }
        if form == "log_uniform", low <= 0 { throw error(range, f, "log_uniform needs LOW > 0, got \(low)") }
        return SweepParameter(name: name, domain: form == "uniform" ? .uniform(low, high) : .logUniform(low, high))
    }

    /// `asha`, `median`, or `{asha: {grace_period, reduction_factor, max_t}}`, `{median: {grace_period, min_samples}}`.
    func earlyStopping(_ node: Node, _ field: String) throws(PipelineSpecError) -> EarlyStopping {
        let allowed = ["asha", "median"]
        if case .scalar(let s) = node {
            switch s.string {
            case "asha": return .ashaDefault
            case "median": return .medianDefault
            default: throw error(node, field, "must be asha or median (or a mapping with their settings), got '\(s.string)'")
            }
        }
        let pairs = try mapping(node, field, allowed: allowed)
        guard pairs.count == 1, let (rule, _, settings) = pairs.first else { throw error(node, field, "give one rule: asha or median") }
        let f = path(field, rule)
        if rule == "asha" {
            guard case .asha(var grace, var rf, var maxT) = EarlyStopping.ashaDefault else { return .ashaDefault }
            for (key, _, v) in try mapping(settings, f, allowed: ["grace_period", "reduction_factor", "max_t"]) {
                switch key {
                case "grace_period": grace = try int(v, path(f, key), range: 1...1_000_000_000)
                case "reduction_factor": rf = try int(v, path(f, key), range: 2...1_000)
                default: maxT = try int(v, path(f, key), range: 1...1_000_000_000)
                }
            }
            guard maxT >= grace else { throw error(settings, f, "max_t \(maxT) is below grace_period \(grace)") }
            return .asha(gracePeriod: grace, reductionFactor: rf, maxT: maxT)
        }
        guard case .median(var grace, var samples) = EarlyStopping.medianDefault else { return .medianDefault }
        for (key, _, v) in try mapping(settings, f, allowed: ["grace_period", "min_samples"]) {
            if key == "grace_period" { grace = try int(v, path(f, key), range: 0...1_000_000_000) } else {
                samples = try int(v, path(f, key), range: 1...10_000)
            }
        }
        return .median(gracePeriod: grace, minSamples: samples)
    }
}

import Foundation
