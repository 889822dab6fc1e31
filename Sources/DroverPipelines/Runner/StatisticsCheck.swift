import DroverArtifacts
import DroverCore
import DroverML
import Foundation

/// A validate step's coordinator half: merge the shards' statistics (the mergeable statistics
/// of DroverML), store the merged statistics as an artifact, check them against the schema
/// inferred from the drift reference (the statistics of the champion's training span), and
/// measure drift against that reference.
///
/// Drift from statistics alone: a numeric column drifts when its mean moved by more than
/// `drift_threshold` (default 0.5) reference standard deviations; the dataset drifts — and the
/// run is blocked — when at least `drift_share` (default 0.5) of the common numeric columns drift.
enum StatisticsCheck {
    static func run(shards: [String], reference: String?, params: [String: String], store: ArtifactStore?) -> ValidationOutcome {
        do {
            guard let store else { throw RunnerError("no artifact store") }
            var merged: DatasetStatistics?
            for text in shards {
                let shard = try load(text, store)
                merged = try merged.map { try $0.merged(with: shard) } ?? shard
            }
            guard let merged else { throw RunnerError("the step produced no statistics") }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            let ref = try store.put(bytes: [UInt8](try encoder.encode(merged)))
            var anomalies: [String] = []
            var drifted: [String] = []
            var blocking = false
            if let reference {
                let base = try load(reference, store)
                let found = DataValidator.validate(merged, schema: Schema.infer(from: base))
                anomalies = found.map { "\($0.severity.rawValue) \($0.column ?? "dataset"): \($0.kind.rawValue): \($0.description)" }
                blocking = found.contains { $0.severity == .error }
                let threshold = Double(params["drift_threshold"] ?? "") ?? 0.5
                let share = Double(params["drift_share"] ?? "") ?? 0.5
                var compared = 0
                for column in merged.columns {
                    guard let now = column.numeric, let then = base.column(named: column.name)?.numeric else { continue }
                    compared += 1
                    let scale = max(then.standardDeviation, 1e-12)
                    let shift = abs(now.mean - then.mean) / scale
                    if shift > threshold { drifted.append("\(column.name) (mean \(fmt(then.mean)) → \(fmt(now.mean)), \(fmt(shift)) σ)") }
                }
                if compared > 0, Double(drifted.count) / Double(compared) >= share { blocking = true }
            } else {
                anomalies = ["info: no reference statistics yet (no champion): the schema is inferred from this span"]
            }
            return ValidationOutcome(rows: merged.rowCount, statistics: ref.description, anomalies: anomalies,
                                     drifted: drifted, blocking: blocking)
        } catch {
            return ValidationOutcome(rows: 0, statistics: "", anomalies: ["error: statistics could not be checked: \(error)"],
                                     drifted: [], blocking: true)
        }
    }

    static func load(_ text: String, _ store: ArtifactStore) throws -> DatasetStatistics {
        let ref = try ArtifactRef(parsing: text)
        return try JSONDecoder().decode(DatasetStatistics.self, from: Data(try store.read(ref.digest)))
    }

    static func fmt(_ v: Double) -> String { String(format: "%.3g", v) }
}
