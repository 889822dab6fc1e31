import Foundation
import Testing
@testable import DroverML

/// Sharded partials (per-shard compute, then merge) equal the single-pass result.
struct ModelShardTests {
    let x: FeatureMatrix
    let labels: [Double]

    init() throws {
        let table = ModelTestData.small(rows: 1000)
        let t = try FeatureTransform.fit(table, columns: ["x", "z", "color"], options: .linear)
        x = t.apply(table)
        labels = table.column(named: "label")!.numbers
    }

    static func close(_ a: [Double], _ b: [Double], tolerance: Double = 1e-9) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { abs($0 - $1) <= tolerance * max(1, abs($0), abs($1)) }
    }

    @Test func logisticGradientFromShardsEqualsSinglePass() {
        let w = LinearWeights(featureCount: x.featureCount, outputs: 1,
                              weights: (0..<x.featureCount).map { 0.1 * Double($0) - 0.2 }, intercepts: [0.3])
        let trainer = LogisticRegressionTrainer()
        let single = LogisticLoss.partial(x, labels: labels, weights: w, shard: Shard(rows: 0..<x.rowCount))
        for count in [2, 3, 7] {
            let sharded = trainer.gradient(x, labels: labels, weights: w,
                                           shards: Shard.partition(rowCount: x.rowCount, count: count))
            #expect(sharded.rows == single.rows)
            #expect(abs(sharded.loss - single.loss) <= 1e-9 * single.loss)
            #expect(Self.close(sharded.gradient, single.gradient))
        }
    }

    @Test func multinomialGradientFromShardsEqualsSinglePass() {
        let k = 3
        let w = LinearWeights(featureCount: x.featureCount, outputs: k,
                              weights: (0..<(x.featureCount * k)).map { 0.05 * Double($0 % 7) - 0.1 },
                              intercepts: [0.1, -0.2, 0.05])
        let y3 = (0..<x.rowCount).map { Double($0 % 3) }
        let single = LogisticLoss.partial(x, labels: y3, weights: w, shard: Shard(rows: 0..<x.rowCount))
        let sharded = LogisticRegressionTrainer().gradient(
            x, labels: y3, weights: w, shards: Shard.partition(rowCount: x.rowCount, count: 4))
        #expect(Self.close(sharded.gradient, single.gradient))
    }

    @Test func normalEquationStatisticsFromShardsEqualSinglePass() {
        let single = GramPartial.compute(x, targets: labels, shard: Shard(rows: 0..<x.rowCount))
        let sharded = LinearRegressionTrainer().statistics(
            x, targets: labels, shards: Shard.partition(rowCount: x.rowCount, count: 5))
        #expect(sharded.rows == single.rows)
        #expect(Self.close(sharded.xtx, single.xtx))
        #expect(Self.close(sharded.xty, single.xty))
        #expect(Self.close(sharded.xsum, single.xsum))
    }

    @Test func histogramFromShardsEqualsSinglePass() {
        let data = BinnedData(x, maxBins: 255)
        let gh = (0..<x.rowCount).flatMap { [sin(Double($0)), 0.5 + 0.25 * cos(Double($0))] }
        let all = (0..<x.rowCount).map { UInt32($0) }
        let stride = 256
        let single = all.withUnsafeBufferPointer { rows in
            HistogramPartial.build(data, binStride: stride, rows: rows, gradHess: gh)
        }
        let parts = Shard.partition(rowCount: x.rowCount, count: 3).map { shard in
            Array(all[shard.rows]).withUnsafeBufferPointer { rows in
                HistogramPartial.build(data, binStride: stride, rows: rows, gradHess: gh)
            }
        }
        let merged = parts.merged()!
        #expect(merged.rows == single.rows)
        #expect(Self.close(merged.values, single.values, tolerance: 1e-12))
        let byColumn = all.withUnsafeBufferPointer { rows in
            HistogramPartial.buildByColumn(data, binStride: stride, rows: rows, gradHess: gh)
        }
        #expect(Self.close(byColumn.values, single.values, tolerance: 1e-12))
    }

    @Test func gbdtWithOneOrThreeShardsPredictsTheSame() throws {
        var trainer = GBDTTrainer()
        trainer.trees = 10
        trainer.shards = 1
        let one = try trainer.fit(x, targets: labels, objective: .binaryLogLoss)
        trainer.shards = 3
        let three = try trainer.fit(x, targets: labels, objective: .binaryLogLoss)
        #expect(Self.close(one.rawScores(x), three.rawScores(x), tolerance: 1e-9))
    }

    @Test func shardPartitionCoversAllRowsOnce() {
        let shards = Shard.partition(rowCount: 10, count: 3)
        #expect(shards.map(\.rows) == [0..<3, 3..<6, 6..<10])
        #expect(Shard.partition(rowCount: 2, count: 5).count == 2)
    }
}

struct ModelBinningTests {
    @Test func radixSortMatchesSort() {
        var state: UInt64 = 1
        let values: [Double] = (0..<5000).map { i in
            state = state &* 6364136223846793005 &+ 1
            return i % 7 == 0 ? -0.0 : (Double(Int64(bitPattern: state)) / 1e15) * (i % 3 == 0 ? 1e-300 : 1)
        } + [0, -1, 1, .infinity, -.infinity]
        #expect(RadixSort.sorted(values) == values.sorted())
    }

    @Test func binSetThroughHoldsExactlyTheLowBins() {
        for last in [-1, 0, 62, 63, 64, 70, 127, 200, 255] {
            let set = BinSet(through: last)
            #expect((0...255).filter { set.contains(UInt8($0)) } == Array(0..<(last + 1)), "through \(last)")
        }
    }

    @Test func binsSplitBetweenDistinctValues() {
        let bins = FeatureBins.fit(sortedSample: [1, 1, 2, 3, 3, 3], maxBins: 255)
        #expect(bins.upperBounds == [1.5, 2.5])
        #expect([0.0, 1, 1.6, 2, 3, 99].map(bins.bin) == [0, 0, 1, 1, 2, 2])
        let coarse = FeatureBins.fit(sortedSample: (0..<1000).map(Double.init), maxBins: 10)
        #expect(coarse.binCount == 10)
    }
}
