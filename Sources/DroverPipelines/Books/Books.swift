import DroverCoordinator
import DroverCore
import DroverProtocol
import Foundation

/// What the runner keeps between runs, as small JSON files in `<data-dir>/pipelines/`:
/// dataset spans (`datasets.json`), the step cache (`cache.json`) and the models with their
/// versions, champion and alias moves (`models.json`). Until the metadata store and model
/// registry take these over, this is their single source of truth.
struct Books: Codable, Sendable {
    var datasets: [String: [SpanInput]] = [:]
    /// Dataset → merged statistics of the span the champion was trained on (drift reference).
    var references: [String: String] = [:]
    var cache: [String: CachedStep] = [:]
    var models: [String: ModelEntry] = [:]

    struct ModelEntry: Codable, Sendable {
        var versions: [Version] = []
        var champion: Int?
        var moves: [AliasMove] = []
    }

    struct Version: Codable, Sendable {
        var version: Int
        var artifact: String
        var runID: String
        var metrics: [String: Double]
        var createdAtMs: Int64
    }

    struct AliasMove: Codable, Sendable {
        var alias: String
        var from: Int?
        var to: Int
        var by: String
        var reason: String
        var atMs: Int64
    }

    // MARK: Datasets

    /// Adds a span; the same artifact added twice is the same span (nothing is overwritten).
    mutating func addSpan(dataset: String, digest: String, size: Int64) -> SpanInput {
        if let existing = datasets[dataset]?.first(where: { $0.digest == digest }) { return existing }
        let span = SpanInput(dataset: dataset, span: (datasets[dataset]?.count ?? 0) + 1, digest: digest, size: size)
        datasets[dataset, default: []].append(span)
        return span
    }

    func span(_ use: DatasetUse) throws(PipelineRefusal) -> SpanInput {
        guard let spans = datasets[use.dataset], !spans.isEmpty else {
            let known = datasets.keys.sorted()
            throw PipelineRefusal(code: .notFound, "dataset '\(use.dataset)' has no spans; add one with `drover data add \(use.dataset) FILE.csv`"
                + (known.isEmpty ? "" : " (datasets: \(known.joined(separator: ", ")))"))
        }
        switch use.span {
        case .latest: return spans[spans.count - 1]
        case .number(let n):
            guard n >= 1, n <= spans.count else {
                throw PipelineRefusal(code: .notFound, "dataset '\(use.dataset)' has spans 1–\(spans.count), not \(n)")
            }
            return spans[n - 1]
        }
    }

    // MARK: Models

    func champion(_ model: String) -> ChampionInput? {
        guard let entry = models[model], let v = entry.champion, let version = entry.versions.first(where: { $0.version == v }) else { return nil }
        return ChampionInput(version: v, digest: version.artifact)
    }

    /// Registers the run's model and, if the verdict passed, moves `@champion` to it — once per
    /// run: a repeat (after a restart) returns the version recorded the first time.
    mutating func decide(model: String, runID: String, artifact: String, metrics: [String: Double],
                         verdict: GateVerdict, now: Int64) -> Int? {
        var entry = models[model] ?? ModelEntry()
        if let done = entry.versions.first(where: { $0.runID == runID }) {
            return verdict.passed ? done.version : nil
        }
        guard verdict.passed, !artifact.isEmpty else { return nil }
        let version = (entry.versions.last?.version ?? 0) + 1
        entry.versions.append(Version(version: version, artifact: artifact, runID: runID, metrics: metrics, createdAtMs: now))
        entry.moves.append(AliasMove(alias: "champion", from: entry.champion, to: version, by: "pipeline run \(runID)",
                                     reason: verdict.checks.map(\.reason).joined(separator: "; "), atMs: now))
        entry.champion = version
        models[model] = entry
        return version
    }
}
