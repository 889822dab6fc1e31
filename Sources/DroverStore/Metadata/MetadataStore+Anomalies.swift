import GRDB

extension MetadataStore {
    /// Anomalies of a run against the earlier runs of its pipeline: slow steps, small spans it
    /// read, metrics that regressed. Empty for an unknown run.
    public func anomalies(runID: String, rules: AnomalyRules = .init()) async throws -> [HistoryAnomaly] {
        guard let run = try await run(runID) else { return [] }
        let window = rules.window
        return try await pool.read { db in
            var out: [HistoryAnomaly] = []
            let earlier = try String.fetchAll(db, sql: """
                SELECT id FROM runs WHERE pipeline = ? AND id != ? AND started_at <= ? ORDER BY started_at DESC LIMIT ?
                """, arguments: [run.pipeline, run.id, run.startedAt, window])
            let placeholders = earlier.isEmpty ? "NULL" : Array(repeating: "?", count: earlier.count).joined(separator: ",")
            let earlierArgs = StatementArguments(earlier)

            // Slow steps: finished, not cached, against the same step's earlier executed durations.
            for s in try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? AND finished_at IS NOT NULL AND cache_hit = 0",
                                      arguments: [run.id]).map(MetadataStore.step) {
                guard let seconds = s.duration else { continue }
                let history = try Double.fetchAll(db, sql: """
                    SELECT finished_at - started_at FROM steps
                    WHERE name = ? AND cache_hit = 0 AND finished_at IS NOT NULL AND status = 'succeeded' AND run_id IN (\(placeholders))
                    ORDER BY started_at
                    """, arguments: [s.name] + earlierArgs)
                if let a = HistoryAnomalyDetector.slowStep(s.name, seconds: seconds, history: history, rules: rules) { out.append(a) }
            }

            // Small spans: each span the run read, against that dataset's earlier spans.
            for span in try Row.fetchAll(db, sql: """
                SELECT DISTINCT d.* FROM lineage l JOIN dataset_spans d ON d.digest = l.digest
                WHERE l.run_id = ? AND l.direction = 'read' ORDER BY d.dataset, d.span
                """, arguments: [run.id]).map(MetadataStore.span) {
                let history = try Int64.fetchAll(db, sql: "SELECT rows FROM dataset_spans WHERE dataset = ? AND span < ? ORDER BY span",
                                                 arguments: [span.dataset, span.span])
                if let a = HistoryAnomalyDetector.fewRows(dataset: span.dataset, span: span.span, rows: span.rows, history: history, rules: rules) {
                    out.append(a)
                }
            }

            // Metric regressions: each metric's last value here against its last value in earlier runs.
            let latest = try MetadataStore.latestPerRun(db, runs: [run.id])
            let earlierLatest = try MetadataStore.latestPerRun(db, runs: earlier.reversed())
            for key in latest.keys.sorted() {
                guard let value = latest[key]?.first else { continue }
                let history = earlierLatest[key] ?? []
                if let a = HistoryAnomalyDetector.metricRegression(key, value: value, history: history,
                                                                   direction: HistoryAnomalyDetector.direction(of: key), rules: rules) {
                    out.append(a)
                }
            }
            return out
        }
    }

    /// The anomaly, if any, of one span against the dataset's earlier spans (for `data add`).
    public func anomalies(dataset: String, span: Int, rules: AnomalyRules = .init()) async throws -> [HistoryAnomaly] {
        let spans = try await spans(dataset: dataset)
        guard let this = spans.first(where: { $0.span == span }) else { return [] }
        let history = spans.filter { $0.span < span }.map(\.rows)
        return HistoryAnomalyDetector.fewRows(dataset: dataset, span: span, rows: this.rows, history: history, rules: rules).map { [$0] } ?? []
    }

    /// metric → [last value per run], in the order of `runs`.
    static func latestPerRun(_ db: Database, runs: [String]) throws -> [String: [Double]] {
        var out: [String: [Double]] = [:]
        for run in runs {
            var last: [String: Double] = [:]
            for p in try readMetrics(db, runID: run, excludingTrials: true) { last[p.key] = p.value }
            for (k, v) in last { out[k, default: []].append(v) }
        }
        return out
    }
}
