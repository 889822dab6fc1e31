@testable import DroverCore
import Testing

/// ASHA and the median rule against Ray Tune's code (`async_hyperband.py`, `median_stopping_rule.py`):
/// expected values are worked out by hand from Ray's formulas, not taken from our output.
@Suite("Early stopping: Ray Tune's ASHA and median rule")
struct EarlyStoppingTests {
    @Test("rungs: grace·rf^k for k < int(log(max_t/grace)/log(rf) + 1); Ray's defaults give 1, 4, 16, 64")
    func rungs() {
        #expect(AsyncSuccessiveHalving().rungs.map(\.milestone) == [64, 16, 4, 1])
        #expect(AsyncSuccessiveHalving(gracePeriod: 1, reductionFactor: 2, maxT: 8).rungs.map(\.milestone) == [8, 4, 2, 1])
        #expect(AsyncSuccessiveHalving(gracePeriod: 10, reductionFactor: 3, maxT: 100).rungs.map(\.milestone) == [90, 30, 10])
    }

    @Test("numpy's linear percentile")
    func percentile() {
        #expect(AsyncSuccessiveHalving.percentile([1, 2, 3, 4], 75) == 3.25)
        #expect(AsyncSuccessiveHalving.percentile([5], 50) == 5)
        #expect(AsyncSuccessiveHalving.percentile([], 50) == nil)
        #expect(AsyncSuccessiveHalving.percentile([3, 1, 2], 50) == 2)
    }

    @Test("the first trial at a rung continues; later ones stop below the (1 − 1/rf) percentile of what the rung recorded")
    func ashaDecisions() {
        var asha = AsyncSuccessiveHalving(gracePeriod: 1, reductionFactor: 2, maxT: 8)
        #expect(asha.onResult(trial: 0, time: 1, reward: 0.5) == .continue)          // rung 1 empty
        #expect(asha.onResult(trial: 1, time: 1, reward: 0.3) == .stop(milestone: 1, cutoff: 0.5)) // median of [0.5]
        #expect(asha.onResult(trial: 2, time: 1, reward: 0.6) == .continue)          // cutoff 0.4 (median of 0.5, 0.3)
        #expect(asha.onResult(trial: 0, time: 2, reward: 0.7) == .continue)          // rung 2 empty
        #expect(asha.onResult(trial: 2, time: 2, reward: 0.65) == .stop(milestone: 2, cutoff: 0.7))
        // A stopped trial's value stays recorded: rung 1 holds all three.
        #expect(asha.rungs.first { $0.milestone == 1 }?.recorded == [0: 0.5, 1: 0.3, 2: 0.6])
        // Between milestones nothing is decided; a rung is decided once.
        #expect(asha.onResult(trial: 0, time: 3, reward: 0.1) == .continue)
        #expect(asha.onResult(trial: 0, time: 2, reward: 0.0) == .continue)
    }

    @Test("a result past several milestones acts only at the highest one not yet recorded (Ray walks the rungs top down and breaks)")
    func ashaSkipsToHighestRung() {
        var asha = AsyncSuccessiveHalving(gracePeriod: 1, reductionFactor: 2, maxT: 8)
        _ = asha.onResult(trial: 0, time: 4, reward: 0.9)
        #expect(asha.rungs.first { $0.milestone == 4 }?.recorded == [0: 0.9])
        #expect(asha.rungs.first { $0.milestone == 1 }?.recorded.isEmpty == true)
        #expect(asha.onResult(trial: 1, time: 5, reward: 0.8) == .stop(milestone: 4, cutoff: 0.9))
        // The next result of trial 0 at time 5 finds rung 4 recorded and goes down to rung 2.
        _ = asha.onResult(trial: 0, time: 5, reward: 0.9)
        #expect(asha.rungs.first { $0.milestone == 2 }?.recorded == [0: 0.9])
    }

    @Test("rf = 4 keeps the top quarter: cutoff is the 75th percentile; time ≥ max_t stops")
    func ashaQuarter() {
        var asha = AsyncSuccessiveHalving(gracePeriod: 1, reductionFactor: 4, maxT: 4)
        for (t, r) in [(0, 1.0), (1, 2.0), (2, 3.0), (3, 4.0)] { _ = asha.onResult(trial: t, time: 1, reward: r) }
        // recorded 1, 2, 3, 4 → 75th percentile 3.25
        #expect(asha.onResult(trial: 4, time: 1, reward: 3.2) == .stop(milestone: 1, cutoff: 3.25))
        #expect(asha.onResult(trial: 5, time: 1, reward: 3.3) == .continue)
        #expect(asha.onResult(trial: 5, time: 4, reward: 3.3) == .stop(milestone: nil, cutoff: nil))
    }

    @Test("median rule: the trial's best against the median of the others' running means over [grace, t]")
    func median() {
        var rule = MedianStoppingRule(gracePeriod: 1, minSamples: 2)
        // Trials 0 and 1 report 1, 2, 3 at times 1…3 (running mean 2 at t = 3), trial 2 reports 5, 5, 5.
        for t in 1...3 {
            #expect(rule.onResult(trial: 0, time: t, reward: Double(t)) == .continue) // fewer than 2 others at t
            _ = rule.onResult(trial: 2, time: t, reward: 5)
        }
        // Trial 1 at time 1: others at ≥ 1 are 0 and 2: means over [1, 1] are 1 and 5 → median 3; best 0.5 < 3.
        #expect(rule.onResult(trial: 1, time: 1, reward: 0.5) == .stop(best: 0.5, median: 3))
        // Grace period: nothing is decided before it.
        var late = MedianStoppingRule(gracePeriod: 5, minSamples: 1)
        _ = late.onResult(trial: 0, time: 4, reward: 10)
        #expect(late.onResult(trial: 1, time: 4, reward: 0) == .continue)
        // Best so far counts, not the last value: 3 ≥ median of means.
        var best = MedianStoppingRule(gracePeriod: 0, minSamples: 1)
        _ = best.onResult(trial: 0, time: 1, reward: 2)
        _ = best.onResult(trial: 1, time: 0, reward: 3)
        #expect(best.onResult(trial: 1, time: 1, reward: 0) == .continue) // best 3 vs trial 0's mean 2
    }
}
