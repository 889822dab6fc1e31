import GRDB

/// A decision taken about a model while it serves, kept in the registry's history (append-only)
/// and streamed as a `rollout` event on `/api/v1/events` and to webhooks: the end of a rollout,
/// a sample-ratio alarm, a champion rolled back by its guard.
public struct ModelEvent: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable, CaseIterable {
        /// The live test found the challenger better and it was promoted (`--auto-promote`).
        case rolloutPromoted = "rollout_promoted"
        /// The live test found the challenger better; a human promotes it.
        case rolloutChallengerBetter = "rollout_challenger_better"
        /// The challenger was worse or failed too often: its traffic went back to the champion.
        case rolloutRolledBack = "rollout_rolled_back"
        /// The arms' request counts do not fit the split: results are not to be read.
        case sampleRatioMismatch = "srm_alarm"
        /// A newly moved champion failed too often and the alias went back.
        case championRollback = "champion_rollback"
    }

    public var id: Int64
    public var model: String
    public var kind: Kind
    /// The version the event is about (the challenger, or the champion rolled back).
    public var version: Int?
    /// The version traffic went to (the champion kept or restored, or the promoted challenger).
    public var toVersion: Int?
    public var rolloutID: Int64?
    public var actor: String
    public var reason: String
    public var verdictID: Int64?
    public var at: Double

    public init(model: String, kind: Kind, version: Int?, toVersion: Int?, rolloutID: Int64?, actor: String, reason: String,
                verdictID: Int64? = nil, at: Double = 0) {
        self.id = 0; self.model = model; self.kind = kind; self.version = version; self.toVersion = toVersion
        self.rolloutID = rolloutID; self.actor = actor; self.reason = reason; self.verdictID = verdictID; self.at = at
    }
}

extension RegistrySchema {
    static func registerEvents(in m: inout DatabaseMigrator) {
        m.registerMigration("v4-model-events") { db in
            try db.execute(sql: """
                CREATE TABLE model_events (
                    id INTEGER PRIMARY KEY,
                    model TEXT NOT NULL,
                    kind TEXT NOT NULL,
                    version INTEGER,
                    to_version INTEGER,
                    rollout_id INTEGER,
                    actor TEXT NOT NULL,
                    reason TEXT NOT NULL,
                    verdict_id INTEGER,
                    event_key TEXT,                  -- idempotency: replicas deciding together record one event
                    at REAL NOT NULL,
                    UNIQUE (model, event_key)
                );
                CREATE INDEX model_events_by_model ON model_events(model, id);
                CREATE TRIGGER model_events_append_only_update BEFORE UPDATE ON model_events
                    BEGIN SELECT RAISE(ABORT, 'model_events is append-only'); END;
                CREATE TRIGGER model_events_append_only_delete BEFORE DELETE ON model_events
                    BEGIN SELECT RAISE(ABORT, 'model_events is append-only'); END;
                """)
        }
    }
}

extension ModelRegistry {
    /// Records an event once per `key` (nil: always); returns it, or nil when another replica
    /// already recorded the event with that key.
    @discardableResult
    public func recordEvent(_ event: ModelEvent, key: String?) async throws -> ModelEvent? {
        let now = clock()
        return try await write { db -> ModelEvent? in
            try db.execute(sql: """
                INSERT OR IGNORE INTO model_events (model, kind, version, to_version, rollout_id, actor, reason, verdict_id, event_key, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [event.model, event.kind.rawValue, event.version, event.toVersion, event.rolloutID, event.actor,
                                 event.reason, event.verdictID, key, now])
            guard db.changesCount == 1 else { return nil }
            var stored = event
            stored.id = db.lastInsertedRowID
            stored.at = now
            return stored
        }
    }

    /// Events with an id above `after` (of one model, or all), oldest first.
    public func events(model: String? = nil, after: Int64 = 0, limit: Int = 500) async throws -> [ModelEvent] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM model_events WHERE id > ? AND (? IS NULL OR model = ?) ORDER BY id LIMIT ?",
                             arguments: [after, model, model, limit]).map { r in
                var e = ModelEvent(model: r["model"], kind: ModelEvent.Kind(rawValue: r["kind"]) ?? .rolloutRolledBack,
                                   version: r["version"], toVersion: r["to_version"], rolloutID: r["rollout_id"], actor: r["actor"],
                                   reason: r["reason"], verdictID: r["verdict_id"], at: r["at"])
                e.id = r["id"]
                return e
            }
        }
    }

    /// The highest event id (0 when none): where a new feed starts.
    public func lastEventID() async throws -> Int64 {
        try await read { db in try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM model_events") ?? 0 }
    }
}
