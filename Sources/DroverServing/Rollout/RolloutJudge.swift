import DroverCore
import Foundation

/// Reads a rollout's arm summaries: sample-ratio check, error guardrail, then the sequential test
/// on the outcome metric. Pure; the monitor applies what it decides and `rollout status` prints it.
public struct RolloutJudge: Sendable {
    public enum Action: String, Sendable, Codable, Equatable {
        case none
        /// The challenger is significantly better: promote (with auto-promote) or say so.
        case promote
        /// The challenger is significantly worse: stop its traffic.
        case reject
        /// The challenger fails too often: stop its traffic.
        case rollbackErrors = "rollback_errors"
    }

    public struct Judgement: Sendable, Codable, Equatable {
        public var action: Action
        public var decision: SequentialTest.Decision
        public var pValue: Double
        public var difference: Double
        /// The always-valid confidence interval of the difference (nil before the first look).
        public var intervalLow: Double?
        public var intervalHigh: Double?
        public var srm: SampleRatioCheck
        public var arms: [ArmSummary]
        /// Why nothing was decided yet, or what was.
        public var note: String
    }

    public private(set) var test: SequentialTest
    let rollout: Rollout

    public init(_ rollout: Rollout, minimumPerArm: Int = 100) {
        self.rollout = rollout
        test = SequentialTest(alpha: rollout.alpha, higherIsBetter: rollout.higherIsBetter, minimumPerArm: minimumPerArm)
    }

    var challengerArm: String { rollout.mode == .shadow ? Rollout.shadowArm : Rollout.challengerArm }

    public mutating func judge(_ arms: [ArmSummary]) -> Judgement {
        let a = arms.first { $0.arm == Rollout.championArm }
        let b = arms.first { $0.arm == challengerArm }
        let srm = rollout.mode == .ab
            ? SampleRatioCheck(champion: a?.requests ?? 0, challenger: b?.requests ?? 0, share: rollout.splitPercent / 100)
            : SampleRatioCheck(champion: 0, challenger: 0, share: 0)
        var j = Judgement(action: .none, decision: test.decision, pValue: test.pValue, difference: test.difference,
                          intervalLow: Self.finite(test.interval.lowerBound), intervalHigh: Self.finite(test.interval.upperBound), srm: srm, arms: arms, note: "")
        if let b, b.requests >= Rollout.minRequests, b.errorRate > rollout.maxErrorRate {
            j.action = .rollbackErrors
            j.note = String(format: "the challenger failed %d of %d requests (%.1f %% > %.1f %%)", b.errors, b.requests,
                            b.errorRate * 100, rollout.maxErrorRate * 100)
            return j
        }
        if srm.mismatch {
            j.note = String(format: "sample-ratio mismatch: challenger share %.3f, configured %.3f (p = %.2g < 0.001); do not read the results until the cause is known",
                            srm.observedShare, srm.expectedShare, srm.pValue)
            return j
        }
        guard let a, let b else {
            j.note = "waiting for traffic on both arms"
            return j
        }
        let decision = test.look(champion: .init(count: a.outcomes, mean: a.metricMean, variance: a.metricVariance),
                                 challenger: .init(count: b.outcomes, mean: b.metricMean, variance: b.metricVariance))
        j.decision = decision
        j.pValue = test.pValue
        j.difference = test.difference
        j.intervalLow = Self.finite(test.interval.lowerBound)
        j.intervalHigh = Self.finite(test.interval.upperBound)
        switch decision {
        case .continuing:
            j.note = min(a.outcomes, b.outcomes) < test.minimumPerArm
                ? "waiting for outcomes: \(min(a.outcomes, b.outcomes)) of \(test.minimumPerArm) per arm before the test looks"
                : String(format: "no significant difference yet (always-valid p = %.3g, α = %g)", test.pValue, rollout.alpha)
        case .challengerBetter:
            j.action = .promote
            j.note = String(format: "the challenger is better: %@ %.4g vs %.4g (p = %.3g ≤ α = %g)", rollout.metric, b.metricMean,
                            a.metricMean, test.pValue, rollout.alpha)
        case .challengerWorse:
            j.action = .reject
            j.note = String(format: "the challenger is worse: %@ %.4g vs %.4g (p = %.3g ≤ α = %g)", rollout.metric, b.metricMean,
                            a.metricMean, test.pValue, rollout.alpha)
        }
        return j
    }

    static func finite(_ x: Double) -> Double? { x.isFinite ? x : nil }

    /// The decision as a verdict like a pipeline's: the online metric (a change check decided by
    /// the sequential test) and the challenger's error rate.
    public func verdict(_ j: Judgement) -> Verdict {
        let a = j.arms.first { $0.arm == Rollout.championArm }
        let b = j.arms.first { $0.arm == challengerArm }
        let passed = j.action == .promote
        let metric = Verdict.Check(
            metric: "online_\(rollout.metric)", kind: .absoluteChange, candidate: b?.metricMean, baseline: a?.metricMean,
            measured: j.difference,
            threshold: "mSPRT α=\(rollout.alpha) (\(rollout.higherIsBetter ? "higher" : "lower") is better)",
            outcome: j.action == .promote || j.action == .none ? .pass : (j.action == .reject ? .fail : .pass),
            reason: String(format: "always-valid p = %.3g, difference %.4g in [%.4g, %.4g], %d vs %d outcomes", j.pValue, j.difference,
                           j.intervalLow ?? -.infinity, j.intervalHigh ?? .infinity, b?.outcomes ?? 0, a?.outcomes ?? 0))
        let errors = Verdict.Check(
            metric: "online_error_rate", kind: .value, candidate: b?.errorRate, baseline: nil, measured: b?.errorRate,
            threshold: "v ≤ \(rollout.maxErrorRate)", outcome: j.action == .rollbackErrors ? .fail : .pass,
            reason: "\(b?.errors ?? 0) of \(b?.requests ?? 0) requests failed")
        return Verdict(outcome: passed ? .pass : .fail, checks: [metric, errors], firstModel: false,
                       notes: ["rollout \(rollout.id) (\(rollout.mode.rawValue)): \(j.note)"])
    }
}
