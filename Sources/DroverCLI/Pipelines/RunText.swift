import DroverProtocol
import Foundation

/// Text forms of runs for `drover run` and `drover runs`.
enum RunText {
    static func stepLine(_ s: StepInfo) -> String {
        var line = "\(s.name.padding(toLength: 10, withPad: " ", startingAt: 0)) \(s.status)"
        if s.jobs > 0 { line += " \(s.jobsDone)/\(s.jobs) job\(s.jobs == 1 ? "" : "s")" }
        if let from = s.cachedFrom { line += " (from cache: same inputs, parameters and code as run \(from))" }
        if let a = s.startedAtMs, let b = s.endedAtMs { line += String(format: " in %.2f s", Double(b - a) / 1000) }
        if let m = s.message, s.status != "succeeded" { line += " — \(m)" }
        return line
    }

    static func num(_ v: Double?) -> String {
        guard let v else { return "-" }
        return String(format: "%.6g", v)
    }

    static func show(_ info: RunInfo) -> String {
        var lines = ["run \(info.id)  \(info.state)  pipeline \(info.pipeline)  model \(info.model)"]
        if let m = info.message { lines.append("  \(m)") }
        for (name, input) in info.inputs.sorted(by: { $0.key < $1.key }) { lines.append("  input \(name): \(input)") }
        lines.append("  champion at start: \(info.champion ?? "none")")
        if !info.params.isEmpty { lines.append("  params: " + info.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")) }
        lines.append("steps:")
        for s in info.steps {
            lines.append("  " + stepLine(s))
            if !s.jobIDs.isEmpty { lines.append("      jobs: " + s.jobIDs.map(String.init).joined(separator: " ")) }
            for (k, v) in s.outputs.sorted(by: { $0.key < $1.key }) where v.hasPrefix("sha256:") { lines.append("      \(k): \(v)") }
            if !s.metrics.isEmpty {
                lines.append("      metrics: " + s.metrics.sorted { $0.key < $1.key }.map { "\($0.key)=\(num($0.value))" }.joined(separator: " "))
            }
            if let key = s.cacheKey { lines.append("      cache key: \(key.prefix(160))…") }
            for a in s.anomalies ?? [] { lines.append("      \(a)") }
        }
        if let v = info.verdict { lines.append(v.table) }
        return lines.joined(separator: "\n")
    }
}
