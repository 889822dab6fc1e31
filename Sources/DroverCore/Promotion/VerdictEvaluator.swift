/// Pure verdict evaluation with TFX Evaluator semantics (docs/registry.md):
///
/// - value thresholds: `lower ≤ v ≤ upper`, inclusive;
/// - change thresholds against the champion on d = candidate − baseline, absolute and/or relative,
///   each with a direction; both must pass when both are set;
/// - a thresholded metric the candidate lacks (or that is NaN) fails; so does a change threshold
///   whose baseline metric is missing (MLflow's rule; TFX counts it as an unchecked threshold);
/// - no champion: the `FirstModelPolicy` decides (TFX's rubber stamp drops change thresholds).
///
/// The verdict passes only if every check passes and at least one check ran.
public enum VerdictEvaluator {
    /// - Parameters:
    ///   - candidate: the candidate's metrics on the holdout.
    ///   - baseline: the champion's metrics on the same holdout in the same run, or nil when there
    ///     is no champion yet.
    public static func evaluate(policy: PromotionPolicy, candidate: [String: Double],
                                baseline: [String: Double]?) throws(PromotionPolicyError) -> Verdict {
        try policy.validate()
        var checks: [Verdict.Check] = []
        var notes: [String] = []
        let first = baseline == nil
        if first {
            switch policy.firstModel {
            case .valueThresholdsOnly:
                notes.append("no champion yet: change thresholds skipped, value thresholds decide (first-model policy value_thresholds_only)")
            case .reject:
                notes.append("no champion yet and the first-model policy is reject: promote the first model by hand with --reason")
            }
        }
        for t in policy.thresholds {
            let v = candidate[t.metric]
            if let value = t.value {
                checks.append(valueCheck(t.metric, value, v))
            }
            if let change = t.change, let baseline {
                checks.append(contentsOf: changeChecks(t.metric, change, v, baseline[t.metric]))
            }
        }
        var passed = checks.allSatisfy(\.passed)
        if checks.isEmpty {
            passed = false
            notes.append("no check could run: the policy has only change thresholds and there is no champion; add a value threshold to gate a first model")
        }
        if first && policy.firstModel == .reject { passed = false }
        return Verdict(outcome: passed ? .pass : .fail, checks: checks, firstModel: first, notes: notes)
    }

    static func valueCheck(_ metric: String, _ t: ValueThreshold, _ v: Double?) -> Verdict.Check {
        var check = Verdict.Check(metric: metric, kind: .value, candidate: v, baseline: nil, measured: v,
                                  threshold: t.description, outcome: .fail, reason: "")
        guard let v, !v.isNaN else {
            check.reason = v == nil ? "the candidate has no metric '\(metric)'" : "the candidate's value is NaN"
            return check
        }
        if let l = t.lower, v < l {
            check.reason = "\(format(v)) is below the lower bound \(format(l))"
        } else if let u = t.upper, v > u {
            check.reason = "\(format(v)) is above the upper bound \(format(u))"
        } else {
            check.outcome = .pass
            check.reason = "\(format(v)) is within \(t.description)"
        }
        return check
    }

    static func changeChecks(_ metric: String, _ t: ChangeThreshold, _ v: Double?, _ base: Double?) -> [Verdict.Check] {
        var kinds: [(Verdict.Check.Kind, Double)] = []
        if let a = t.absolute { kinds.append((.absoluteChange, a)) }
        if let r = t.relative { kinds.append((.relativeChange, r)) }
        let op = t.direction == .higherIsBetter ? "≥" : "≤"
        let dir = t.direction == .higherIsBetter ? "higher is better" : "lower is better"
        return kinds.map { kind, limit in
            let lhs = kind == .absoluteChange ? "d" : "d/|base|"
            var check = Verdict.Check(metric: metric, kind: kind, candidate: v, baseline: base, measured: nil,
                                      threshold: "\(lhs) \(op) \(format(limit)) (\(dir))", outcome: .fail, reason: "")
            guard let v, !v.isNaN else {
                check.reason = v == nil ? "the candidate has no metric '\(metric)'" : "the candidate's value is NaN"
                return check
            }
            guard let base, !base.isNaN else {
                check.reason = base == nil ? "the champion has no metric '\(metric)' to compare with" : "the champion's value is NaN"
                return check
            }
            let d = v - base
            let measured: Double
            if kind == .absoluteChange {
                measured = d
            } else {
                guard base != 0 else {
                    check.reason = "the champion's value is 0, so the relative change is undefined"
                    return check
                }
                measured = d / abs(base)
            }
            check.measured = measured
            let ok = t.direction == .higherIsBetter ? measured >= limit : measured <= limit
            check.outcome = ok ? .pass : .fail
            check.reason = "\(lhs) = \(format(measured)) \(ok ? "meets" : "misses") \(lhs) \(op) \(format(limit))"
            return check
        }
    }
}
