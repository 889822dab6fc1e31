import DroverCore
import Foundation
import GRDB

/// Reads for `drover models`, `drover lineage` and the pipeline runner (baseline resolution).
extension ModelRegistry {
    public func models() async throws -> [ModelSummary] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT name FROM models ORDER BY name").compactMap { try Self.summary(db, $0) }
        }
    }

    public func model(_ name: String) async throws -> ModelSummary {
        try await read { db in
            try Self.requireModel(db, name)
            return try Self.summary(db, name)!
        }
    }

    /// Versions newest first.
    public func versions(model: String) async throws -> [ModelVersion] {
        try await read { db in
            try Self.requireModel(db, model)
            let aliases = try Self.aliases(db, model)
            return try Row.fetchAll(db, sql: "SELECT * FROM model_versions WHERE model = ? ORDER BY version DESC", arguments: [model])
                .map { try Self.modelVersion($0, aliases: aliases) }
        }
    }

    public func version(model: String, _ version: Int) async throws -> ModelVersion {
        try await read { db in
            try Self.requireVersion(db, model, version)
            return try Self.version(db, model, version)!
        }
    }

    /// The version an alias points at; throws when the model or alias does not exist.
    public func resolve(model: String, alias: String) async throws -> ModelVersion {
        try await read { db in
            try Self.requireModel(db, model)
            guard let v = try Self.aliasTarget(db, model, alias) else {
                throw RegistryError.unknownAlias(model: model, alias: alias, known: try Self.aliases(db, model).keys.sorted())
            }
            return try Self.version(db, model, v)!
        }
    }

    /// The current champion, or nil when the model or its champion does not exist yet (first model).
    public func champion(model: String) async throws -> ModelVersion? {
        try await read { db in
            guard let v = try Self.aliasTarget(db, model, Self.champion) else { return nil }
            return try Self.version(db, model, v)
        }
    }

    /// Alias moves oldest first (all aliases, or one).
    public func aliasHistory(model: String, alias: String? = nil) async throws -> [AliasMove] {
        try await read { db in
            try Self.requireModel(db, model)
            let sql = "SELECT * FROM alias_moves WHERE model = ? \(alias == nil ? "" : "AND alias = ?") ORDER BY id"
            let args: StatementArguments = alias.map { [model, $0] } ?? [model]
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.aliasMove)
        }
    }

    /// Verdicts of a model (optionally of one candidate version), oldest first.
    public func verdicts(model: String, version: Int? = nil) async throws -> [StoredVerdict] {
        try await read { db in
            let sql = "SELECT * FROM verdicts WHERE model = ? \(version == nil ? "" : "AND candidate_version = ?") ORDER BY id"
            let args: StatementArguments = version.map { [model, $0] } ?? [model]
            return try Row.fetchAll(db, sql: sql, arguments: args).map(Self.storedVerdict)
        }
    }

    /// Verdicts decided in a run.
    public func verdicts(runID: String) async throws -> [StoredVerdict] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verdicts WHERE run_id = ? ORDER BY id", arguments: [runID]).map(Self.storedVerdict)
        }
    }

    // MARK: Row helpers (used inside transactions)

    static func requireModel(_ db: Database, _ model: String) throws {
        if try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM models WHERE name = ?", arguments: [model]) != 1 {
            throw RegistryError.unknownModel(model, known: try String.fetchAll(db, sql: "SELECT name FROM models ORDER BY name"))
        }
    }

    static func requireVersion(_ db: Database, _ model: String, _ version: Int) throws {
        try requireModel(db, model)
        if try Int.fetchOne(db, sql: "SELECT 1 FROM model_versions WHERE model = ? AND version = ?", arguments: [model, version]) == nil {
            let latest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_versions WHERE model = ?", arguments: [model])
            throw RegistryError.unknownVersion(model: model, version: version, latest: latest)
        }
    }

    static func storedVerdict(_ db: Database, id: Int64, model: String, version: Int) throws -> StoredVerdict {
        guard let v = try Row.fetchOne(db, sql: "SELECT * FROM verdicts WHERE id = ?", arguments: [id]).map(storedVerdict),
              v.model == model, v.candidateVersion == version else {
            throw RegistryError.unknownVerdict(id: id, model: model, version: version)
        }
        return v
    }

    static func aliasTarget(_ db: Database, _ model: String, _ alias: String) throws -> Int? {
        try Int.fetchOne(db, sql: "SELECT version FROM aliases WHERE model = ? AND alias = ?", arguments: [model, alias])
    }

    static func aliases(_ db: Database, _ model: String) throws -> [String: Int] {
        var out: [String: Int] = [:]
        for r in try Row.fetchAll(db, sql: "SELECT alias, version FROM aliases WHERE model = ?", arguments: [model]) { out[r[0]] = r[1] }
        return out
    }

    static func version(_ db: Database, _ model: String, _ version: Int) throws -> ModelVersion? {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM model_versions WHERE model = ? AND version = ?",
                                         arguments: [model, version]) else { return nil }
        return try modelVersion(row, aliases: aliases(db, model))
    }

    static func summary(_ db: Database, _ name: String) throws -> ModelSummary? {
        guard let created = try Double.fetchOne(db, sql: "SELECT created_at FROM models WHERE name = ?", arguments: [name]) else { return nil }
        let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM model_versions WHERE model = ?", arguments: [name]) ?? 0
        let latest = try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_versions WHERE model = ?", arguments: [name])
        return ModelSummary(name: name, versions: count, latestVersion: latest, aliases: try aliases(db, name), createdAt: created)
    }

    static func modelVersion(_ r: Row, aliases: [String: Int]) throws -> ModelVersion {
        let version: Int = r["version"]
        let metricsJSON: String = r["metrics"]
        let metrics = try StoredJSON.decode([String: Double].self, from: metricsJSON)
        return ModelVersion(model: r["model"], version: version, artifactDigest: r["artifact_digest"], signature: r["signature"],
                            metrics: metrics, runID: r["run_id"], createdAt: r["created_at"],
                            aliases: aliases.filter { $0.value == version }.keys.sorted())
    }

    static func aliasMove(_ r: Row) -> AliasMove {
        AliasMove(id: r["id"], model: r["model"], alias: r["alias"], fromVersion: r["from_version"], toVersion: r["to_version"],
                  kind: AliasMove.Kind(rawValue: r["kind"]) ?? .set, actor: r["actor"], reason: r["reason"],
                  verdictID: r["verdict_id"], at: r["at"])
    }

    static func storedVerdict(_ r: Row) throws -> StoredVerdict {
        let json: String = r["verdict"]
        return StoredVerdict(id: r["id"], model: r["model"], candidateVersion: r["candidate_version"],
                             baselineVersion: r["baseline_version"],
                             verdict: try StoredJSON.decode(Verdict.self, from: json),
                             runID: r["run_id"], createdAt: r["created_at"])
    }
}
