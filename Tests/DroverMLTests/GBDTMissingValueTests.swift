import Foundation
import Testing
@testable import DroverML

/// Missing values get a bin of their own and each split learns which way they go.
struct GBDTMissingValueTests {
    /// x ~ U(−1, 1), label = x > 0.3; a quarter of the rows have x missing, and those are
    /// positive 95 % of the time (missingness is informative). `noise` is a useless second feature.
    static func informativeMissing(rows n: Int, seed: UInt64) -> (FeatureMatrix, [Double]) {
        var g = SplitMix64(seed: seed)
        var x: [Double] = [], noise: [Double] = [], y: [Double] = []
        for _ in 0..<n {
            let v = Double.random(in: -1...1, using: &g)
            noise.append(Double.random(in: 0...1, using: &g))
            if Double.random(in: 0...1, using: &g) < 0.25 {
                x.append(.nan)
                y.append(Double.random(in: 0...1, using: &g) < 0.95 ? 1 : 0)
            } else {
                x.append(v)
                y.append(v > 0.3 ? 1 : 0)
            }
        }
        return (FeatureMatrix(rowCount: n, featureCount: 2, values: x + noise), y)
    }

    /// The same matrix with NaN replaced by the mean of the observed values (the old path).
    static func meanImputed(_ m: FeatureMatrix, observedFrom train: FeatureMatrix) -> FeatureMatrix {
        let observed = (0..<train.rowCount).map { train[$0, 0] }.filter { !$0.isNaN }
        let mean = observed.reduce(0, +) / Double(observed.count)
        var values = m.values
        for r in 0..<m.rowCount where values[r].isNaN { values[r] = mean }
        return FeatureMatrix(rowCount: m.rowCount, featureCount: m.featureCount, values: values)
    }

    static func accuracy(_ model: GBDTModel, _ x: FeatureMatrix, _ y: [Double]) -> Double {
        let z = model.rawScores(x)
        return Double(zip(z, y).filter { ($0 > 0) == ($1 == 1) }.count) / Double(y.count)
    }

    /// One split "x ≤ 0.3, missing right" separates the classes; after mean imputation the
    /// missing rows sit among the negatives at x ≈ 0 and need an interval of their own, so one
    /// split after imputation misclassifies either them or the negatives in (0, 0.3] (≥ 10 %). At the default budget (100 trees
    /// of 31 leaves) imputation can carve that interval, and the learned direction is still
    /// at least as good.
    @Test func learnedDirectionBeatsMeanImputationWhenMissingnessIsInformative() throws {
        let (x, y) = Self.informativeMissing(rows: 4000, seed: 1)
        let (xt, yt) = Self.informativeMissing(rows: 2000, seed: 2)
        let (xi, xti) = (Self.meanImputed(x, observedFrom: x), Self.meanImputed(xt, observedFrom: x))
        var stump = GBDTTrainer()
        stump.trees = 1
        stump.leaves = 2
        stump.learningRate = 1
        let learned = try stump.fit(x, targets: y, objective: .binaryLogLoss)
        let imputed = try stump.fit(xi, targets: y, objective: .binaryLogLoss)
        let (learnedAccuracy, imputedAccuracy) = (Self.accuracy(learned, xt, yt), Self.accuracy(imputed, xti, yt))
        #expect(learnedAccuracy >= 0.97, "learned \(learnedAccuracy)")
        #expect(learnedAccuracy >= imputedAccuracy + 0.08, "learned \(learnedAccuracy), imputed \(imputedAccuracy)")
        let root = learned.trees[0].nodes[0]
        #expect(root.feature == 0 && !root.missingLeft && abs(root.threshold - 0.3) < 0.02, "\(root)")

        let full = GBDTTrainer()
        let (a, b) = (try full.fit(x, targets: y, objective: .binaryLogLoss), try full.fit(xi, targets: y, objective: .binaryLogLoss))
        #expect(Self.accuracy(a, xt, yt) >= Self.accuracy(b, xti, yt), "default budget")
    }

