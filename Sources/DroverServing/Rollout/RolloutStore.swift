import Foundation
import GRDB
import Synchronization

/// `<data-dir>/serving.sqlite`: rollouts, the predictions logged while one runs, and the
/// outcomes posted later. A file of its own (WAL), shared by every `drover serve` replica and
/// the `drover rollout` commands; the registry stays the source of truth for versions.
public final class RolloutStore: Sendable {
    public static let fileName = "serving.sqlite"
    let pool: DatabasePool
    private let pending = Mutex<[PredictionLog]>([])

    public init(path: String) throws(RequestError) {
        var config = Configuration()
        config.label = "drover.serving"
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try Self.migrator.migrate(pool)
        } catch {
            throw RequestError(status: 500, code: "storage", "cannot open the rollout store \(path): \(error)")
        }
    }

    public convenience init(dataDirectory: String) throws(RequestError) {
        try self.init(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path)
    }

    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE rollouts (
                  id INTEGER PRIMARY KEY AUTOINCREMENT, model TEXT NOT NULL, mode TEXT NOT NULL,
                  champion_version INTEGER NOT NULL, challenger_version INTEGER NOT NULL, split_percent REAL NOT NULL,
                  alpha REAL NOT NULL, metric TEXT NOT NULL, auto_promote INTEGER NOT NULL, max_error_rate REAL NOT NULL,
                  status TEXT NOT NULL, reason TEXT, verdict_id INTEGER, started_at REAL NOT NULL, ended_at REAL);
                CREATE INDEX rollouts_model ON rollouts (model, id);
                CREATE TABLE predictions (
                  request_id TEXT NOT NULL, row INTEGER NOT NULL, rollout_id INTEGER NOT NULL, arm TEXT NOT NULL,
                  version INTEGER NOT NULL, prediction TEXT NOT NULL, score REAL NOT NULL, latency_us INTEGER NOT NULL,
                  error TEXT, at REAL NOT NULL, PRIMARY KEY (request_id, row, arm));
                CREATE INDEX predictions_rollout ON predictions (rollout_id, arm);
                CREATE TABLE outcomes (
                  request_id TEXT NOT NULL, row INTEGER NOT NULL, model TEXT NOT NULL, label TEXT NOT NULL,
                  label_value REAL, at REAL NOT NULL, PRIMARY KEY (request_id, row));
                """)
        }
        return m
    }

    // MARK: Rollouts

    /// Starts a rollout, ending (as `stopped`) the one running for the model, if any.
    public func start(_ r: Rollout) async throws -> Rollout {
        try await pool.write { db in
            try db.execute(sql: "UPDATE rollouts SET status = 'stopped', reason = 'replaced by a new rollout', ended_at = ? WHERE model = ? AND status = 'running'",
                           arguments: [r.startedAt, r.model])
            try db.execute(sql: """
                INSERT INTO rollouts (model, mode, champion_version, challenger_version, split_percent, alpha, metric, auto_promote,
                                      max_error_rate, status, started_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)
                """, arguments: [r.model, r.mode.rawValue, r.championVersion, r.challengerVersion, r.splitPercent, r.alpha, r.metric,
                                 r.autoPromote, r.maxErrorRate, r.startedAt])
            var out = r
            out.id = db.lastInsertedRowID
            out.status = .running
            return out
        }
    }

    /// The model's running rollout, or nil.
    public func running(model: String) async throws -> Rollout? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE model = ? AND status = 'running' ORDER BY id DESC LIMIT 1",
                             arguments: [model]).map(Self.rollout)
        }
    }

    /// The model's latest rollout (running or ended), or nil.
    public func latest(model: String) async throws -> Rollout? {
        try await pool.read { db in
            try Row.fetchOne(db, sql: "SELECT * FROM rollouts WHERE model = ? ORDER BY id DESC LIMIT 1", arguments: [model]).map(Self.rollout)
        }
    }

    /// Ends a running rollout; false when it had already ended (another replica decided first).
    public func end(id: Int64, status: Rollout.Status, reason: String, verdictID: Int64?, at: Double) async throws -> Bool {
        try await pool.write { db in
            try db.execute(sql: "UPDATE rollouts SET status = ?, reason = ?, verdict_id = ?, ended_at = ? WHERE id = ? AND status = 'running'",
                           arguments: [status.rawValue, reason, verdictID, at, id])
            return db.changesCount > 0
        }
    }

    /// Sets the reason and verdict of an ended rollout (after the verdict is stored).
    public func annotate(id: Int64, reason: String, verdictID: Int64?) async throws {
        try await pool.write { db in
            try db.execute(sql: "UPDATE rollouts SET reason = ?, verdict_id = ? WHERE id = ?", arguments: [reason, verdictID, id])
        }
    }

    static func rollout(_ row: Row) -> Rollout {
        Rollout(id: row["id"], model: row["model"], mode: Rollout.Mode(rawValue: row["mode"]) ?? .ab,
                championVersion: row["champion_version"], challengerVersion: row["challenger_version"],
                splitPercent: row["split_percent"], alpha: row["alpha"], metric: row["metric"], autoPromote: row["auto_promote"],
                maxErrorRate: row["max_error_rate"], status: Rollout.Status(rawValue: row["status"]) ?? .stopped,
                reason: row["reason"], verdictID: row["verdict_id"], startedAt: row["started_at"], endedAt: row["ended_at"])
    }

    // MARK: Prediction log

    /// Queues a scored row; `flush()` writes the queue in one transaction (never on the caller's path).
    public func log(_ entry: PredictionLog) {
        pending.withLock { $0.append(entry) }
    }

    public func flush() async throws {
        let batch = pending.withLock { p -> [PredictionLog] in defer { p = [] }; return p }
        guard !batch.isEmpty else { return }
        try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT OR IGNORE INTO predictions (request_id, row, rollout_id, arm, version, prediction, score, latency_us, error, at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                """)
            for e in batch {
                try statement.execute(arguments: [e.requestID, e.row, e.rolloutID, e.arm, e.version, e.prediction, e.score,
                                                  e.latencyMicros, e.error, e.at])
            }
        }
    }

    // MARK: Outcomes

    public struct OutcomeResult: Sendable, Codable, Equatable {
        /// Outcomes stored now.
        public var accepted: Int
        /// Outcomes for a (request, row) that already had one: the first is kept.
        public var duplicates: Int
        /// Outcomes whose request id was never logged (no rollout ran, or not yet flushed): kept,
        /// joined if the prediction arrives later.
        public var unmatched: Int
    }

    /// Stores labels by request id and row; a repeated outcome changes nothing.
    public func record(outcomes: [(requestID: String, row: Int, label: String, value: Double?)], model: String, at: Double) async throws -> OutcomeResult {
        try await flush()
        return try await pool.write { db in
            var result = OutcomeResult(accepted: 0, duplicates: 0, unmatched: 0)
            for o in outcomes {
                try db.execute(sql: "INSERT OR IGNORE INTO outcomes (request_id, row, model, label, label_value, at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [o.requestID, o.row, model, o.label, o.value, at])
                if db.changesCount == 0 { result.duplicates += 1; continue }
                result.accepted += 1
                if try Int.fetchOne(db, sql: "SELECT 1 FROM predictions WHERE request_id = ? AND row = ? LIMIT 1",
                                    arguments: [o.requestID, o.row]) == nil { result.unmatched += 1 }
            }
            return result
        }
    }

    // MARK: Summaries

    /// Per-arm requests, errors, latency, prediction mean and the outcome-joined metric.
    public func summaries(_ r: Rollout) async throws -> [ArmSummary] {
        let metric = r.higherIsBetter
            ? "CASE WHEN p.prediction = o.label THEN 1.0 ELSE 0.0 END"
            : "ABS(p.score - o.label_value)"
        return try await pool.read { db in
            var arms: [String: ArmSummary] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT arm, version, COUNT(*) AS n, SUM(error IS NOT NULL) AS errors, AVG(latency_us) AS latency,
                       AVG(CASE WHEN error IS NULL THEN score END) AS score
                FROM predictions WHERE rollout_id = ? GROUP BY arm, version
                """, arguments: [r.id]) {
                let arm: String = row["arm"]
                arms[arm] = ArmSummary(arm: arm, version: row["version"], requests: row["n"], errors: row["errors"],
                                       meanLatencyMicros: row["latency"] ?? 0, outcomes: 0, metricMean: 0, metricVariance: 0,
                                       meanScore: row["score"] ?? 0)
            }
            for row in try Row.fetchAll(db, sql: """
                SELECT p.arm AS arm, COUNT(*) AS n, SUM(m) AS s, SUM(m * m) AS ss FROM (
                  SELECT p.arm AS arm, \(metric) AS m FROM predictions p
                  JOIN outcomes o ON o.request_id = p.request_id AND o.row = p.row
                  WHERE p.rollout_id = ? AND p.error IS NULL AND (o.label_value IS NOT NULL OR ? = 1)) p GROUP BY p.arm
                """, arguments: [r.id, r.higherIsBetter]) {
                let arm: String = row["arm"]
                let n: Int = row["n"]
                let s: Double = row["s"] ?? 0, ss: Double = row["ss"] ?? 0
                let mean = n > 0 ? s / Double(n) : 0
                arms[arm]?.outcomes = n
                arms[arm]?.metricMean = mean
                arms[arm]?.metricVariance = n > 1 ? max(0, (ss - Double(n) * mean * mean) / Double(n - 1)) : 0
            }
            return [Rollout.championArm, Rollout.challengerArm, Rollout.shadowArm].compactMap { arms[$0] }
        }
    }
}
