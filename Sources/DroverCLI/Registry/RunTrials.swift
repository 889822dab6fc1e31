import DroverStore
import Foundation

/// A sweep's trial as `drover runs show` reports it (from the step rows `STEP/trial-N`, the run
/// params `trial.STEP.N.NAME` and `sweep.STEP.best`, and the metric points of source `STEP/trial-N`).
struct TrialDetail: Encodable {
    var step: String
    var trial: Int
    var status: String
    var params: [String: String]
    /// The ranking metric's final (or last reported) value.
    var value: Double?
    /// Why it was stopped early or failed; nil for a trial that ran to its end.
    var reason: String?
    var winner: Bool
    /// The ranking metric's curve: [step, value].
    var curve: [[Double]]
}

/// A metric reported more than once (a curve): its source, points and last value.
struct CurveSummary: Encodable {
    var source: String
    var key: String
    var points: Int
    var firstStep: Int64
    var lastStep: Int64
    var first: Double
    var last: Double
}

enum RunTrials {
    static func trials(steps: [StepRecord], params: [String: String], points: [MetricPoint]) -> [TrialDetail] {
        steps.filter { $0.kind == "trial" }.compactMap { row -> TrialDetail? in
            let parts = row.name.components(separatedBy: "/trial-")
            guard parts.count == 2, let index = Int(parts[1]) else { return nil }
            let step = parts[0]
            let prefix = "trial.\(step).\(index)."
            let metric = params["sweep.\(step).metric"]
            let curve = points.filter { $0.source == row.name && $0.key == metric }.map { [Double($0.step), $0.value] }
            let final = row.message.flatMap { m in metric.flatMap { m.hasPrefix($0 + " ") ? Double(m.dropFirst($0.count + 1)) : nil } }
            return TrialDetail(step: step, trial: index, status: row.status,
                               params: Dictionary(uniqueKeysWithValues: params.filter { $0.key.hasPrefix(prefix) }.map { (String($0.key.dropFirst(prefix.count)), $0.value) }),
                               value: final ?? curve.last?[1], reason: final == nil ? row.message : nil,
                               winner: params["sweep.\(step).best"] == String(index), curve: curve)
        }.sorted { ($0.step, $0.trial) < ($1.step, $1.trial) }
    }

    static func curves(_ points: [MetricPoint]) -> [CurveSummary] {
        var groups: [String: [MetricPoint]] = [:]
        for p in points { groups["\(p.source)\u{0}\(p.key)", default: []].append(p) }
        return groups.values.filter { $0.count > 1 }.map { g in
            CurveSummary(source: g[0].source, key: g[0].key, points: g.count, firstStep: g.first!.step, lastStep: g.last!.step,
                         first: g.first!.value, last: g.last!.value)
        }.sorted { ($0.source, $0.key) < ($1.source, $1.key) }
    }

    static func print(_ trials: [TrialDetail], curves: [CurveSummary]) {
        if !trials.isEmpty {
            Output.line("")
            Output.line("trials:")
            Output.line(columns(["step", "trial", "status", "params", "value", "points", "why"], trials.map { t in
                [t.step, "#\(t.trial)" + (t.winner ? " (best)" : ""), t.status,
                 t.params.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " "),
                 t.value.map { String(format: "%.6g", $0) } ?? "-", "\(t.curve.count)", t.reason ?? "-"]
            }))
        }
        let shown = curves.filter { !$0.source.contains("/trial-") }
        if !shown.isEmpty {
            Output.line("")
            Output.line("curves:")
            Output.line(columns(["source", "metric", "points", "steps", "first", "last"], shown.map { c in
                [c.source, c.key, "\(c.points)", "\(c.firstStep)…\(c.lastStep)", String(format: "%.6g", c.first), String(format: "%.6g", c.last)]
            }))
        }
    }
}
