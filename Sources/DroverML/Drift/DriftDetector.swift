import Dispatch
import Foundation

/// Compares a reference and a current table column by column and decides drift with
/// Evidently's default rules (see `DriftMethod`, `DriftOptions`):
///
/// | reference rows | column | method | drift when |
/// |---|---|---|---|
/// | ≤ 1000 | numeric, > 5 unique | ks | p < 0.05 |
/// | ≤ 1000 | categorical / ≤ 5 unique, > 2 unique | chisquare | p < 0.05 |
/// | ≤ 1000 | ≤ 2 unique | ztest | p < 0.05 |
/// | > 1000 | numeric, > 5 unique | wasserstein (÷ std) | ≥ 0.1 |
/// | > 1000 | categorical / ≤ 5 unique | jensenshannon | ≥ 0.1 |
///
/// Missing and non-finite values are left out of the comparison. Numeric columns are sorted
/// once (radix sort) and the sorted arrays feed KS, Wasserstein and the PSI/JS bins. Columns
/// run in parallel.
public enum DriftDetector {
    public static func compare(reference: Table, current: Table, options: DriftOptions = .init()) -> DriftReport {
        var pairs: [(Column, Column)] = []
        var skipped: [String] = []
        for column in reference.columns where !options.excluded.contains(column.name) {
            guard let other = current.column(named: column.name), other.type == column.type else {
                skipped.append(column.name)
                continue
            }
            pairs.append((column, other))
        }
        for column in current.columns where reference.column(named: column.name) == nil && !options.excluded.contains(column.name) {
            skipped.append(column.name)
        }
        let results = UnsafeMutablePointer<ColumnDrift?>.allocate(capacity: max(1, pairs.count))
        results.initialize(repeating: nil, count: pairs.count)
        defer { results.deinitialize(count: pairs.count); results.deallocate() }
        let shared = SharedPointer(results)
        let immutablePairs = pairs
        let cores = options.threads > 0 ? options.threads : ProcessInfo.processInfo.activeProcessorCount
        let workers = max(1, min(cores, pairs.count))
        let capacity = pairs.map { max($0.0.count, $0.1.count) }.max() ?? 1
        // One worker per core, columns dealt round-robin, so each worker reuses its buffers.
        DispatchQueue.concurrentPerform(iterations: workers) { worker in
            let workspace = SortWorkspace(capacity: capacity)
            defer { workspace.free() }
            for k in stride(from: worker, to: immutablePairs.count, by: workers) {
                let (r, c) = immutablePairs[k]
                shared.base[k] = compareColumn(r, c, setting: options.perColumn[r.name], options: options, workspace: workspace)
            }
        }
        let columns = (0..<pairs.count).compactMap { results[$0] }
        let compared = columns.filter { $0.value != nil }
        let drifted = compared.filter(\.drifted).count
        let share = compared.isEmpty ? 0 : Double(drifted) / Double(compared.count)
        return DriftReport(columns: columns, skipped: skipped, driftedCount: drifted, share: share,
                           driftShare: options.driftShare, datasetDrift: !compared.isEmpty && share >= options.driftShare)
    }

    /// One column pair (same name and type).
    public static func compareColumn(_ reference: Column, _ current: Column, setting: DriftSetting? = nil,
                                     options: DriftOptions = .init()) -> ColumnDrift {
        let workspace = SortWorkspace(capacity: reference.type == .numeric ? max(reference.count, current.count) : 1)
        defer { workspace.free() }
        return compareColumn(reference, current, setting: setting, options: options, workspace: workspace)
    }

