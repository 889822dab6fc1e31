import Foundation
import Testing
@testable import DroverML

private func close(_ a: Double, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    abs(a - b) <= tolerance * max(1, abs(a), abs(b))
}

@Test func shardedStatisticsEqualSinglePassOnDiamonds() throws {
    let table = try CSVReader.read(path: Fixtures.path("diamonds.csv"))
    let n = table.rowCount
    let whole = DatasetStatistics.compute(table)
    let cuts = [0, n / 3, 2 * n / 3, n]
    let shards = (0..<3).map { DatasetStatistics.compute(table, rows: cuts[$0]..<cuts[$0 + 1]) }
    let merged = try shards[0].merged(with: shards[1]).merged(with: shards[2])
    #expect(merged.rowCount == whole.rowCount)
    for (a, b) in zip(whole.columns, merged.columns) {
        #expect(a.count == b.count && a.missing == b.missing && a.distinct.count == b.distinct.count)
        #expect(a.categories == b.categories)
        if let x = a.numeric, let y = b.numeric {
            #expect(x.min == y.min && x.max == y.max && x.infinite == y.infinite && x.zeros == y.zeros)
            #expect(close(x.mean, y.mean) && close(x.moments.m2, y.moments.m2, 1e-8))
            let bound = (x.sketch.rankErrorBound + y.sketch.rankErrorBound) / Double(n)
            for (q, value) in zip([0.1, 0.5, 0.9], y.quantiles([0.1, 0.5, 0.9])) {
                let trueRank = Double(table.column(named: a.name)!.numbers.filter { $0 <= value }.count) / Double(n)
                #expect(trueRank >= q - bound - 1e-9, "\(a.name) q=\(q)")
            }
        }
    }
}

@Test func statisticsCountMissingInfiniteAndCategories() throws {
    let table = try csv("x,c\n1,a\n,b\ninf,a\n3,\n-inf,a\n")
    let stats = DatasetStatistics.compute(table)
    let x = try #require(stats.columns[0].numeric)
    #expect(stats.columns[0].missing == 1 && x.infinite == 2 && x.moments.count == 2)
    #expect(x.mean == 2 && x.min == 1 && x.max == 3)
    let c = stats.columns[1]
    #expect(c.missing == 1 && c.categories?.counts == ["a": 3, "b": 1] && c.distinct.count == 2)
    #expect(c.categories?.top(1).first?.value == "a")
}

@Test func statisticsRoundTripThroughJSON() throws {
    let table = try CSVReader.read(path: Fixtures.path("taxi.csv"))
    let stats = DatasetStatistics.compute(table)
    let data = try JSONEncoder().encode(stats)
    let decoded = try JSONDecoder().decode(DatasetStatistics.self, from: data)
    #expect(decoded == stats)
}

/// Property: for random data, shard layouts and distributions, every rank estimate is within the
/// stated worst-case bound n·H/(k−1), and in practice within 1 % of n.
@Test(arguments: [1, 2, 3, 4])
func sketchRankErrorStaysWithinTheStatedBound(seed: Int) {
    var generator = SplitMix64(seed: UInt64(seed))
    let n = 20_000 * seed + Int(generator.next() % 5000)
    let values: [Double] = (0..<n).map { i in
        switch seed % 3 {
        case 0: return Double.random(in: 0...1, using: &generator)
        case 1: return -log(Double.random(in: 1e-12...1, using: &generator)) // exponential
        default: return Double(i % 97) // many ties
        }
    }
    let shardCount = seed
    var sketches: [QuantileSketch] = []
    for s in 0..<shardCount {
        var sketch = QuantileSketch()
        sketch.insert(contentsOf: values[(n * s / shardCount)..<(n * (s + 1) / shardCount)])
        sketches.append(sketch)
    }
    let sketch = sketches.dropFirst().reduce(sketches[0]) { $0.merged(with: $1) }
    #expect(sketch.count == n)
    let sorted = values.sorted()
    var worst = 0.0
    for probe in stride(from: 0, to: n, by: max(1, n / 200)) {
        let x = sorted[probe]
        var trueRank = probe
        while trueRank < n && sorted[trueRank] <= x { trueRank += 1 }
        worst = max(worst, abs(sketch.rank(x) - Double(trueRank)))
    }
    #expect(worst <= sketch.rankErrorBound)
    #expect(worst <= 0.01 * Double(n), "worst \(worst) of \(n)")
}