    /// A missing value at prediction follows the stored direction, both ways.
    @Test func predictionSendsMissingTheLearnedWay() throws {
        for missingIsPositive in [true, false] {
            let n = 1000
            let x = (0..<n).map { $0 % 4 == 0 ? Double.nan : Double($0 % 100) }
            let y = (0..<n).map { r in x[r].isNaN ? (missingIsPositive ? 1.0 : 0) : (x[r] < 50 ? 1 : 0) }
            var trainer = GBDTTrainer()
            trainer.trees = 3
            trainer.leaves = 2
            let model = try trainer.fit(FeatureMatrix(rowCount: n, featureCount: 1, values: x), targets: y,
                                        objective: .binaryLogLoss)
            #expect(model.trees[0].nodes[0].missingLeft == missingIsPositive)
            let probe = FeatureMatrix(rowCount: 3, featureCount: 1, values: [.nan, 10, 90])
            let z = model.rawScores(probe)
            #expect((z[0] > 0) == missingIsPositive && z[1] > 0 && z[2] < 0, "\(z)")
        }
    }

    /// A feature without NaNs in training sends NaN at prediction to the larger child.
    @Test func unseenMissingGoesToTheLargerChild() throws {
        let n = 1000
        let x = (0..<n).map { Double($0) }
        let y = (0..<n).map { $0 < 800 ? 0.0 : 1 }
        var trainer = GBDTTrainer()
        trainer.trees = 1
        trainer.leaves = 2
        let model = try trainer.fit(FeatureMatrix(rowCount: n, featureCount: 1, values: x), targets: y,
                                    objective: .binaryLogLoss)
        #expect(model.trees[0].nodes[0].missingLeft)
        let z = model.rawScores(FeatureMatrix(rowCount: 2, featureCount: 1, values: [.nan, 10]))
        #expect(z[0] == z[1])
    }

    /// End to end: a table with missing numbers and categories trains without imputation and the
    /// model file keeps the transform that passes NaN through.
    @Test func trainerKeepsMissingValuesForGBDT() throws {
        let table = ModelTestData.small(rows: 300)
        var o = TrainingOptions(kind: .gbdt, label: "label")
        o.trees = 3
        let model = try ModelTrainer.train(table, source: "memory", options: o)
        #expect(model.transform.options.numericImputation == .keep)
        #expect(model.transform.apply(table)[5, 0].isNaN)
        let decoded = try ModelFile.decode(model.encoded(), source: "m")
        #expect(decoded == model)
    }

    /// A model written before learned missing directions (format 2, taxi, 4 trees; made by the
    /// earlier `drover train`) still reads, reproduces its stored holdout metrics, and still
    /// imputes: a missing distance predicts like the training mean.
    @Test func legacyModelStillLoadsAndPredictsAsBefore() throws {
        let model = try ModelFile.read(path: Fixtures.path("legacy-gbdt-v2.drover"))
        let table = try ModelTestData.table("taxi.csv", label: "tip")
        let holdout = (0..<table.rowCount).filter { $0 % 5 == 4 }
        let metrics = model.metrics(model.predict(features: model.transform.apply(table, rows: holdout)),
                                    targets: try ModelTrainer.encodeTargets(table.column(named: "tip")!, rows: holdout,
                                                                            label: model.label, source: "taxi"))
        #expect(metrics == model.training.holdoutMetrics)
        #expect(model.transform.options.numericImputation == .mean)
        guard case .numeric(let distance) = model.transform.steps[0] else { Issue.record("not numeric"); return }
        let probe = Table(columns: table.columns.map { c in
            if c.name == "distance" { return Column(name: "distance", numbers: [.nan, distance.fill]) }
            return c.type == .categorical ? Column(name: c.name, codes: [c.codes[0], c.codes[0]], categories: c.categories)
                : Column(name: c.name, numbers: [c.numbers[0], c.numbers[0]], type: c.type)
        })
        let p = try model.predict(probe, source: "probe")
        #expect(p.probabilities[0...1] == p.probabilities[2...3])
    }
}
