import DroverProtocol

/// A promote step's decision: one check per gate bound, with the measured values. The same
/// record travels to clients (`RunInfo.verdict`).
public typealias GateVerdict = VerdictInfo

extension VerdictInfo {
    /// Evaluates `gates` on an evaluate step's metrics (`candidate.M`, `baseline.M`).
    /// Bounds are inclusive; a missing metric fails; change thresholds need a champion,
    /// and without one `policy` decides (value thresholds only, or reject).
    public static func evaluate(gates: [Gate], metrics: [String: Double], champion: ChampionInput?,
                                policy: FirstModelRule) -> GateVerdict {
        var checks: [Check] = []
        if champion == nil, policy == .reject {
            checks.append(Check(metric: "", kind: "first_model", candidate: nil, baseline: nil, threshold: nil, passed: false,
                                reason: "no champion yet and `first_model: reject`: promote it by hand with `drover models promote`"))
        }
        for gate in gates {
            let m = gate.metric
            let c = metrics["candidate.\(m)"]
            func check(_ kind: String, _ threshold: Double, _ ok: (Double) -> Bool, _ words: String) {
                guard let c else {
                    checks.append(Check(metric: m, kind: kind, candidate: nil, baseline: nil, threshold: threshold, passed: false,
                                        reason: "the evaluation reported no '\(m)' for the candidate"))
                    return
                }
                let pass = ok(c)
                checks.append(Check(metric: m, kind: kind, candidate: c, baseline: nil, threshold: threshold, passed: pass,
                                    reason: pass ? "\(m) \(fmt(c)) \(words) \(fmt(threshold))" : "\(m) \(fmt(c)) is not \(words) \(fmt(threshold))"))
            }
            if let lo = gate.min { check("min", lo, { $0 >= lo }, "≥") }
            if let hi = gate.max { check("max", hi, { $0 <= hi }, "≤") }
            for (kind, threshold) in [("change.absolute", gate.changeAbsolute), ("change.relative", gate.changeRelative)] {
                guard let threshold else { continue }
                guard let champion else {
                    checks.append(Check(metric: m, kind: kind, candidate: c, baseline: nil, threshold: threshold, passed: true,
                                        reason: "skipped: no champion yet (first model, value thresholds only)"))
                    continue
                }
                guard let c, let b = metrics["baseline.\(m)"] else {
                    checks.append(Check(metric: m, kind: kind, candidate: c, baseline: nil, threshold: threshold, passed: false,
                                        reason: "the evaluation reported no '\(m)' for \(c == nil ? "the candidate" : "champion v\(champion.version)")"))
                    continue
                }
                // Improvement in the better direction: positive is better.
                let gain = gate.direction == .higher ? c - b : b - c
                let measured = kind == "change.absolute" ? gain : (b == 0 ? (gain > 0 ? .infinity : (gain == 0 ? 0 : -.infinity)) : gain / abs(b))
                let pass = measured >= threshold
                let better = gate.direction == .higher ? "higher" : "lower"
                checks.append(Check(metric: m, kind: kind, candidate: c, baseline: b, threshold: threshold, passed: pass,
                                    reason: "\(m) \(fmt(c)) vs champion v\(champion.version) \(fmt(b)) (\(better) is better): change \(fmt(measured)) \(pass ? "≥" : "<") \(fmt(threshold))"))
            }
        }
        return VerdictInfo(passed: checks.allSatisfy(\.passed), checks: checks)
    }
}

private func fmt(_ v: Double) -> String {
    if v.isInfinite { return v > 0 ? "+∞" : "−∞" }
    let a = abs(v)
    if a != 0, a < 0.001 || a >= 1e7 { return String(describing: v) }
    let rounded = (v * 10_000).rounded() / 10_000
    return rounded == rounded.rounded() ? String(Int(rounded)) : String(rounded)
}