/// Property: (a ∪ b) ∪ c and a ∪ (b ∪ c) agree: exactly in counts and extremes, to rounding in
/// moments, and both sketches within their rank bound of the truth.
@Test func mergeIsAssociative() throws {
    var generator = SplitMix64(seed: 11)
    let parts = (0..<3).map { p in (0..<(3000 + 1000 * p)).map { _ in Double.random(in: -5...5, using: &generator) + Double(p) } }
    let tables = parts.map { Table(columns: [Column(name: "x", numbers: $0)]) }
    let stats = tables.map { DatasetStatistics.compute($0) }
    let left = try stats[0].merged(with: stats[1]).merged(with: stats[2])
    let right = try stats[0].merged(with: stats[1].merged(with: stats[2]))
    let l = try #require(left.columns[0].numeric), r = try #require(right.columns[0].numeric)
    #expect(left.rowCount == right.rowCount && l.min == r.min && l.max == r.max)
    #expect(close(l.mean, r.mean, 1e-12) && close(l.moments.m2, r.moments.m2, 1e-12))
    #expect(left.columns[0].distinct.count == right.columns[0].distinct.count)
    let all = parts.flatMap { $0 }.sorted()
    for sketch in [l.sketch, r.sketch] {
        let median = sketch.quantile(0.5)
        let trueRank = Double(all.filter { $0 <= median }.count)
        #expect(abs(trueRank - 0.5 * Double(all.count)) <= sketch.rankErrorBound + 1)
    }
}

@Test func distinctCountIsExactBelowTheLimitAndWithinFivePercentAbove() {
    var exact = DistinctCounter()
    for i in 0..<900 { exact.insert(hash: StableHash.hash(Double(i % 450))) }
    #expect(exact.count == 450 && !exact.isApproximate)
    var a = DistinctCounter(), b = DistinctCounter()
    for i in 0..<60_000 { a.insert(hash: StableHash.hash(Double(i))) }
    for i in 40_000..<100_000 { b.insert(hash: StableHash.hash(Double(i))) }
    let union = a.merged(with: b)
    #expect(union.isApproximate)
    #expect(abs(Double(union.count) - 100_000) <= 5_000)
}

