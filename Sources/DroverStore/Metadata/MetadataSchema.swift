import GRDB

/// The metadata store's schema: append-only, named migrations (STYLE.md #13). Never edit a
/// registered migration; add a new one. `PRAGMA user_version`-style versioning is GRDB's
/// `grdb_migrations` table, read by `MetadataStore.schemaVersion`.
enum MetadataSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1-tracking") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id TEXT PRIMARY KEY,
                    pipeline TEXT NOT NULL,
                    status TEXT NOT NULL,            -- running | succeeded | failed | rejected | cancelled
                    started_at REAL NOT NULL,        -- unix seconds
                    finished_at REAL,
                    code_version TEXT,
                    spec_digest TEXT,
                    message TEXT
                );
                CREATE INDEX runs_by_pipeline ON runs(pipeline, started_at);

                CREATE TABLE steps (
                    run_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    kind TEXT NOT NULL,              -- validate | features | train | evaluate | promote | …
                    status TEXT NOT NULL,            -- running | succeeded | failed | skipped | cached
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    cache_hit INTEGER NOT NULL DEFAULT 0,
                    cache_key TEXT,
                    cache_reason TEXT,
                    message TEXT,
                    PRIMARY KEY (run_id, name)
                );

                CREATE TABLE job_attempts (
                    run_id TEXT NOT NULL,
                    step TEXT NOT NULL,
                    job_id INTEGER NOT NULL,
                    attempt INTEGER NOT NULL,
                    shard INTEGER,
                    worker TEXT,
                    status TEXT NOT NULL,
                    started_at REAL NOT NULL,
                    finished_at REAL,
                    message TEXT,
                    PRIMARY KEY (job_id, attempt)
                );
                CREATE INDEX job_attempts_by_step ON job_attempts(run_id, step);

                CREATE TABLE params (
                    run_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value TEXT NOT NULL,
                    PRIMARY KEY (run_id, key)
                ) WITHOUT ROWID;

                CREATE TABLE metrics (
                    run_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    value REAL NOT NULL,
                    step INTEGER NOT NULL DEFAULT 0,
                    timestamp REAL NOT NULL,
                    source TEXT NOT NULL DEFAULT ''   -- which step (or model) produced it
                );
                CREATE INDEX metrics_by_run ON metrics(run_id, key, step);

                CREATE TABLE artifacts (
                    digest TEXT PRIMARY KEY,         -- sha256:<64 hex>
                    size INTEGER NOT NULL,
                    kind TEXT NOT NULL,              -- span | features | model | statistics | report | …
                    name TEXT NOT NULL DEFAULT '',
                    created_at REAL NOT NULL
                );

                CREATE TABLE lineage (
                    run_id TEXT NOT NULL,
                    step TEXT NOT NULL,
                    digest TEXT NOT NULL,
                    direction TEXT NOT NULL,         -- read | wrote
                    at REAL NOT NULL,
                    PRIMARY KEY (run_id, step, digest, direction)
                ) WITHOUT ROWID;
                CREATE INDEX lineage_by_digest ON lineage(digest, direction);

                CREATE TABLE dataset_spans (
                    dataset TEXT NOT NULL,
                    span INTEGER NOT NULL,
                    digest TEXT NOT NULL,
                    rows INTEGER NOT NULL,
                    schema_digest TEXT,
                    created_at REAL NOT NULL,
                    PRIMARY KEY (dataset, span)
                );
                """)
        }
        RegistrySchema.register(in: &m)
        m.registerMigration("v2-step-cache") { db in
            try db.execute(sql: """
                -- A pipeline step's result by cache key (type, code version, jobs and their
                -- parameters, input digests): a later run with the same key reuses it.
                CREATE TABLE step_cache (
                    cache_key TEXT PRIMARY KEY,
                    run_id TEXT NOT NULL,
                    step TEXT NOT NULL,
                    outputs TEXT NOT NULL,           -- JSON object name → artifact reference or value
                    metrics TEXT NOT NULL,           -- JSON object metric → value
                    created_at REAL NOT NULL
                );
                """)
        }
        AccessSchema.register(in: &m)
        RegistrySchema.registerEvents(in: &m)
        m.registerMigration("v5-runs-by-start") { db in
            // The API's and the CLI's run lists, newest first (all, or by state): without these a
            // page sorted all runs (10,000 runs: a p99 of 28 ms per page under load).
            try db.execute(sql: """
                CREATE INDEX runs_by_start ON runs(started_at, id);
                CREATE INDEX runs_by_status ON runs(status, started_at, id);
                """)
        }
        m.registerMigration("v6-metric-blocks") { db in
            // Metric points in blocks, as time-series stores keep them: a row per value was bound by
            // SQLite's B-tree work per row. New points go here only; the `metrics` rows of older
            // versions stay and are read with the blocks (MetricsRead), older than any block.
            try db.execute(sql: """
                CREATE TABLE metric_blocks (
                    run_id TEXT NOT NULL,
                    key TEXT NOT NULL,
                    source TEXT NOT NULL DEFAULT '',
                    count INTEGER NOT NULL,
                    min_step INTEGER NOT NULL,
                    max_step INTEGER NOT NULL,
                    points BLOB NOT NULL             -- count × (step, value, timestamp): MetricBlockCodec
                );
                CREATE INDEX metric_blocks_by_run ON metric_blocks(run_id, key);
                """)
        }
        return m
    }
}