    static func compareColumn(_ reference: Column, _ current: Column, setting: DriftSetting?,
                              options: DriftOptions, workspace: SortWorkspace) -> ColumnDrift {
        var measures = DriftMeasures()
        var unique = 0
        var nr = 0, nc = 0
        var valueKind: ValueKind = .categorical
        if reference.type == .numeric {
            nr = FiniteRadixSort.sortFinite(reference.numbers, into: workspace.reference.pointer, scratch: workspace.scratch.pointer)
            nc = FiniteRadixSort.sortFinite(current.numbers, into: workspace.current.pointer, scratch: workspace.scratch.pointer)
            if nr > 0 && nc > 0 {
                let rb = UnsafeBufferPointer(start: workspace.reference.pointer, count: nr)
                let cb = UnsafeBufferPointer(start: workspace.current.pointer, count: nc)
                let walk = SortedComparison(rb, cb)
                unique = walk.unionDistinct
                valueKind = walk.unionDistinct > 5 ? .continuous : .categorical
                measures.ksStatistic = walk.ksStatistic
                measures.ksPValue = SortedComparison.ksPValue(walk.ksStatistic, nr, nc)
                let std = Moments(finite: rb).variance.squareRoot()
                measures.wasserstein = walk.wasserstein / max(std, 0.001)
                if walk.referenceDistinct > 20 {
                    let bins = BinnedShares.sturges(rb, cb)
                    measures.psi = bins.psi
                    measures.jensenShannon = bins.jensenShannonDistance
                }
                if valueKind == .categorical || walk.referenceDistinct <= 20 {
                    let rc = valueCounts(rb), cc = valueCounts(cb)
                    addCountMeasures(&measures, rc, cc, keepBinned: walk.referenceDistinct > 20)
                }
            }
        } else {
            let rc = reference.type == .categorical ? categoryCounts(reference) : booleanCounts(reference)
            let cc = current.type == .categorical ? categoryCounts(current) : booleanCounts(current)
            nr = rc.values.reduce(0, +); nc = cc.values.reduce(0, +)
            unique = Set(rc.keys).union(cc.keys).count
            if nr > 0 && nc > 0 { addCountMeasures(&measures, rc, cc, keepBinned: false) }
        }
        measures.dropNonFinite()
        let small = nr <= options.smallSampleLimit
        let automatic: DriftMethod = switch (small, valueKind) {
        case (true, .continuous): .ks
        case (true, .categorical): unique > 2 ? .chisquare : .ztest
        case (false, .continuous): .wasserstein
        case (false, .categorical): .jensenshannon
        }
        var method = setting?.method ?? automatic
        var note: String? = nil
        if nr == 0 || nc == 0 {
            note = "no values in the \(nr == 0 ? "reference" : "current") sample"
        } else if measures.value(of: method) == nil {
            note = "\(method.rawValue) does not apply to this column; used \(automatic.rawValue)"
            method = automatic
        }
        let threshold = (setting?.method == nil || setting?.method == method ? setting?.threshold : nil) ?? method.defaultThreshold
        let value = nr > 0 && nc > 0 ? measures.value(of: method) : nil
        let drifted = value.map { method.isPValue ? $0 < threshold : $0 >= threshold } ?? false
        return ColumnDrift(column: reference.name, type: reference.type, method: method, value: value,
                           threshold: threshold, drifted: drifted, referenceCount: nr, currentCount: nc,
                           uniqueValues: unique, measures: measures, note: note)
    }

    enum ValueKind { case continuous, categorical }

    private static func addCountMeasures<Key: Hashable & Comparable>(_ m: inout DriftMeasures, _ r: [Key: Int], _ c: [Key: Int],
                                                                     keepBinned: Bool) {
        let shares = BinnedShares.frequencies(r, c)
        if !keepBinned {
            m.psi = shares.psi
            m.jensenShannon = shares.jensenShannonDistance
        }
        m.lInfinity = shares.lInfinity
        m.chiSquarePValue = CountTests.chiSquarePValue(r, c)
        if Set(r.keys).union(c.keys).count <= 2 { m.zTestPValue = CountTests.zTestPValue(r, c) }
    }

    private static func valueCounts(_ sorted: UnsafeBufferPointer<Double>) -> [Double: Int] {
        var counts: [Double: Int] = [:]
        var i = 0
        while i < sorted.count {
            var j = i
            while j < sorted.count && sorted[j] == sorted[i] { j += 1 }
            counts[sorted[i]] = j - i
            i = j
        }
        return counts
    }

    private static func categoryCounts(_ column: Column) -> [String: Int] {
        var perCode = [Int](repeating: 0, count: column.categories.count)
        for code in column.codes where code >= 0 { perCode[Int(code)] += 1 }
        var counts: [String: Int] = [:]
        for (code, n) in perCode.enumerated() where n > 0 { counts[column.categories[code], default: 0] += n }
        return counts
    }

    private static func booleanCounts(_ column: Column) -> [String: Int] {
        var yes = 0, no = 0
        for x in column.numbers where !x.isNaN { if x != 0 { yes += 1 } else { no += 1 } }
        var counts: [String: Int] = [:]
        if yes > 0 { counts["true"] = yes }
        if no > 0 { counts["false"] = no }
        return counts
    }
}
