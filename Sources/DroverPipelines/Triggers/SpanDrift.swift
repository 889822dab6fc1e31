import DroverArtifacts
import DroverCore
import DroverML

/// The drift a trigger's `drift_above` compares: a new span against the training window — the
/// N spans before it (`window: {last: N}`, else the one before it) — with the statistic of the
/// dashboard's drift view (`StatisticsComparison`): per numeric column the mean shift in the
/// window's standard deviations, per categorical column the PSI; the span's drift is the largest.
/// Runs on the runner's thread (it reads the spans); statistics are kept per span digest.
struct SpanDrift {
    var statistics: [String: DatasetStatistics] = [:]
    /// A few spans' statistics are enough: the window of the last ingests.
    static let kept = 64

    mutating func measure(span: SpanInput, earlier: [SpanInput], store: ArtifactStore) throws -> RetrainingTrigger.DriftMeasure? {
        guard let first = earlier.first, let last = earlier.last else { return nil }
        var window: DatasetStatistics?
        for s in earlier {
            let stats = try self.stats(s, store)
            window = try window.map { try $0.merged(with: stats) } ?? stats
        }
        guard let window else { return nil }
        let comparison = StatisticsComparison.compare(reference: window, current: try stats(span, store))
        let range = first.span == last.span ? "span \(first.span)" : "spans \(first.span)–\(last.span)"
        guard let worst = comparison.columns.filter({ $0.value != nil }).max(by: { $0.value! < $1.value! }) else {
            return RetrainingTrigger.DriftMeasure(value: 0, column: "no common column", measure: "none", window: range)
        }
        return RetrainingTrigger.DriftMeasure(value: worst.value!, column: worst.name, measure: worst.measure, window: range)
    }

    mutating func stats(_ span: SpanInput, _ store: ArtifactStore) throws -> DatasetStatistics {
        if let known = statistics[span.digest] { return known }
        let ref = try ArtifactRef(parsing: span.digest)
        let table = try CSVReader.read(path: store.path(of: ref.digest))
        let computed = DatasetStatistics.compute(table)
        if statistics.count >= Self.kept { statistics.removeAll() }
        statistics[span.digest] = computed
        return computed
    }
}
