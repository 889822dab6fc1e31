import Testing
@testable import DroverML

@Suite("Statistics comparison (drift report plots)")
struct StatisticsComparisonTests {
    static func stats(_ numbers: [Double], _ codes: [Int32]) -> DatasetStatistics {
        DatasetStatistics.compute(Table(columns: [Column(name: "x", numbers: numbers),
                                                  Column(name: "c", codes: codes, categories: ["a", "b", "c"])]))
    }

    @Test("a shifted numeric column drifts; both sides are binned on common edges and sum to 1; an unchanged category does not drift")
    func shiftedColumn() {
        let ref = Self.stats((0..<1000).map { Double($0 % 100) }, (0..<1000).map { Int32($0 % 3) })
        let cur = Self.stats((0..<1000).map { Double($0 % 100) + 80 }, (0..<1000).map { Int32($0 % 3) })
        let c = StatisticsComparison.compare(reference: ref, current: cur, bins: 9)
        let x = try! #require(c.columns.first { $0.name == "x" })
        #expect(x.drifted && x.measure == "mean_shift_sd" && (x.value ?? 0) > 2)
        #expect(x.bins.count == 9 && x.bins.first!.hasPrefix("[0,") && x.bins.last!.hasSuffix("179]"))
        #expect(abs(x.reference.reduce(0, +) - 1) < 1e-9 && abs(x.current.reduce(0, +) - 1) < 1e-9)
        #expect(x.reference.last == 0 && x.current.first == 0, "the reference lies low, the current high: \(x.reference) \(x.current)")
        let cat = try! #require(c.columns.first { $0.name == "c" })
        #expect(!cat.drifted && cat.measure == "psi" && (cat.value ?? 1) < 1e-9 && cat.bins.sorted() == ["a", "b", "c"])
        #expect(c.driftedCount == 1 && c.referenceRows == 1000 && c.currentRows == 1000)
    }

    @Test("a category whose share moved drifts by PSI")
    func categoryDrift() {
        let ref = Self.stats([1, 2, 3, 4], [0, 0, 0, 1])
        let cur = Self.stats([1, 2, 3, 4], [1, 1, 1, 2])
        let cat = StatisticsComparison.compare(reference: ref, current: cur).columns.first { $0.name == "c" }
        #expect(cat?.drifted == true && (cat?.value ?? 0) > 0.2)
        #expect(StatisticsComparison.compare(reference: ref, current: cur).columns.first { $0.name == "x" }?.drifted == false)
    }
}
