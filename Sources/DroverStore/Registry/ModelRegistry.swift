import DroverCore
import Foundation
import GRDB

/// Named models, immutable integer versions, movable aliases with an append-only audit of every
/// move, and promotion that commits the alias move and its verdict in one transaction
/// (docs/registry.md). Shares the metadata store's SQLite file.
///
/// Writes are synchronous transactions run by GRDB's writer queue and awaited, so they never
/// block a cooperative-pool thread; the registry is written rarely (a few rows per run).
public final class ModelRegistry: Sendable {
    let pool: DatabasePool
    let clock: @Sendable () -> Double
    /// Test hook run inside the promotion transaction after the verdict row is written and before
    /// the alias moves: throwing there must leave neither (atomicity test).
    let failAfterVerdict: (@Sendable () throws -> Void)?

    public convenience init(store: MetadataStore, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        self.init(store: store, clock: clock, failAfterVerdict: nil)
    }

    init(store: MetadataStore, clock: @escaping @Sendable () -> Double, failAfterVerdict: (@Sendable () throws -> Void)?) {
        pool = store.pool
        self.clock = clock
        self.failAfterVerdict = failAfterVerdict
    }

    public static let champion = "champion"
    public static let challenger = "challenger"

    // MARK: Versions

    /// Registers a new immutable version (numbered 1, 2, …), creating the model on first use.
    /// With a `sourceKey` already used for this model, returns that version instead (a resumed
    /// run registers once).
    public func registerVersion(model: String, artifactDigest: String, signature: String = "{}",
                                metrics: [String: Double], runID: String?, sourceKey: String? = nil) async throws -> ModelVersion {
        try Self.checkModelName(model)
        let now = clock()
        let metricsJSON = try StoredJSON.encode(metrics)
        return try await write { db in
            if let key = sourceKey, let existing = try Int.fetchOne(db, sql: "SELECT version FROM model_versions WHERE model = ? AND source_key = ?",
                                                                    arguments: [model, key]) {
                return try Self.version(db, model, existing)!
            }
            try db.execute(sql: "INSERT INTO models (name, created_at) VALUES (?, ?) ON CONFLICT DO NOTHING", arguments: [model, now])
            let next = (try Int.fetchOne(db, sql: "SELECT MAX(version) FROM model_versions WHERE model = ?", arguments: [model]) ?? 0) + 1
            try db.execute(sql: """
                INSERT INTO model_versions (model, version, artifact_digest, signature, metrics, run_id, source_key, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """, arguments: [model, next, artifactDigest, signature, metricsJSON, runID, sourceKey, now])
            return try Self.version(db, model, next)!
        }
    }

    // MARK: Promotion

