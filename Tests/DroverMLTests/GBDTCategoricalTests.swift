import Foundation
import Testing
@testable import DroverML

/// Native categorical splits (LightGBM's gradient-sorted category grouping).
struct GBDTCategoricalTests {
    /// Category a or d → positive; b, c → negative: not separable by one ordinal threshold.
    static func table(rows n: Int) -> Table {
        let codes = (0..<n).map { Int32(($0 * 7) % 4) }
        let noise = (0..<n).map { Double(($0 * 37) % 101) }
        let label = codes.map { $0 == 0 || $0 == 3 ? "yes" : "no" }
        return Table(columns: [
            Column(name: "kind", codes: codes, categories: ["a", "b", "c", "d"]),
            Column(name: "noise", numbers: noise),
            Column(name: "label", codes: label.map { $0 == "yes" ? 1 : 0 }, categories: ["no", "yes"]),
        ])
    }

    @Test func oneSplitGroupsNonAdjacentCategoriesThatOrdinalCodesCannot() throws {
        let table = Self.table(rows: 2000)
        var o = TrainingOptions(kind: .gbdt, label: "label")
        o.holdoutModulo = 5
        o.trees = 1
        o.leaves = 2
        o.learningRate = 1
        let native = try ModelTrainer.train(table, source: "memory", options: o)
        let root = native.gbdt!.trees[0].nodes[0]
        #expect(root.feature == 0 && root.categoryCount == 1)
        let left = Set((0..<4).filter { native.gbdt!.trees[0].goesLeft(root, Double($0)) })
        #expect(left == [0, 3] || left == [1, 2], "left categories \(left)")
        #expect(native.training.holdoutMetrics?.classification?.accuracy == 1)
        #expect(native.training.parameters.categoricalFeatures == 1)

        o.categoricalSplits = false
        let ordinal = try ModelTrainer.train(table, source: "memory", options: o)
        #expect(ordinal.gbdt!.trees[0].nodes[0].categoryCount == 0)
        #expect((ordinal.training.holdoutMetrics?.classification?.accuracy ?? 1) <= 0.76)
    }

    /// NaN, negative, unseen and out-of-range codes go right; saved bitsets survive a round trip.
    @Test func unlistedCategoriesGoRightAndTheBitsetRoundTrips() throws {
        let table = Self.table(rows: 2000)
        var o = TrainingOptions(kind: .gbdt, label: "label")
        o.trees = 2
        let model = try ModelTrainer.train(table, source: "memory", options: o)
        let tree = model.gbdt!.trees[0]
        let root = tree.nodes[0]
        for v in [Double.nan, -1, 4, 1e300] { #expect(!tree.goesLeft(root, v)) }
        let decoded = try ModelFile.decode(model.encoded(), source: "m")
        #expect(decoded == model && !decoded.gbdt!.trees[0].categoryWords.isEmpty)
        let unseen = Table(columns: [
            Column(name: "kind", codes: [0, -1], categories: ["zzz"]),
            Column(name: "noise", numbers: [1, 1]),
        ])
        let p = try model.predict(unseen, source: "new")
        #expect(p.probabilities[0...1] == p.probabilities[2...3])  // unseen "zzz" = missing
    }

    /// LightGBM's scan: categories sorted by G/(H + cat_smooth), at most max_cat_threshold on
    /// the left, min_data_per_group rows between scored points.
    @Test func splitterRespectsMaxCatThresholdAndMinDataPerGroup() {
        // 8 categories of 100 rows with hessian 1 per row; gradients make 0..3 negative-leaning.
        var hist = [Double]()
        for b in 0..<8 { hist += [b < 4 ? -40.0 + Double(b) : 30 + Double(b), 100] }
        hist += [0, 0]  // other bin
        let bins = FeatureBins(upperBounds: [], categories: Array(0..<8))
        let finder = SplitFinder(lambda: 0, minDataInLeaf: 20)
        let leaf = SplitFinder.Leaf(sumG: hist.enumerated().filter { $0.offset % 2 == 0 }.map(\.element).reduce(0, +),
                                    sumH: 800, count: 800)
        func best(_ splitter: CategoricalSplitter) -> [Int] {
            hist.withUnsafeBufferPointer { v in
                let c = splitter.best(v, feature: 0, bins: bins, leaf: leaf, finder: finder)
                return (0..<8).filter { c?.leftBins.contains(UInt8($0)) ?? false }
            }
        }
        let grouped = best(CategoricalSplitter())  // either side of the same partition
        #expect(grouped == [0, 1, 2, 3] || grouped == [4, 5, 6, 7], "\(grouped)")
        var s = CategoricalSplitter()
        s.maxCatThreshold = 2
        #expect(best(s).count == 2)
        s = CategoricalSplitter()
        s.minDataPerGroup = 300  // scored only after 3 categories (300 rows)
        #expect(best(s).count == 3)
    }
}
