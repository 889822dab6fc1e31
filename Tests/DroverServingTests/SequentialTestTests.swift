import DroverServing
import Foundation
import Testing

/// SplitMix64: a deterministic generator so the simulations give the same answer on every run.
struct SplitMix: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Running mean and variance of 0/1 or real observations (what the rollout store aggregates).
struct Running {
    var n = 0, sum = 0.0, squares = 0.0
    mutating func add(_ x: Double) { n += 1; sum += x; squares += x * x }
    var arm: SequentialTest.Arm {
        let mean = n > 0 ? sum / Double(n) : 0
        return .init(count: n, mean: mean, variance: n > 1 ? max(0, (squares - Double(n) * mean * mean) / Double(n - 1)) : 0)
    }
}

@Suite("mSPRT sequential test")
struct SequentialTestTests {
    /// Runs one experiment with a look after every `every` observations per arm; returns the decision.
    static func experiment(pA: Double, pB: Double, perArm: Int, every: Int, alpha: Double,
                           rng: inout SplitMix) -> SequentialTest.Decision {
        var test = SequentialTest(alpha: alpha, higherIsBetter: true, minimumPerArm: 100)
        var a = Running(), b = Running()
        for i in 1...perArm {
            a.add(Double.random(in: 0..<1, using: &rng) < pA ? 1 : 0)
            b.add(Double.random(in: 0..<1, using: &rng) < pB ? 1 : 0)
            if i % every == 0, test.look(champion: a.arm, challenger: b.arm) != .continuing { return test.decision }
        }
        return test.decision
    }

    @Test("A/A: peeking after every 10 rows, the false-positive rate stays at or below alpha")
    func aaFalsePositives() {
        var rng = SplitMix(state: 42)
        let runs = 400, alpha = 0.05
        var rejections = 0
        for _ in 0..<runs where Self.experiment(pA: 0.3, pB: 0.3, perArm: 4_000, every: 10, alpha: alpha, rng: &rng) != .continuing {
            rejections += 1
        }
        let rate = Double(rejections) / Double(runs)
        #expect(rate <= alpha, "false-positive rate \(rate) with continuous peeking exceeds α = \(alpha)")
    }

    @Test("a naive z-test peeking as often rejects far more than alpha (why the sequential test exists)")
    func naivePeekingInflates() {
        var rng = SplitMix(state: 7)
        let runs = 200
        var rejections = 0
        for _ in 0..<runs {
            var a = Running(), b = Running()
            for i in 1...4_000 {
                a.add(Double.random(in: 0..<1, using: &rng) < 0.3 ? 1 : 0)
                b.add(Double.random(in: 0..<1, using: &rng) < 0.3 ? 1 : 0)
                if i % 10 == 0, i >= 100 {
                    let v = a.arm.variance / Double(a.n) + b.arm.variance / Double(b.n)
                    if abs(b.arm.mean - a.arm.mean) / sqrt(v) > 1.96 { rejections += 1; break }
                }
            }
        }
        #expect(Double(rejections) / Double(runs) > 0.15)
    }

    @Test("a real difference is found, in the right direction, and the decision sticks")
    func power() {
        var rng = SplitMix(state: 3)
        #expect(Self.experiment(pA: 0.5, pB: 0.6, perArm: 5_000, every: 10, alpha: 0.05, rng: &rng) == .challengerBetter)
        #expect(Self.experiment(pA: 0.6, pB: 0.5, perArm: 5_000, every: 10, alpha: 0.05, rng: &rng) == .challengerWorse)
        var lower = SequentialTest(alpha: 0.05, higherIsBetter: false, minimumPerArm: 10)
        let d = lower.look(champion: .init(count: 1_000, mean: 1.0, variance: 0.25), challenger: .init(count: 1_000, mean: 1.5, variance: 0.25))
        #expect(d == .challengerWorse) // a larger error is worse
        #expect(lower.look(champion: .init(count: 2_000, mean: 1.5, variance: 0.25), challenger: .init(count: 2_000, mean: 1.0, variance: 0.25)) == .challengerWorse)
        #expect(lower.pValue <= 0.05)
    }

    @Test("no look before the minimum per arm; p-value never increases")
    func minimumAndMonotoneP() {
        var t = SequentialTest(alpha: 0.05, minimumPerArm: 100)
        #expect(t.look(champion: .init(count: 99, mean: 0, variance: 0.1), challenger: .init(count: 500, mean: 1, variance: 0.1)) == .continuing)
        #expect(t.looks == 0)
        var last = 1.0
        var rng = SplitMix(state: 9)
        var a = Running(), b = Running()
        for i in 1...3_000 {
            a.add(Double.random(in: 0..<1, using: &rng) < 0.4 ? 1 : 0)
            b.add(Double.random(in: 0..<1, using: &rng) < 0.4 ? 1 : 0)
            if i % 50 == 0 { t.look(champion: a.arm, challenger: b.arm); #expect(t.pValue <= last); last = t.pValue }
        }
    }
}
