/// The dependency checks of a pipeline: every `needs` names a step, no cycles, and each step
/// has the input its type reads (train: a features step or a dataset, unless it runs a command;
/// evaluate: a built-in train step; promote: an evaluate step or a command train step).
public enum PipelineGraph {
    static func check(_ spec: PipelineSpec, file: String, lineOf: [String: (Int, Int)]) throws(PipelineSpecError) {
        let names = spec.steps.map(\.name)
        func fail(_ step: StepSpec, _ field: String, _ message: String) -> PipelineSpecError {
            let (line, column) = lineOf[step.name] ?? (step.line, 0)
            return PipelineSpecError(file: file, line: line, column: column, field: "steps.\(step.name)\(field)", message: message)
        }
        for step in spec.steps {
            for need in step.needs where spec.step(named: need) == nil {
                let hint = closest(to: need, in: names).map { "did you mean '\($0)'? " } ?? ""
                throw fail(step, ".needs", "unknown step '\(need)'; \(hint)steps are: \(names.joined(separator: ", "))")
            }
            if step.needs.contains(step.name) { throw fail(step, ".needs", "a step cannot need itself") }
            let inputs = step.needs.compactMap { spec.step(named: $0)?.type }
            switch step.type {
            case .train where step.command == nil && step.dataset == nil && !inputs.contains(.features):
                throw fail(step, "", "a train step reads a features step (`needs: [features]`) or a dataset (`dataset: NAME`)")
            case .evaluate where !inputs.contains(.train):
                throw fail(step, ".needs", "an evaluate step scores a model: it needs a train step")
            case .evaluate where step.needs.contains { spec.step(named: $0)?.command != nil }:
                throw fail(step, ".needs", "the built-in evaluate scores Drover models; a command's model is judged on the metrics it reports: let promote need the command step directly")
            case .promote where !inputs.contains(.evaluate) && !step.needs.contains(where: { spec.step(named: $0)?.command != nil }):
                throw fail(step, ".needs", "a promote step decides on an evaluation: it needs an evaluate step (or a command train step, judged on its own metrics)")
            default: break
            }
        }
        if spec.steps.filter({ $0.type == .promote }).count > 1 {
            throw PipelineSpecError(file: file, line: 0, column: 0, field: "steps", message: "a pipeline promotes at most once: keep one promote step")
        }
        if let cycle = findCycle(spec) {
            let first = spec.step(named: cycle[0])!
            throw fail(first, ".needs", "the steps form a cycle: \((cycle + [cycle[0]]).joined(separator: " → ")) (each needs the next); a pipeline must be a DAG: remove one of these needs")
        }
    }

    /// Steps in an order where each comes after everything it needs (file order among equals).
    public static func order(_ spec: PipelineSpec) -> [String] {
        var done: Set<String> = [], out: [String] = []
        while out.count < spec.steps.count {
            guard let next = spec.steps.first(where: { !done.contains($0.name) && $0.needs.allSatisfy(done.contains) }) else { break }
            done.insert(next.name)
            out.append(next.name)
        }
        return out
    }

    /// A dependency cycle as the step names along it, or nil.
    static func findCycle(_ spec: PipelineSpec) -> [String]? {
        enum Mark { case visiting, done }
        var marks: [String: Mark] = [:]
        var stack: [String] = []
        func visit(_ name: String) -> [String]? {
            if marks[name] == .done { return nil }
            if marks[name] == .visiting {
                let start = stack.firstIndex(of: name) ?? 0
                return Array(stack[start...])
            }
            marks[name] = .visiting
            stack.append(name)
            for need in spec.step(named: name)?.needs ?? [] {
                if let cycle = visit(need) { return cycle }
            }
            stack.removeLast()
            marks[name] = .done
            return nil
        }
        for step in spec.steps {
            if let cycle = visit(step.name) { return cycle }
        }
        return nil
    }
}
