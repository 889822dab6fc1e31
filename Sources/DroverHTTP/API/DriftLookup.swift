import DroverArtifacts
import DroverML
import DroverStore
import Foundation
import NIOPosix

/// A dataset's drift report for the dashboard: the statistics a run's validate step wrote for a
/// span of the dataset (found through the lineage: the step read the span and wrote an artifact
/// of kind `statistics`), compared with a reference — by default the statistics of the current
/// champion's run (the validate step's own reference), else the previous validation.
struct DriftLookup: Sendable {
    let metadata: MetadataStore
    let registry: ModelRegistry
    let artifacts: ArtifactStore

    /// One validation: the run, the span it checked and the statistics it wrote.
    struct Validation: Codable, Sendable, Equatable {
        var runID: String
        var span: Int
        var statistics: String
        var startedAt: Double
    }

    struct Report: Encodable {
        var dataset: String
        var current: Validation
        var reference: Validation
        /// Why this reference: "champion" (the champion's run checked it) or "previous".
        var referenceIs: String
        var comparison: StatisticsComparison
        var validations: [Validation]
    }

    /// The dataset's validations, newest first (the newest `runs` runs are searched).
    func validations(dataset: String, runs: Int = 200) async throws -> [Validation] {
        let spans = try await metadata.spans(dataset: dataset)
        let spanOf = Dictionary(spans.map { ($0.digest, $0.span) }, uniquingKeysWith: { a, _ in a })
        var out: [Validation] = []
        for run in try await metadata.runs(limit: runs) {
            let edges = try await metadata.lineage(runID: run.id)
            for step in Set(edges.map(\.step)).sorted() {
                let mine = edges.filter { $0.step == step }
                guard let span = mine.lazy.filter({ $0.direction == .read }).compactMap({ spanOf[$0.digest] }).first else { continue }
                for edge in mine where edge.direction == .wrote {
                    if try await metadata.artifact(edge.digest)?.kind == "statistics" {
                        out.append(Validation(runID: run.id, span: span, statistics: edge.digest, startedAt: run.startedAt))
                    }
                }
            }
        }
        return out
    }

    func report(dataset: String, current: String?, reference: String?) async throws -> Report {
        let all = try await validations(dataset: dataset)
        guard !all.isEmpty else {
            throw APIError.notFound("no validated span of dataset '\(dataset)': a pipeline's validate step writes the statistics a drift report compares")
        }
        func pick(_ run: String, _ what: String) throws -> Validation {
            guard let v = all.first(where: { $0.runID == run }) else {
                throw APIError.notFound("run '\(run)' (\(what)) validated no span of '\(dataset)'; runs that did: \(all.prefix(10).map(\.runID).joined(separator: ", "))")
            }
            return v
        }
        let now = try current.map { try pick($0, "current") } ?? all[0]
        var base: Validation?, why = "chosen"
        if let reference { base = try pick(reference, "reference") }
        if base == nil {
            var championRuns = Set<String>()
            for m in try await registry.models() {
                if let run = try await registry.champion(model: m.name)?.runID { championRuns.insert(run) }
            }
            base = all.first { championRuns.contains($0.runID) && $0.runID != now.runID }
            why = "champion"
        }
        if base == nil {
            base = all.first { $0.startedAt < now.startedAt && $0.runID != now.runID } ?? all.last { $0.runID != now.runID } ?? now
            why = "previous"
        }
        let reference = base ?? now
        let store = artifacts
        let (a, b) = try await NIOThreadPool.singleton.runIfActive {
            (try Self.load(reference.statistics, store), try Self.load(now.statistics, store))
        }
        return Report(dataset: dataset, current: now, reference: reference, referenceIs: why,
                      comparison: StatisticsComparison.compare(reference: a, current: b), validations: all)
    }

    static func load(_ digest: String, _ store: ArtifactStore) throws -> DatasetStatistics {
        let bytes = try store.read(try ArtifactDigest(parsing: digest))
        return try JSONDecoder().decode(DatasetStatistics.self, from: Data(bytes))
    }
}