@Test func histogramFromSketchMatchesExactCounts() {
    let values = (0..<1000).map(Double.init)
    var sketch = QuantileSketch()
    sketch.insert(contentsOf: values)
    let edges = Histogram.equalWidthEdges(bins: 4, range: 0...999)
    let exact = Histogram.exact(values, edges: edges)
    let estimated = sketch.histogram(edges: edges)
    #expect(exact.counts.reduce(0, +) == 1000)
    for (e, s) in zip(exact.counts, estimated.counts) { #expect(abs(e - s) <= sketch.rankErrorBound * 2 + 1) }
}

@Test func extremeValuesStillEncodeAsJSON() throws {
    let table = try csv("x\n1.7e308\n-1.7e308\n1.7e308\n")
    let summary = DatasetSummary(source: "t", statistics: DatasetStatistics.compute(table))
    _ = try JSONEncoder().encode(summary)
    let drift = DriftDetector.compareColumn(table.columns[0], table.columns[0])
    _ = try JSONEncoder().encode(drift)
}

@Test func shardsReadWithRowRangesMergeToTheWholeFile() throws {
    let path = Fixtures.path("taxi.csv")
    let whole = try CSVReader.read(path: path)
    let types = Dictionary(uniqueKeysWithValues: whole.columns.map { ($0.name, $0.type) })
    let cuts = [0, 3333, 6666, 10_000]
    let partials = try (0..<3).map { i in
        DatasetStatistics.compute(try CSVReader.read(path: path, options: CSVOptions(rowRange: cuts[i]..<cuts[i + 1], columnTypes: types)))
    }
    let merged = try partials.dropFirst().reduce(partials[0]) { try $0.merged(with: $1) }
    let single = DatasetStatistics.compute(whole)
    #expect(merged.rowCount == 10_000)
    for (a, b) in zip(single.columns, merged.columns) {
        #expect(a.missing == b.missing && a.categories == b.categories && a.distinct.count == b.distinct.count, "\(a.name)")
        if let x = a.numeric, let y = b.numeric {
            #expect(x.min == y.min && x.max == y.max && close(x.mean, y.mean) && close(x.moments.m2, y.moments.m2, 1e-8))
        }
    }
}

@Test func statisticsEncodeToTheSameBytesEveryTime() throws {
    let table = try CSVReader.read(path: Fixtures.path("taxi.csv"))
    let encoder = JSONEncoder()
    encoder.outputFormatting = [.sortedKeys]
    let a = try encoder.encode(DatasetStatistics.compute(table))
    let b = try encoder.encode(DatasetStatistics.compute(table))
    #expect(a == b)
    // Sets and dictionaries built in another order must encode alike too.
    var x = DistinctCounter(), y = DistinctCounter()
    for i in 0..<500 { x.insert(hash: UInt64(i)) }
    for i in (0..<500).reversed() { y.insert(hash: UInt64(i)) }
    #expect(try encoder.encode(x) == encoder.encode(y))
}

/// Sketch levels, HyperLogLog registers and exact-distinct hashes are written packed (base64 of
/// little-endian bytes, bit-exact); statistics stored as JSON number arrays by earlier versions
/// (a champion's reference statistics) decode to the same values.
@Test func packedArraysRoundTripAndEarlierArraysStillDecode() throws {
    let table = try CSVReader.read(path: Fixtures.path("diamonds.csv"))
    let stats = DatasetStatistics.compute(table)
    let data = try JSONEncoder().encode(stats)
    #expect(try JSONDecoder().decode(DatasetStatistics.self, from: data) == stats)

    var columns = try #require((try JSONSerialization.jsonObject(with: data) as? [String: Any])?["columns"] as? [[String: Any]])
    #expect(columns.contains { ($0["distinct"] as? [String: Any])?["registers"] is String }, "HLL registers packed")
    func unpacked(_ text: String, _ size: Int, _ value: (UInt64) -> Any) throws -> [Any] {
        let bytes = [UInt8](try #require(Data(base64Encoded: text)))
        return stride(from: 0, to: bytes.count, by: size).map { i in
            value(bytes[i..<(i + size)].reversed().reduce(UInt64(0)) { $0 << 8 | UInt64($1) })
        }
    }
    for i in columns.indices {
        var distinct = try #require(columns[i]["distinct"] as? [String: Any])
        if let text = distinct["hashes"] as? String { distinct["hashes"] = try unpacked(text, 8) { $0 } }
        if let text = distinct["registers"] as? String { distinct["registers"] = try unpacked(text, 1) { $0 } }
        columns[i]["distinct"] = distinct
        if var numeric = columns[i]["numeric"] as? [String: Any], var sketch = numeric["sketch"] as? [String: Any] {
            sketch["levels"] = try (sketch["levels"] as? [String] ?? []).map { try unpacked($0, 8) { Double(bitPattern: $0) } }
            numeric["sketch"] = sketch
            columns[i]["numeric"] = numeric
        }
    }
    var earlier = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    earlier["columns"] = columns
    let old = try JSONSerialization.data(withJSONObject: earlier)
    #expect(!String(decoding: old, as: UTF8.self).contains("\"registers\":\""), "the earlier form has arrays")
    #expect(try JSONDecoder().decode(DatasetStatistics.self, from: old) == stats)
}
