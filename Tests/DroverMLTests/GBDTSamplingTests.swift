import Foundation
import Testing
@testable import DroverML

/// Bagging, feature subsampling and early stopping.
struct GBDTSamplingTests {
    static func data(rows n: Int = 2000, seed: UInt64 = 3) -> (FeatureMatrix, [Double]) {
        var g = SplitMix64(seed: seed)
        let f = 6
        var values = [Double](repeating: 0, count: n * f)
        var y: [Double] = []
        for r in 0..<n {
            var s = 0.0
            for j in 0..<f {
                let v = Double.random(in: -1...1, using: &g)
                values[j * n + r] = v
                s += v * Double(j + 1)
            }
            y.append(s + Double.random(in: -0.5...0.5, using: &g) > 0 ? 1 : 0)
        }
        return (FeatureMatrix(rowCount: n, featureCount: f, values: values), y)
    }

    static func sampled(seed: UInt64, shards: Int = 2) -> GBDTTrainer {
        var t = GBDTTrainer()
        t.trees = 8
        t.shards = shards
        t.sampling.baggingFraction = 0.7
        t.sampling.baggingFrequency = 1
        t.sampling.featureFraction = 0.5
        t.sampling.seed = seed
        return t
    }

    @Test func subsamplingIsDeterministicUnderASeed() throws {
        let (x, y) = Self.data()
        let a = try Self.sampled(seed: 11).fit(x, targets: y, objective: .binaryLogLoss)
        let b = try Self.sampled(seed: 11).fit(x, targets: y, objective: .binaryLogLoss)
        let c = try Self.sampled(seed: 12).fit(x, targets: y, objective: .binaryLogLoss)
        var plain = GBDTTrainer()
        plain.trees = 8
        let full = try plain.fit(x, targets: y, objective: .binaryLogLoss)
        #expect(a == b)
        #expect(a != c && a.trees != full.trees)
        // The bag does not depend on the sharding: 1 and 3 shards grow the same trees.
        let one = try Self.sampled(seed: 11, shards: 1).fit(x, targets: y, objective: .binaryLogLoss)
        let three = try Self.sampled(seed: 11, shards: 3).fit(x, targets: y, objective: .binaryLogLoss)
        #expect(zip(one.rawScores(x), three.rawScores(x)).allSatisfy { abs($0 - $1) <= 1e-9 })
    }

    @Test func baggingDrawsTheFractionAndFeatureFractionLimitsEachTree() throws {
        var s = GBDTSampling()
        s.baggingFraction = 0.7
        s.baggingFrequency = 2
        s.featureFraction = 0.5
        s.seed = 5
        let shards = Shard.partition(rowCount: 10_000, count: 3)
        let bag0 = try #require(s.bag(round: 0, shards: shards))
        let drawn = bag0.reduce(0) { $0 + $1.count }
        #expect(abs(Double(drawn) / 10_000 - 0.7) < 0.02)
        #expect(s.bag(round: 1, shards: shards)! == bag0 && s.bag(round: 2, shards: shards)! != bag0)
        #expect(s.bag(round: 0, shards: [Shard(rows: 0..<10_000)])!.flatMap { $0 } == bag0.flatMap { $0 })
        let (x, y) = Self.data()
        let model = try Self.sampled(seed: 11).fit(x, targets: y, objective: .binaryLogLoss)
        s.seed = 11  // as `sampled(seed: 11)`
        for (t, tree) in model.trees.enumerated() {
            let used = Set(tree.nodes.map(\.feature).filter { $0 >= 0 })
            let mask = s.features(tree: t, count: 6)!
            let allowed = Set(mask.indices.filter { mask[$0] })
            #expect(allowed.count == 3 && used.isSubset(of: allowed) && !used.isEmpty, "tree \(t) uses \(used) of \(allowed)")
        }
    }

    /// Labels are coin flips: every tree after the first few only fits noise, so the
    /// validation loss rises; training stops `rounds` rounds after its minimum and keeps the
    /// trees up to it — the same trees a run without early stopping grows on the same rows.
    @Test func earlyStoppingKeepsTheBestIterationOnASetBuiltToOverfit() throws {
        let (x, _) = Self.data(rows: 3000)
        var g = SplitMix64(seed: 99)
        let y = (0..<3000).map { _ in Double(Int.random(in: 0...1, using: &g)) }
        var t = GBDTTrainer()
        t.trees = 200
        t.learningRate = 0.3
        t.minDataInLeaf = 2
        t.sampling.seed = 4
        t.earlyStopping = GBDTEarlyStopping(rounds: 5, validationFraction: 0.2)
        let stopped = try t.fit(x, targets: y, objective: .binaryLogLoss)

        let (train, held) = t.earlyStopping!.split(rowCount: 3000, seed: 4)
        #expect(abs(Double(held.count) / 3000 - 0.2) < 0.03)
        var full = t
        full.earlyStopping = nil
        full.trees = stopped.trees.count + 5
        let all = try full.fit(x.selecting(rows: train), targets: train.map { y[$0] }, objective: .binaryLogLoss)
        let xv = x.selecting(rows: held), yv = held.map { y[$0] }
        var losses: [Double] = []
        for k in 1...all.trees.count {
            var prefix = all
            prefix.trees = Array(all.trees.prefix(k))
            losses.append(GBDTLoss.loss(.binaryLogLoss, scores: prefix.rawScores(xv), targets: yv))
        }
        let best = losses.indices.min { losses[$0] < losses[$1] }! + 1
        #expect(stopped.trees.count == best, "kept \(stopped.trees.count), best \(best), losses \(losses)")
        #expect(stopped.trees == Array(all.trees.prefix(best)))
        #expect(best + 5 == all.trees.count && best < 50)
    }
}
