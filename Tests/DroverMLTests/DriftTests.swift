import Foundation
import Testing
@testable import DroverML

private func close(_ a: Double?, _ b: Double, _ tolerance: Double = 1e-9) -> Bool {
    guard let a else { return false }
    return abs(a - b) <= tolerance * max(1, abs(b))
}

/// A fixed small numeric sample, also written in Python for the expected values below.
private let referenceSample = (0..<150).map { Double(($0 * 37) % 101) * 0.1 }
private let currentSample = (0..<120).map { Double(($0 * 53) % 89) * 0.12 + 0.5 }

/// Expected values computed once with scipy 1.17.1 / numpy 2.4.6 (Python, this sample):
///   ref = [((i*37) % 101) * 0.1 for i in range(150)]; cur = [((i*53) % 89) * 0.12 + 0.5 for i in range(120)]
///   ks_2samp(ref, cur, method='exact') → D 0.1233333333333334, p 0.24280673893926036
///   wasserstein_distance(ref, cur) / np.std(ref) → 0.2955714264067498
///   bins = np.histogram_bin_edges(ref+cur, bins='sturges') (10 bins); shares by np.histogram
///   jensenshannon(r, c) → 0.1827766556255221; PSI with Evidently's zero fill → 0.3100426759405134
@Test func numericDriftMatchesScipy() {
    let drift = DriftDetector.compareColumn(Column(name: "x", numbers: referenceSample), Column(name: "x", numbers: currentSample))
    let m = drift.measures
    #expect(close(m.ksStatistic, 0.1233333333333334))
    #expect(close(m.ksPValue, 0.24280673893926036, 1e-9))
    #expect(close(m.wasserstein, 0.2955714264067498))
    #expect(close(m.jensenShannon, 0.1827766556255221))
    #expect(close(m.psi, 0.3100426759405134))
    // Small reference, numeric with > 5 unique values: KS at p < 0.05 (Evidently's default).
    #expect(drift.method == .ks && drift.threshold == 0.05 && !drift.drifted)
}

/// scipy: a = [((i*13)%17)*1.0 for i in range(40)]; b = [((i*7)%19)*1.0+1.5 for i in range(30)]
/// ks_2samp(a, b, method='exact') → D 0.23333333333333334, p 0.27124368406521887.
@Test func exactKSPValueMatchesScipyWithTies() {
    let a = (0..<40).map { Double(($0 * 13) % 17) }, b = (0..<30).map { Double(($0 * 7) % 19) + 1.5 }
    let m = DriftDetector.compareColumn(Column(name: "x", numbers: a), Column(name: "x", numbers: b)).measures
    #expect(close(m.ksStatistic, 0.23333333333333334))
    #expect(close(m.ksPValue, 0.27124368406521887, 1e-9))
}

/// scipy: chisquare([40, 35, 25], [50, 30, 20]) → p 0.12981217685543797;
/// jensenshannon([.5, .3, .2], [.4, .35, .25]) → 0.07167825088993672; PSI 0.041179066688494366; L∞ 0.1.
@Test func categoricalDriftMatchesScipy() {
    let ref = Column(name: "c", codes: Array(repeating: 0, count: 50) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 20),
                     categories: ["a", "b", "c"])
    let cur = Column(name: "c", codes: Array(repeating: 0, count: 25) + Array(repeating: 1, count: 40) + Array(repeating: 2, count: 35),
                     categories: ["c", "a", "b"])
    let drift = DriftDetector.compareColumn(ref, cur)
    #expect(close(drift.measures.chiSquarePValue, 0.12981217685543797, 1e-9))
    #expect(close(drift.measures.jensenShannon, 0.07167825088993672))
    #expect(close(drift.measures.psi, 0.041179066688494366))
    #expect(close(drift.measures.lInfinity, 0.1))
    #expect(drift.method == .chisquare && !drift.drifted)
}

/// Two-proportion z-test, 30/100 vs 45/100: 2·(1 − Φ(|z|)) = 0.02845973691631065 (scipy.stats.norm).
@Test func binaryDriftUsesZTest() {
    let ref = Column(name: "b", numbers: Array(repeating: 1, count: 30) + Array(repeating: 0, count: 70), type: .boolean)
    let cur = Column(name: "b", numbers: Array(repeating: 1, count: 45) + Array(repeating: 0, count: 55), type: .boolean)
    let drift = DriftDetector.compareColumn(ref, cur)
    #expect(drift.method == .ztest && close(drift.value, 0.02845973691631065, 1e-9) && drift.drifted)
}