    /// Moves `request.alias` to `request.version` if the verdict passed, or if forced with a
    /// reason; stores the verdict (pass or fail) and the audited move in one transaction.
    public func promote(_ request: PromotionRequest) async throws -> PromotionResult {
        try Self.checkAlias(request.alias)
        let reason = request.reason?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if request.force && reason.isEmpty { throw RegistryError.reasonRequired(model: request.model, version: request.version) }
        let verdictJSON = try request.verdict.map { try StoredJSON.encode($0) }
        let now = clock()
        let failAfterVerdict = self.failAfterVerdict
        return try await write { db in
            if let key = request.requestKey, let previous = try Self.replay(db, model: request.model, key: key) { return previous }
            try Self.requireVersion(db, request.model, request.version)
            var stored: StoredVerdict?
            if let id = request.verdictID {
                stored = try Self.storedVerdict(db, id: id, model: request.model, version: request.version)
            } else if let verdict = request.verdict, let verdictJSON {
                try db.execute(sql: """
                    INSERT INTO verdicts (model, candidate_version, baseline_version, passed, verdict, run_id, request_key, created_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [request.model, request.version, request.baselineVersion, verdict.passed, verdictJSON,
                                     request.runID, request.requestKey, now])
                stored = StoredVerdict(id: db.lastInsertedRowID, model: request.model, candidateVersion: request.version,
                                       baselineVersion: request.baselineVersion, verdict: verdict, runID: request.runID, createdAt: now)
            }
            try failAfterVerdict?()
            let passed = stored?.verdict.passed == true
            if !passed && !request.force {
                if stored == nil { throw RegistryError.verdictRequired(model: request.model, version: request.version) }
                return PromotionResult(moved: false, move: nil, verdict: stored, replayed: false,
                                       note: "the verdict failed: \(request.model)@\(request.alias) stays where it is")
            }
            let current = try Self.aliasTarget(db, request.model, request.alias)
            if request.requireBaselineCurrent, !request.force, current != request.baselineVersion, current != request.version {
                let was = request.baselineVersion.map { "version \($0)" } ?? "no version"
                return PromotionResult(moved: false, move: nil, verdict: stored, replayed: false,
                                       note: "\(request.model)@\(request.alias) moved to version \(current.map(String.init) ?? "none") since the verdict compared with \(was); run again to compare with it")
            }
            if current == request.version {
                return PromotionResult(moved: false, move: nil, verdict: stored, replayed: false,
                                       note: "\(request.model)@\(request.alias) already is version \(request.version)")
            }
            let move = try Self.moveAlias(db, model: request.model, alias: request.alias, from: current, to: request.version,
                                          kind: passed ? .promote : .forced, actor: request.actor,
                                          reason: reason.isEmpty ? "verdict passed" : reason,
                                          verdictID: stored?.id, requestKey: request.requestKey, at: now)
            return PromotionResult(moved: true, move: move, verdict: stored, replayed: false, note: nil)
        }
    }

    /// Points an alias back at an earlier version: `to`, or the version it held before its last
    /// move. Recorded as a `rollback` move.
    public func rollback(model: String, alias: String = ModelRegistry.champion, to version: Int? = nil,
                         actor: String, reason: String) async throws -> AliasMove {
        try Self.checkAlias(alias)
        let now = clock()
        return try await write { db in
            guard let current = try Self.aliasTarget(db, model, alias) else {
                try Self.requireModel(db, model)
                throw RegistryError.unknownAlias(model: model, alias: alias, known: try Self.aliases(db, model).keys.sorted())
            }
            let target: Int
            if let version {
                try Self.requireVersion(db, model, version)
                target = version
            } else {
                guard let previous = try Int.fetchOne(db, sql: """
                    SELECT from_version FROM alias_moves WHERE model = ? AND alias = ? ORDER BY id DESC LIMIT 1
                    """, arguments: [model, alias]) else {
                    throw RegistryError.nothingToRollBack(model: model, alias: alias)
                }
                target = previous
            }
            guard target != current else { throw RegistryError.nothingToRollBack(model: model, alias: alias) }
            return try Self.moveAlias(db, model: model, alias: alias, from: current, to: target, kind: .rollback,
                                      actor: actor, reason: reason, verdictID: nil, requestKey: nil, at: now)
        }
    }

    /// Points a custom alias (e.g. `challenger`) at a version. `champion` moves only by promotion.
    public func setAlias(model: String, alias: String, version: Int, actor: String, reason: String) async throws -> AliasMove {
        try Self.checkAlias(alias)
        guard alias != Self.champion else { throw RegistryError.championNeedsPromotion }
        let now = clock()
        return try await write { db in
            try Self.requireVersion(db, model, version)
            let current = try Self.aliasTarget(db, model, alias)
            return try Self.moveAlias(db, model: model, alias: alias, from: current, to: version, kind: .set,
                                      actor: actor, reason: reason, verdictID: nil, requestKey: nil, at: now)
        }
    }

    /// Stores a verdict that moves nothing (e.g. a rejected candidate, evaluated without a promote step).
    public func recordVerdict(model: String, candidateVersion: Int, baselineVersion: Int?, verdict: Verdict,
                              runID: String?) async throws -> StoredVerdict {
        let json = try StoredJSON.encode(verdict)
        let now = clock()
        return try await write { db in
            try Self.requireVersion(db, model, candidateVersion)
            try db.execute(sql: """
                INSERT INTO verdicts (model, candidate_version, baseline_version, passed, verdict, run_id, created_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                """, arguments: [model, candidateVersion, baselineVersion, verdict.passed, json, runID, now])
            return StoredVerdict(id: db.lastInsertedRowID, model: model, candidateVersion: candidateVersion,
                                 baselineVersion: baselineVersion, verdict: verdict, runID: runID, createdAt: now)
        }
    }

    // MARK: Shared steps

    func write<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storageErrors { try await pool.write(body) }
    }

    func read<T: Sendable>(_ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await Self.storageErrors { try await pool.read(body) }
    }

    /// SQLite errors become `RegistryError.storage`; registry errors pass through.
    static func storageErrors<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as DatabaseError {
            throw RegistryError.storage(e.description)
        }
    }

    static func moveAlias(_ db: Database, model: String, alias: String, from: Int?, to: Int, kind: AliasMove.Kind,
                          actor: String, reason: String, verdictID: Int64?, requestKey: String?, at: Double) throws -> AliasMove {
        try db.execute(sql: "INSERT OR REPLACE INTO aliases (model, alias, version) VALUES (?, ?, ?)", arguments: [model, alias, to])
        try db.execute(sql: """
            INSERT INTO alias_moves (model, alias, from_version, to_version, kind, actor, reason, verdict_id, request_key, at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            """, arguments: [model, alias, from, to, kind.rawValue, actor, reason, verdictID, requestKey, at])
        return AliasMove(id: db.lastInsertedRowID, model: model, alias: alias, fromVersion: from, toVersion: to, kind: kind,
                         actor: actor, reason: reason, verdictID: verdictID, at: at)
    }

    /// The outcome recorded for a request key, if the request was already applied.
    static func replay(_ db: Database, model: String, key: String) throws -> PromotionResult? {
        let move = try Row.fetchOne(db, sql: "SELECT * FROM alias_moves WHERE model = ? AND request_key = ?", arguments: [model, key])
            .map(aliasMove)
        let verdict = try Row.fetchOne(db, sql: "SELECT * FROM verdicts WHERE model = ? AND request_key = ?", arguments: [model, key])
            .map(storedVerdict)
        guard move != nil || verdict != nil else { return nil }
        return PromotionResult(moved: move != nil, move: move, verdict: verdict, replayed: true,
                               note: "request \(key) was already applied; nothing changed now")
    }

    static func checkModelName(_ name: String) throws {
        let ok = !name.isEmpty && name.count <= 255 && name.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "_-.".unicodeScalars.contains($0)
        }
        if !ok { throw RegistryError.invalidModelName(name) }
    }

    /// MLflow's alias rules: `^[\w-]+$`, ≤ 255 characters, not `latest`, not `v<digits>`.
    static func checkAlias(_ alias: String) throws {
        if alias.isEmpty || alias.count > 255 { throw RegistryError.invalidAlias(alias, reason: "use 1–255 characters") }
        if !alias.unicodeScalars.allSatisfy({ (CharacterSet.alphanumerics.contains($0) && $0.isASCII) || $0 == "_" || $0 == "-" }) {
            throw RegistryError.invalidAlias(alias, reason: "use letters, digits, '_' or '-'")
        }
        if alias.lowercased() == "latest" { throw RegistryError.invalidAlias(alias, reason: "'latest' is reserved") }
        if alias.first == "v" || alias.first == "V", alias.count > 1, alias.dropFirst().allSatisfy(\.isNumber) {
            throw RegistryError.invalidAlias(alias, reason: "v<digits> is reserved for version references")
        }
    }
}
