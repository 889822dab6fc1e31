import DroverCore
import Testing

@Suite("Promotion verdicts (TFX Evaluator semantics)")
struct VerdictEvaluatorTests {
    func verdict(_ thresholds: [MetricThreshold], _ candidate: [String: Double], _ baseline: [String: Double]?,
                 first: FirstModelPolicy = .valueThresholdsOnly) throws -> Verdict {
        try VerdictEvaluator.evaluate(policy: PromotionPolicy(thresholds: thresholds, firstModel: first),
                                      candidate: candidate, baseline: baseline)
    }

    @Test("value bounds are inclusive at both ends")
    func valueBoundsInclusive() throws {
        let t = [MetricThreshold(metric: "auc", value: ValueThreshold(lower: 0.7, upper: 0.9))]
        #expect(try verdict(t, ["auc": 0.7], nil).passed)
        #expect(try verdict(t, ["auc": 0.9], nil).passed)
        #expect(try !verdict(t, ["auc": 0.6999999], nil).passed)
        #expect(try !verdict(t, ["auc": 0.9000001], nil).passed)
    }

    @Test("an unset bound is unbounded")
    func unsetBound() throws {
        let t = [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 500))]
        #expect(try verdict(t, ["rmse": -1e300], nil).passed)
        let v = try verdict(t, ["rmse": 501], nil)
        #expect(!v.passed)
        #expect(v.checks[0].reason.contains("above the upper bound 500"))
    }

    @Test("absolute change, higher is better: d ≥ absolute")
    func absoluteHigher() throws {
        let t = [MetricThreshold(metric: "auc", change: ChangeThreshold(absolute: 0.25, direction: .higherIsBetter))]
        #expect(try verdict(t, ["auc": 0.75], ["auc": 0.5]).passed)   // d = 0.25 exactly: inclusive
        #expect(try verdict(t, ["auc": 0.875], ["auc": 0.5]).passed)
        let v = try verdict(t, ["auc": 0.625], ["auc": 0.5])
        #expect(!v.passed)
        #expect(v.checks[0].measured == 0.125)
        #expect(v.checks[0].baseline == 0.5)
    }

    @Test("absolute change, lower is better: d ≤ absolute; the not-worse setting accepts a tie")
    func absoluteLower() throws {
        let notWorse = [MetricThreshold(metric: "rmse", change: .notWorse(.lowerIsBetter))]
        #expect(try verdict(notWorse, ["rmse": 10], ["rmse": 10]).passed)
        #expect(try verdict(notWorse, ["rmse": 9], ["rmse": 10]).passed)
        #expect(try !verdict(notWorse, ["rmse": 10.001], ["rmse": 10]).passed)
        let improveBy5 = [MetricThreshold(metric: "rmse", change: ChangeThreshold(absolute: -5, direction: .lowerIsBetter))]
        #expect(try verdict(improveBy5, ["rmse": 95], ["rmse": 100]).passed)  // d = -5 ≤ -5, inclusive
        #expect(try !verdict(improveBy5, ["rmse": 96], ["rmse": 100]).passed)
    }

    @Test("relative change is d / |baseline|, with direction")
    func relative() throws {
        let higher = [MetricThreshold(metric: "acc", change: ChangeThreshold(relative: 0.1, direction: .higherIsBetter))]
        #expect(try verdict(higher, ["acc": 0.55], ["acc": 0.5]).passed)     // +10%
        #expect(try !verdict(higher, ["acc": 0.54], ["acc": 0.5]).passed)    // +8%
        let lower = [MetricThreshold(metric: "loss", change: ChangeThreshold(relative: -0.2, direction: .lowerIsBetter))]
        #expect(try verdict(lower, ["loss": 8], ["loss": 10]).passed)        // −20%
        #expect(try !verdict(lower, ["loss": 9], ["loss": 10]).passed)       // −10%
        // A negative baseline keeps the direction's meaning: −2 → −1 is an improvement of +50%.
        let r2 = [MetricThreshold(metric: "r2", change: ChangeThreshold(relative: 0.4, direction: .higherIsBetter))]
        let v = try verdict(r2, ["r2": -1], ["r2": -2])
        #expect(v.passed)
        #expect(v.checks[0].measured == 0.5)
    }

    @Test("a zero baseline makes a relative change undefined, and the check fails")
    func zeroBaseline() throws {
        let t = [MetricThreshold(metric: "acc", change: ChangeThreshold(relative: 0, direction: .higherIsBetter))]
        let v = try verdict(t, ["acc": 0.9], ["acc": 0])
        #expect(!v.passed)
        #expect(v.checks[0].reason.contains("undefined"))
    }

    @Test("absolute and relative together: both must pass")
    func bothChangeKinds() throws {
        let t = [MetricThreshold(metric: "auc", change: ChangeThreshold(absolute: 0.01, relative: 0.05, direction: .higherIsBetter))]
        let v = try verdict(t, ["auc": 0.52], ["auc": 0.5])  // d = 0.02 ok, d/b = 4% < 5%
        #expect(v.checks.count == 2)
        #expect(v.checks.map(\.passed) == [true, false])
        #expect(!v.passed)
        #expect(try verdict(t, ["auc": 0.53], ["auc": 0.5]).passed)
    }

    @Test("a metric the candidate lacks fails its checks")
    func missingCandidateMetric() throws {
        let t = [MetricThreshold(metric: "auc", value: ValueThreshold(lower: 0.5), change: .notWorse(.higherIsBetter))]
        let v = try verdict(t, ["accuracy": 0.9], ["auc": 0.7])
        #expect(!v.passed)
        #expect(v.checks.count == 2)
        #expect(v.checks.allSatisfy { !$0.passed && $0.candidate == nil && $0.reason.contains("no metric 'auc'") })
    }

    @Test("a NaN candidate value fails")
    func nanCandidate() throws {
        let t = [MetricThreshold(metric: "auc", value: ValueThreshold(lower: 0.5))]
        #expect(try !verdict(t, ["auc": .nan], nil).passed)
    }

    @Test("a change threshold whose champion lacks the metric fails")
    func missingBaselineMetric() throws {
        let t = [MetricThreshold(metric: "auc", change: .notWorse(.higherIsBetter))]
        let v = try verdict(t, ["auc": 0.9], ["accuracy": 0.7])
        #expect(!v.passed)
        #expect(v.checks[0].reason.contains("champion has no metric"))
    }

    @Test("first model, default policy: change thresholds are dropped and value thresholds decide")
    func firstModelValueOnly() throws {
        let t = [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100), change: .notWorse(.lowerIsBetter))]
        let pass = try verdict(t, ["rmse": 90], nil)
        #expect(pass.passed)
        #expect(pass.firstModel)
        #expect(pass.checks.map(\.kind) == [.value])
        #expect(pass.notes.contains { $0.contains("no champion yet") })
        #expect(try !verdict(t, ["rmse": 110], nil).passed)
    }

    @Test("first model with only change thresholds cannot pass: nothing was checked")
    func firstModelNothingChecked() throws {
        let t = [MetricThreshold(metric: "rmse", change: .notWorse(.lowerIsBetter))]
        let v = try verdict(t, ["rmse": 1], nil)
        #expect(!v.passed)
        #expect(v.checks.isEmpty)
    }

    @Test("first model, reject policy: never passes, even with every value threshold met")
    func firstModelReject() throws {
        let t = [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100))]
        let v = try verdict(t, ["rmse": 1], nil, first: .reject)
        #expect(!v.passed)
        #expect(v.checks.allSatisfy { $0.passed })
        // With a champion the reject policy does not apply.
        #expect(try verdict(t, ["rmse": 1], ["rmse": 2], first: .reject).passed)
    }

    @Test("a policy without thresholds, or with contradictory ones, is a configuration error")
    func invalidPolicies() {
        #expect(throws: PromotionPolicyError.noThresholds) { try verdict([], ["a": 1], nil) }
        #expect(throws: PromotionPolicyError.self) { try verdict([MetricThreshold(metric: "a")], ["a": 1], nil) }
        #expect(throws: PromotionPolicyError.self) {
            try verdict([MetricThreshold(metric: "a", value: ValueThreshold(lower: 2, upper: 1))], ["a": 1], nil)
        }
        #expect(throws: PromotionPolicyError.self) {
            try verdict([MetricThreshold(metric: "a", change: ChangeThreshold(direction: .higherIsBetter))], ["a": 1], nil)
        }
        #expect(throws: PromotionPolicyError.self) {
            try verdict([MetricThreshold(metric: "a", value: ValueThreshold(lower: 0)),
                         MetricThreshold(metric: "a", value: ValueThreshold(upper: 1))], ["a": 1], nil)
        }
    }

    @Test("every check passing is a pass; one failing check is a fail")
    func conjunction() throws {
        let t = [MetricThreshold(metric: "auc", value: ValueThreshold(lower: 0.5)),
                 MetricThreshold(metric: "logloss", value: ValueThreshold(upper: 0.7))]
        #expect(try verdict(t, ["auc": 0.6, "logloss": 0.6], nil).passed)
        let v = try verdict(t, ["auc": 0.6, "logloss": 0.8], nil)
        #expect(!v.passed)
        #expect(v.failures.count == 1)
    }

    @Test("the table shows every check, the failures' reasons and the outcome")
    func table() throws {
        let t = [MetricThreshold(metric: "rmse", value: ValueThreshold(upper: 100), change: .notWorse(.lowerIsBetter))]
        let text = try verdict(t, ["rmse": 120], ["rmse": 110]).table
        #expect(text.contains("metric"))
        #expect(text.contains("absolute_change"))
        #expect(text.contains("120"))
        #expect(text.contains("110"))
        #expect(text.contains("FAIL"))
        #expect(text.hasSuffix("verdict: FAIL"))
    }
}
