import DroverArtifacts
import DroverCore
import DroverStore
import Logging
import Synchronization

/// The runner's records: the metadata store (runs, steps, job attempts, params, metrics,
/// artifacts, lineage, spans, the step cache) and the model registry, in `metadata.sqlite`.
/// Events go to the store's writer thread; reads and registry writes block the calling thread,
/// so call them on the runner's thread only.
final class RunnerRecords: Sendable {
    let store: MetadataStore
    /// Test-only (`pipeline-unrecorded-from`): events are dropped from now on.
    let losing = Atomic<Bool>(false)
    let registry: ModelRegistry
    let artifacts: ArtifactStore
    let logger: Logger

    init(dataDirectory: String, artifacts: ArtifactStore, logger: Logger) throws {
        store = try MetadataStore(dataDirectory: dataDirectory)
        registry = ModelRegistry(store: store)
        self.artifacts = artifacts
        self.logger = logger
    }

    /// Queues events for the writer thread; waits for room when its queue is full.
    func emit(_ events: [MetadataEvent]) {
        if losing.load(ordering: .relaxed) { return }
        for event in events {
            var tries = 0
            while !store.offer(event) {
                tries += 1
                if tries > 3 {
                    logger.error("pipeline.metadata.dropped", metadata: ["event": "\(event)"])
                    break
                }
                flush()
            }
        }
    }

    /// Waits until everything queued is committed; logs what the store rejected.
    func flush() {
        do {
            try store.flushBlocking()
        } catch {
            logger.error("pipeline.metadata.rejected", metadata: ["error": "\(error)"])
        }
    }

    // MARK: Reads for a run's inputs

    /// The model's `@champion` now (and the run that trained it), or nil for a first model.
    func champion(model: String) throws -> (input: ChampionInput, runID: String?)? {
        let registry = self.registry
        guard let v = try Blocking.wait({ try await registry.champion(model: model) }) else { return nil }
        let ref = try artifacts.ref(for: try ArtifactDigest(parsing: v.artifactDigest))
        return (ChampionInput(version: v.version, digest: ref.description, metrics: v.metrics), v.runID)
    }

    /// The drift reference of a dataset: the merged statistics that the champion's run checked
    /// for its span of that dataset (so it follows the champion through rollbacks).
    func reference(dataset: String, championRun: String?, spans: SpanIndex) throws -> String? {
        guard let run = championRun else { return nil }
        let store = self.store
        let edges = try Blocking.wait { try await store.lineage(runID: run) }
        for step in Set(edges.map(\.step)).sorted() {
            let mine = edges.filter { $0.step == step }
            guard mine.contains(where: { $0.direction == .read && spans.dataset(ofDigest: $0.digest) == dataset }) else { continue }
            for edge in mine where edge.direction == .wrote {
                let digest = edge.digest
                if try Blocking.wait({ try await store.artifact(digest) })?.kind == "statistics" {
                    return try artifacts.ref(for: try ArtifactDigest(parsing: digest)).description
                }
            }
        }
        return nil
    }

    /// An earlier run's result for a step cache key (after committing what is queued, so the
    /// run that just finished is seen).
    func cached(key: String) throws -> CachedStep? {
        flush()
        let store = self.store
        return try Blocking.wait { try await store.cachedStep(key: key) }.map {
            CachedStep(runID: $0.runID, outputs: $0.outputs, metrics: $0.metrics)
        }
    }

    // MARK: Registry

    /// Registers a model artifact as a version of `model`, once per artifact (the digest is the
    /// version's source key: the same bytes trained again, or served from cache, are the same version).
    func register(model: String, reference: String, metrics: [String: Double], runID: String) throws -> Int {
        let registry = self.registry
        let digest = Artifacts.digest(reference)
        return try Blocking.wait {
            try await registry.registerVersion(model: model, artifactDigest: digest, metrics: metrics, runID: runID, sourceKey: digest)
        }.version
    }

    /// Registers the candidate and records the verdict; a passing verdict moves `@champion` in
    /// the same transaction — if the champion is still the one the run compared with; otherwise
    /// returns why it did not (`superseded`). Keyed by `run/step`: repeated after a restart, it
    /// changes nothing and answers the same.
    func decide(model: String, candidate: String, metrics: [String: Double], verdict: Verdict, baseline: Int?,
                runID: String, step: String) throws -> (version: Int, superseded: String?) {
        let version = try register(model: model, reference: candidate, metrics: metrics, runID: runID)
        let registry = self.registry
        let request = PromotionRequest(model: model, version: version, verdict: verdict, baselineVersion: baseline, runID: runID,
                                       actor: "pipeline run \(runID)",
                                       reason: verdict.passed ? "verdict passed in run \(runID)" : nil,
                                       requestKey: "\(runID)/\(step)", requireBaselineCurrent: true)
        let result = try Blocking.wait { try await registry.promote(request) }
        guard verdict.passed, !result.moved else { return (version, nil) }
        // Passed but not moved: already the champion (fine), or the champion moved meanwhile.
        // Asked again (not taken from `result.note`) so a replayed request answers the same.
        let now = try Blocking.wait { try await registry.champion(model: model) }?.version
        if now == version { return (version, nil) }
        return (version, "@champion moved to \(now.map { "version \($0)" } ?? "none") during the run, which compared with "
                + (baseline.map { "version \($0)" } ?? "no champion") + "; run it again to compare with the new champion")
    }
}
