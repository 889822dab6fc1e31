import Foundation
import Testing
@testable import DroverML

/// Softmax multiclass GBDT: one tree per class per round.
struct GBDTMulticlassTests {
    /// Three bands of x (text labels low/mid/high) with a noise feature and 5 % label noise.
    static func bands(rows n: Int, seed: UInt64) -> Table {
        var g = SplitMix64(seed: seed)
        var x: [Double] = [], noise: [Double] = [], codes: [Int32] = []
        for _ in 0..<n {
            let v = Double.random(in: -1...1, using: &g)
            x.append(v)
            noise.append(Double.random(in: 0...1, using: &g))
            let band: Int32 = v < -0.33 ? 0 : (v < 0.33 ? 1 : 2)
            codes.append(Double.random(in: 0...1, using: &g) < 0.05 ? Int32.random(in: 0...2, using: &g) : band)
        }
        return Table(columns: [Column(name: "x", numbers: x), Column(name: "noise", numbers: noise),
                               Column(name: "band", codes: codes, categories: ["low", "mid", "high"])])
    }

    @Test func threeClassesReachNinetyPercentAccuracyAndProbabilitiesSumToOne() throws {
        let table = Self.bands(rows: 3000, seed: 4)
        var o = TrainingOptions(kind: .gbdt, label: "band")
        o.holdoutModulo = 5
        o.trees = 50
        let model = try ModelTrainer.train(table, source: "memory", options: o)
        #expect(model.label.task == .multiclass && model.label.classes == ["high", "low", "mid"])
        #expect(model.gbdt?.objective == .multiclass && model.gbdt?.trees.count == 150 && model.gbdt?.outputs == 3)
        let metrics = try #require(model.training.holdoutMetrics?.classification)
        // Bayes accuracy is ≈ 0.967 (5 % of labels redrawn uniformly).
        #expect(metrics.accuracy >= 0.93, "accuracy \(metrics.accuracy)")
        #expect(metrics.logLoss < 0.35, "log loss \(metrics.logLoss)")
        let p = try model.predict(table, source: "memory")
        #expect(p.classCount == 3)
        for r in 0..<table.rowCount {
            let row = p.probabilities[(r * 3)..<(r * 3 + 3)]
            #expect(abs(row.reduce(0, +) - 1) < 1e-12 && row.allSatisfy { $0 > 0 && $0 < 1 })
        }
        let decoded = try ModelFile.decode(model.encoded(), source: "m")
        #expect(try decoded.predict(table, source: "memory").probabilities == p.probabilities)
    }

    /// Numbers with more than two values stay regression unless the objective says otherwise.
    @Test func numericLabelsNeedTheMulticlassObjective() throws {
        let base = Self.bands(rows: 600, seed: 5)
        let numeric = Column(name: "band", numbers: base.column(named: "band")!.codes.map(Double.init))
        let table = Table(columns: [base.columns[0], base.columns[1], numeric])
        var o = TrainingOptions(kind: .gbdt, label: "band")
        o.trees = 3
        #expect(try ModelTrainer.train(table, source: "memory", options: o).label.task == .regression)
        o.objective = .multiclass
        let model = try ModelTrainer.train(table, source: "memory", options: o)
        #expect(model.label.task == .multiclass && model.label.classes == ["0", "1", "2"])
        o.objective = .binaryLogLoss
        #expect(throws: ModelError.self) { try ModelTrainer.train(table, source: "memory", options: o) }
    }

    /// Sharding does not change the multiclass model (up to summation order). In the first
    /// round every class has two gradient values, so candidate splits of different leaves can
    /// tie exactly; with few leaves per tree no such tie decides which leaf is split.
    @Test func multiclassWithOneOrThreeShardsPredictsTheSame() throws {
        let table = Self.bands(rows: 1500, seed: 6)
        var o = TrainingOptions(kind: .gbdt, label: "band")
        o.trees = 5
        o.leaves = 6
        o.shards = 1
        let one = try ModelTrainer.train(table, source: "memory", options: o)
        o.shards = 3
        let three = try ModelTrainer.train(table, source: "memory", options: o)
        let (a, b) = (try one.predict(table, source: "m"), try three.predict(table, source: "m"))
        let worst = zip(a.probabilities, b.probabilities).map { abs($0 - $1) }.max() ?? 1
        #expect(worst <= 1e-9, "max difference \(worst)")
    }
}