/// scipy.stats.kstwobign.sf and chi2.sf reference values.
@Test func tailProbabilitiesMatchScipy() {
    for (lambda, expected) in [(0.3, 0.9999906941986655), (0.5, 0.9639452436648751), (0.8, 0.5441424115741981),
                               (1.0, 0.26999967167735456), (1.5, 0.022217962616525127), (2.5, 7.453306344157342e-06)] {
        #expect(close(Distributions.kolmogorovSurvival(lambda), expected, 1e-10), "\(lambda)")
    }
    for (x, k, expected) in [(3.0, 2, 0.22313016014842982), (10.0, 5, 0.07523524614651217),
                             (0.5, 1, 0.47950012218695337), (50.0, 30, 0.01240206071890054)] {
        #expect(close(Distributions.chiSquareSurvival(x, dof: k), expected, 1e-10), "\(x) \(k)")
    }
}

@Test func largeSamplesIgnoreTriviallySmallShiftsButCatchRealOnes() {
    var generator = SplitMix64(seed: 5)
    func normal() -> Double {
        let u = Double.random(in: 1e-12...1, using: &generator), v = Double.random(in: 0...1, using: &generator)
        return (-2 * log(u)).squareRoot() * cos(2 * .pi * v)
    }
    let reference = (0..<200_000).map { _ in normal() }
    let tiny = (0..<200_000).map { _ in normal() + 0.02 }
    let big = (0..<200_000).map { _ in normal() + 0.5 }
    let small = DriftDetector.compareColumn(Column(name: "x", numbers: reference), Column(name: "x", numbers: tiny))
    #expect(small.method == .wasserstein && !small.drifted)
    #expect((small.measures.ksPValue ?? 1) < 0.05) // a p-value would have fired: why large samples use effect sizes
    let large = DriftDetector.compareColumn(Column(name: "x", numbers: reference), Column(name: "x", numbers: big))
    #expect(large.drifted && close(large.value, 0.5, 0.05))
}

@Test func radixSortSortsLikeSort() {
    var generator = SplitMix64(seed: 9)
    var values = (0..<5000).map { _ in Double.random(in: -1e6...1e6, using: &generator) }
    values += [0, -0.0, .infinity, -.infinity, 1e-300, -1e-300, 5, 5, 5]
    #expect(FiniteRadixSort.sorted(values) == values.sorted())
}

@Test func perColumnOverridesAndDatasetShare() {
    let a = Table(columns: [Column(name: "x", numbers: referenceSample), Column(name: "y", numbers: referenceSample)])
    let b = Table(columns: [Column(name: "x", numbers: currentSample), Column(name: "y", numbers: referenceSample),
                            Column(name: "z", numbers: [1])])
    var options = DriftOptions()
    options.perColumn["x"] = DriftSetting(method: .psi, threshold: 0.2)
    let report = DriftDetector.compare(reference: a, current: b, options: options)
    #expect(report.columns.count == 2 && report.skipped == ["z"])
    #expect(report.columns[0].method == .psi && report.columns[0].threshold == 0.2 && report.columns[0].drifted)
    #expect(!report.columns[1].drifted && report.columns[1].value != nil)
    #expect(report.share == 0.5 && report.datasetDrift)
}

@Test func taxiDriftBetweenJanuaryAndAprilIsMeasured() throws {
    let table = try CSVReader.read(path: Fixtures.path("taxi.csv"))
    let (january, april) = (try monthRows(table, month: "Jan"), try monthRows(table, month: "Apr"))
    var options = DriftOptions()
    options.excluded = ["month"]
    let report = DriftDetector.compare(reference: january, current: april, options: options)
    #expect(report.columns.count == 6)
    for column in report.columns {
        #expect(column.value != nil, "\(column.column)")
        print("taxi Jan→Apr \(column.column): \(column.method.rawValue) = \(column.value ?? .nan) (threshold \(column.threshold)) drifted=\(column.drifted)")
    }
    // 1,644 January rows > 1000: effect sizes (Wasserstein / Jensen–Shannon). The drift is mild.
    #expect(report.columns.first { $0.column == "distance" }?.method == .wasserstein)
    #expect(report.columns.first { $0.column == "company" }?.method == .jensenshannon)
    #expect(!report.datasetDrift)
}

/// The rows of one month of the taxi data, as a table.
func monthRows(_ table: Table, month: String) throws -> Table {
    let months = try #require(table.column(named: "month"))
    let rows = (0..<table.rowCount).filter { months.category(at: $0) == month }
    return Table(columns: table.columns.map { column in
        var c = column
        if column.type == .categorical { c.codes = rows.map { column.codes[$0] } } else { c.numbers = rows.map { column.numbers[$0] } }
        return c
    }, rowCount: rows.count)
}

@Test func radixSortOfFiniteValuesDropsNaNAndInfinity() {
    var generator = SplitMix64(seed: 10)
    var values = (0..<3000).map { _ in Double.random(in: -10...10, using: &generator) }
    values += [.nan, .infinity, -.infinity, .nan]
    #expect(FiniteRadixSort.sortedFinite(values) == values.filter(\.isFinite).sorted())
}
