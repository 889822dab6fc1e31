import GRDB

/// The registry's tables live in the metadata store's file, so a promotion and its verdict
/// commit in one SQLite transaction (docs/registry.md, "Atomic promotion").
enum RegistrySchema {
    static func register(in m: inout DatabaseMigrator) {
        m.registerMigration("v1-registry") { db in
            try db.execute(sql: """
                CREATE TABLE models (
                    name TEXT PRIMARY KEY,
                    created_at REAL NOT NULL
                );

                CREATE TABLE model_versions (
                    model TEXT NOT NULL REFERENCES models(name),
                    version INTEGER NOT NULL,
                    artifact_digest TEXT NOT NULL,
                    signature TEXT NOT NULL,         -- JSON, opaque to the registry
                    metrics TEXT NOT NULL,           -- JSON object metric → value
                    run_id TEXT,
                    source_key TEXT,                 -- idempotency key (e.g. run/step): one version per key
                    created_at REAL NOT NULL,
                    PRIMARY KEY (model, version),
                    UNIQUE (model, source_key)
                );

                CREATE TABLE verdicts (
                    id INTEGER PRIMARY KEY,
                    model TEXT NOT NULL,
                    candidate_version INTEGER NOT NULL,
                    baseline_version INTEGER,
                    passed INTEGER NOT NULL,
                    verdict TEXT NOT NULL,           -- JSON of DroverCore.Verdict
                    run_id TEXT,
                    request_key TEXT,                -- idempotency key shared with the alias move it decided
                    created_at REAL NOT NULL,
                    UNIQUE (model, request_key)
                );
                CREATE INDEX verdicts_by_version ON verdicts(model, candidate_version);

                CREATE TABLE aliases (
                    model TEXT NOT NULL,
                    alias TEXT NOT NULL,
                    version INTEGER NOT NULL,
                    PRIMARY KEY (model, alias)
                ) WITHOUT ROWID;

                -- Append-only audit: every alias move, never updated or deleted.
                CREATE TABLE alias_moves (
                    id INTEGER PRIMARY KEY,
                    model TEXT NOT NULL,
                    alias TEXT NOT NULL,
                    from_version INTEGER,
                    to_version INTEGER NOT NULL,
                    kind TEXT NOT NULL,              -- promote | forced | rollback | set
                    actor TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    verdict_id INTEGER REFERENCES verdicts(id),
                    request_key TEXT,                -- idempotency key: a resumed run never moves twice
                    at REAL NOT NULL,
                    UNIQUE (model, request_key)
                );
                CREATE INDEX alias_moves_by_alias ON alias_moves(model, alias, id);
                CREATE TRIGGER alias_moves_append_only_update BEFORE UPDATE ON alias_moves
                    BEGIN SELECT RAISE(ABORT, 'alias_moves is append-only'); END;
                CREATE TRIGGER alias_moves_append_only_delete BEFORE DELETE ON alias_moves
                    BEGIN SELECT RAISE(ABORT, 'alias_moves is append-only'); END;
                CREATE TRIGGER model_versions_immutable BEFORE UPDATE ON model_versions
                    BEGIN SELECT RAISE(ABORT, 'model versions are immutable'); END;
                """)
        }
    }
}
