import Yams

/// The checks of command steps and sweeps that need the whole step or the whole pipeline.
extension NodeReader {
    /// `command:` runs on train steps; `resources:` needs a command; early stopping needs the
    /// curve only a command reports while it runs.
    func checkCommand(_ step: StepSpec, type: StepType, fields: [(String, Node, Node)], field: String) throws(PipelineSpecError) {
        func node(_ f: String) -> Node? { fields.first { $0.0 == f }?.1 }
        if step.command != nil, type != .train {
            throw error(node("command"), "\(field).command", "only train steps run a command (its model and metrics are judged like a built-in model's)")
        }
        if step.command == nil, step.cwd != nil {
            throw error(node("cwd"), "\(field).cwd", "cwd applies to command steps: add `command: [...]` or remove it")
        }
        if step.command == nil, step.preload != nil {
            throw error(node("preload"), "\(field).preload", "preload applies to command steps running Python: add `command: [python3, SCRIPT.py, …]` or remove it")
        }
        if let argv = step.command, step.preload != nil, argv.count < 2 {
            throw error(node("command"), "\(field).command", "with preload the command must be [python3, SCRIPT.py, …] or [python3, -m, MODULE, …]")
        }
        if step.command == nil, step.resources != StepResources() {
            throw error(node("resources"), "\(field).resources", "resources apply to command steps: add `command: [...]` or remove them")
        }
        if let sweep = step.sweep {
            if type != .train { throw error(node("sweep"), "\(field).sweep", "only train steps sweep parameters") }
            if sweep.earlyStopping != nil, step.command == nil {
                throw error(node("sweep"), "\(field).sweep.early_stopping",
                            "early stopping needs a curve reported while the trial runs; the built-in train reports its metrics at the end: use a command step, or remove early_stopping")
            }
        }
    }

    /// Every `{{ params.X }}` names a parameter (the pipeline's, the step's or a swept one) and
    /// every `{{ inputs.X }}` an input of the step (its dataset, or a features step it needs).
    func checkTemplates(_ spec: PipelineSpec) throws(PipelineSpecError) {
        for step in spec.steps {
            guard let argv = step.command else { continue }
            let params = Set(spec.params.keys).union(step.params.keys).union(step.sweep?.space.map(\.name) ?? [])
            let inputs = PipelinePlanner.commandInputNames(step, spec: spec)
            for (i, arg) in argv.enumerated() {
                guard case .success(let refs) = CommandTemplate.references(in: arg) else { continue }
                for r in refs {
                    let known = r.kind == .params ? params : inputs
                    guard !known.contains(r.name) else { continue }
                    let list = known.sorted()
                    let hint = closest(to: r.name, in: list).map { "did you mean '\($0)'? " } ?? ""
                    let what = r.kind == .params
                        ? "declare it under `params:` (the pipeline's or the step's) or sweep it"
                        : "a step's inputs are its `dataset:` and the features steps it needs"
                    throw PipelineSpecError(file: file, line: step.line, column: stepLines[step.name]?.1 ?? 0,
                                            field: "steps.\(step.name).command[\(i)]",
                                            message: "'\(r.text)': no \(r.kind.rawValue) named '\(r.name)'; \(hint)\(what); known: \(list.isEmpty ? "none" : list.joined(separator: ", "))")
                }
            }
        }
    }

    /// A sweep without `metric:` ranks by the first gate of the promote step.
    func defaultSweepMetrics(_ spec: inout PipelineSpec) throws(PipelineSpecError) {
        let gate = spec.steps.first { $0.type == .promote }?.gates.first
        for i in spec.steps.indices {
            guard var sweep = spec.steps[i].sweep, sweep.metric.isEmpty else { continue }
            guard let gate else {
                throw PipelineSpecError(file: file, line: spec.steps[i].line, column: stepLines[spec.steps[i].name]?.1 ?? 0,
                                        field: "steps.\(spec.steps[i].name).sweep.metric",
                                        message: "is required: the metric that ranks the trials, e.g. `metric: roc_auc` (or give the promote step a gate)")
            }
            sweep.metric = gate.metric
            sweep.direction = gate.change?.direction ?? MetricDirection.of(metric: gate.metric) ?? .higherIsBetter
            spec.steps[i].sweep = sweep
        }
    }
}
