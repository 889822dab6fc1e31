import GRDB

/// HTTP API access: bearer tokens (only their SHA-256 is stored) and the audit of actions taken
/// through the API. In the metadata store's file, beside the registry whose moves they audit.
enum AccessSchema {
    static func register(in m: inout DatabaseMigrator) {
        m.registerMigration("v3-api-access") { db in
            try db.execute(sql: """
                CREATE TABLE api_tokens (
                    id TEXT PRIMARY KEY,             -- short public id, shown by `drover tokens list`
                    name TEXT NOT NULL,
                    role TEXT NOT NULL,              -- read | operator | admin
                    hash TEXT NOT NULL UNIQUE,       -- hex SHA-256 of the secret token
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    revoked_at REAL
                );

                -- Append-only: who did what through the API, and how it ended.
                CREATE TABLE api_actions (
                    id INTEGER PRIMARY KEY,
                    at REAL NOT NULL,
                    actor TEXT NOT NULL,
                    action TEXT NOT NULL,            -- cancel | run | promote | rollback | …
                    target TEXT NOT NULL,
                    outcome TEXT NOT NULL            -- ok | the error
                );
                CREATE TRIGGER api_actions_no_update BEFORE UPDATE ON api_actions
                    BEGIN SELECT RAISE(ABORT, 'api_actions is append-only'); END;
                CREATE TRIGGER api_actions_no_delete BEFORE DELETE ON api_actions
                    BEGIN SELECT RAISE(ABORT, 'api_actions is append-only'); END;

                -- Webhooks: where events of the given types are POSTed, signed with the secret.
                CREATE TABLE webhooks (
                    id INTEGER PRIMARY KEY,
                    url TEXT NOT NULL,
                    events TEXT NOT NULL,            -- comma-separated event types
                    secret TEXT NOT NULL,            -- HMAC-SHA256 key (needed in clear to sign)
                    created_by TEXT NOT NULL,
                    created_at REAL NOT NULL,
                    removed_at REAL
                );

                -- Every delivery attempt and how it ended.
                CREATE TABLE webhook_deliveries (
                    id INTEGER PRIMARY KEY,
                    webhook_id INTEGER NOT NULL,
                    event_id INTEGER NOT NULL,
                    event_type TEXT NOT NULL,
                    attempt INTEGER NOT NULL,
                    status INTEGER,                  -- HTTP status, NULL when no answer
                    outcome TEXT NOT NULL,           -- delivered | retrying: … | failed: … | dropped: …
                    at REAL NOT NULL
                );
                CREATE INDEX webhook_deliveries_by_hook ON webhook_deliveries(webhook_id, id);
                """)
        }
    }
}
