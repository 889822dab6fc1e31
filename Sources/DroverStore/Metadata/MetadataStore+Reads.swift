import Foundation
import GRDB

/// Reads for `drover runs`, `drover lineage`, the pipeline runner and the anomaly detector.
extension MetadataStore {
    /// Runs newest first, optionally of one pipeline.
    public func runs(pipeline: String? = nil, limit: Int = 50) async throws -> [RunRecord] {
        try await pool.read { db in
            let sql = "SELECT * FROM runs \(pipeline == nil ? "" : "WHERE pipeline = ?") ORDER BY started_at DESC, id DESC LIMIT ?"
            let args: StatementArguments = pipeline.map { [$0, limit] } ?? [limit]
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.run)
        }
    }

    public func run(_ id: String) async throws -> RunRecord? {
        try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]).map(Self.run) }
    }

    public func steps(runID: String) async throws -> [StepRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM steps WHERE run_id = ? ORDER BY started_at, name", arguments: [runID]).map(Self.step)
        }
    }

    public func jobAttempts(runID: String) async throws -> [JobAttemptRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM job_attempts WHERE run_id = ? ORDER BY step, shard, job_id, attempt",
                             arguments: [runID]).map { r in
                JobAttemptRecord(runID: r["run_id"], step: r["step"], jobID: r["job_id"], attempt: r["attempt"],
                                 shard: r["shard"], worker: r["worker"], status: r["status"], startedAt: r["started_at"],
                                 finishedAt: r["finished_at"], message: r["message"])
            }
        }
    }

    public func params(runID: String) async throws -> [String: String] {
        try await pool.read { db in
            var out: [String: String] = [:]
            for r in try Row.fetchAll(db, sql: "SELECT key, value FROM params WHERE run_id = ?", arguments: [runID]) {
                out[r[0]] = r[1]
            }
            return out
        }
    }

    /// Every point of a run's metrics (optionally one key), by key, then step, time and insertion order.
    public func metrics(runID: String, key: String? = nil) async throws -> [MetricPoint] {
        try await pool.read { db in try Self.readMetrics(db, runID: runID, key: key) }
    }

    /// Each metric's last value (highest step, then latest time) in a run; the points of a
    /// sweep's trials (source `STEP/trial-N`) are the trials', not the run's.
    public func latestMetrics(runID: String) async throws -> [String: Double] {
        var out: [String: Double] = [:]
        for p in try await metrics(runID: runID) where !p.source.contains("/trial-") { out[p.key] = p.value } // ordered by step, time: last wins
        return out
    }

    public func artifact(_ digest: String) async throws -> ArtifactRecord? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM artifacts WHERE digest = ?", arguments: [digest]).map(Self.artifact)
        }
    }

    /// What each step of a run read and wrote.
    public func lineage(runID: String) async throws -> [LineageEdge] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lineage WHERE run_id = ? ORDER BY at, step, direction, digest",
                             arguments: [runID]).map(Self.edge)
        }
    }

    /// The executions that read or wrote an artifact.
    public func lineage(digest: String) async throws -> [LineageEdge] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM lineage WHERE digest = ? ORDER BY at", arguments: [digest]).map(Self.edge)
        }
    }

    /// A dataset's spans, oldest first.
    public func spans(dataset: String) async throws -> [DatasetSpan] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM dataset_spans WHERE dataset = ? ORDER BY span", arguments: [dataset]).map(Self.span)
        }
    }

    /// The span that holds an artifact, if the digest is a dataset span.
    public func span(digest: String) async throws -> DatasetSpan? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM dataset_spans WHERE digest = ? ORDER BY created_at LIMIT 1", arguments: [digest]).map(Self.span)
        }
    }

    /// The result stored under a step cache key, if any.
    public func cachedStep(key: String) async throws -> StepCacheEntry? {
        try await pool.read { db in
            guard let r = try Row.fetchOne(db, sql: "SELECT * FROM step_cache WHERE cache_key = ?", arguments: [key]) else { return nil }
            let outputs: String = r["outputs"], metrics: String = r["metrics"]
            return StepCacheEntry(key: r["cache_key"], runID: r["run_id"], step: r["step"],
                                  outputs: try StoredJSON.decode([String: String].self, from: outputs),
                                  metrics: try StoredJSON.decode([String: Double].self, from: metrics),
                                  createdAt: r["created_at"])
        }
    }

    /// Every span of every dataset, oldest first. Blocking: for start-up code that builds an
    /// in-memory index (never call it on the cooperative pool while serving).
    public func loadAllSpans() throws -> [DatasetSpan] {
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM dataset_spans ORDER BY dataset, span").map(Self.span)
            }
        } catch {
            throw MetadataStoreError.open(path: path, reason: "cannot read the dataset spans: \(error)")
        }
    }

    static func run(_ r: Row) -> RunRecord {
        RunRecord(id: r["id"], pipeline: r["pipeline"], status: r["status"], startedAt: r["started_at"],
                  finishedAt: r["finished_at"], codeVersion: r["code_version"], specDigest: r["spec_digest"], message: r["message"])
    }

    static func step(_ r: Row) -> StepRecord {
        StepRecord(runID: r["run_id"], name: r["name"], kind: r["kind"], status: r["status"], startedAt: r["started_at"],
                   finishedAt: r["finished_at"], cacheHit: r["cache_hit"], cacheKey: r["cache_key"],
                   cacheReason: r["cache_reason"], message: r["message"])
    }

    static func artifact(_ r: Row) -> ArtifactRecord {
        ArtifactRecord(digest: r["digest"], size: r["size"], kind: r["kind"], name: r["name"], createdAt: r["created_at"])
    }

    static func edge(_ r: Row) -> LineageEdge {
        LineageEdge(runID: r["run_id"], step: r["step"], digest: r["digest"],
                    direction: LineageEdge.Direction(rawValue: r["direction"]) ?? .read, at: r["at"])
    }

    static func span(_ r: Row) -> DatasetSpan {
        DatasetSpan(dataset: r["dataset"], span: r["span"], digest: r["digest"], rows: r["rows"],
                    schemaDigest: r["schema_digest"], createdAt: r["created_at"])
    }
}
