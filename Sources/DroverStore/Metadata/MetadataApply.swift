import Foundation
import GRDB

/// Applies a writer batch in one transaction with cached statements; metric points become blocks
/// (`MetricBlockBatch`), written by the end of the batch. Logical rejections (a
/// changed param or span) skip that event and are returned; an SQLite failure throws and rolls
/// back the batch.
enum MetadataApply {
    static func apply(_ batch: [MetadataEvent], to pool: DatabasePool) throws -> [MetadataStoreError] {
        do {
            return try pool.write { db in
                var rejected: [MetadataStoreError] = []
                var metrics = MetricBlockBatch()
                for event in batch { try apply(event, db, &rejected, &metrics) }
                try metrics.writeAll(db)
                return rejected
            }
        } catch let e as DatabaseError {
            throw MetadataStoreError.write(operation: "batch of \(batch.count) events", reason: e.description)
        }
    }

    private static func apply(_ event: MetadataEvent, _ db: Database, _ rejected: inout [MetadataStoreError],
                              _ metrics: inout MetricBlockBatch) throws {
        switch event {
        case .run(let r):
            try db.cachedStatement(sql: """
                INSERT INTO runs (id, pipeline, status, started_at, finished_at, code_version, spec_digest, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT(id) DO UPDATE SET status = excluded.status, finished_at = excluded.finished_at,
                    message = COALESCE(excluded.message, message),
                    code_version = COALESCE(excluded.code_version, code_version),
                    spec_digest = COALESCE(excluded.spec_digest, spec_digest)
                """).execute(arguments: [r.id, r.pipeline, r.status, r.startedAt, r.finishedAt, r.codeVersion, r.specDigest, r.message])
        case .step(let s):
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO steps (run_id, name, kind, status, started_at, finished_at, cache_hit, cache_key, cache_reason, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [s.runID, s.name, s.kind, s.status, s.startedAt, s.finishedAt, s.cacheHit, s.cacheKey, s.cacheReason, s.message])
        case .jobAttempt(let j):
            try db.cachedStatement(sql: """
                INSERT OR REPLACE INTO job_attempts (run_id, step, job_id, attempt, shard, worker, status, started_at, finished_at, message)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [j.runID, j.step, j.jobID, j.attempt, j.shard, j.worker, j.status, j.startedAt, j.finishedAt, j.message])
        case .params(let run, let params):
            let insert = try db.cachedStatement(sql: "INSERT INTO params (run_id, key, value) VALUES (?, ?, ?) ON CONFLICT DO NOTHING")
            for (key, value) in params.sorted(by: { $0.key < $1.key }) {
                try insert.execute(arguments: [run, key, value])
                if db.changesCount == 0 {
                    let old = try String.fetchOne(db.cachedStatement(sql: "SELECT value FROM params WHERE run_id = ? AND key = ?"),
                                                  arguments: [run, key])
                    if let old, old != value { rejected.append(.paramChanged(runID: run, key: key, old: old, new: value)) }
                }
            }
        case .metrics(let run, let points):
            try metrics.write(run, points, db)
        case .metric(let run, let point):
            metrics.add(run, point)
        case .artifact(let a):
            try db.cachedStatement(sql: """
                INSERT INTO artifacts (digest, size, kind, name, created_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """).execute(arguments: [a.digest, a.size, a.kind, a.name, a.createdAt])
        case .lineage(let l):
            try db.cachedStatement(sql: """
                INSERT INTO lineage (run_id, step, digest, direction, at) VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """).execute(arguments: [l.runID, l.step, l.digest, l.direction.rawValue, l.at])
        case .span(let s):
            try db.cachedStatement(sql: """
                INSERT INTO dataset_spans (dataset, span, digest, rows, schema_digest, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """).execute(arguments: [s.dataset, s.span, s.digest, s.rows, s.schemaDigest, s.createdAt])
            if db.changesCount == 0 {
                let old = try String.fetchOne(db, sql: "SELECT digest FROM dataset_spans WHERE dataset = ? AND span = ?",
                                              arguments: [s.dataset, s.span])
                if let old, old != s.digest { rejected.append(.spanChanged(dataset: s.dataset, span: s.span, old: old, new: s.digest)) }
            }
        case .stepCache(let c):
            try db.cachedStatement(sql: """
                INSERT INTO step_cache (cache_key, run_id, step, outputs, metrics, created_at)
                VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING
                """).execute(arguments: [c.key, c.runID, c.step, try StoredJSON.encode(c.outputs), try StoredJSON.encode(c.metrics), c.createdAt])
        }
    }
}
