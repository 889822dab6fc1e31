import Foundation
import GRDB

/// API tokens and the API's action audit, in the metadata store's file. Secrets never reach
/// it: callers pass the SHA-256 of a token (`DroverHTTP.TokenSecret`).
public final class AccessStore: Sendable {
    let pool: DatabasePool
    let clock: @Sendable () -> Double

    public init(store: MetadataStore, clock: @escaping @Sendable () -> Double = { Date().timeIntervalSince1970 }) {
        pool = store.pool
        self.clock = clock
    }

    public func create(id: String, name: String, role: APIRole, hash: String, createdBy: String) async throws -> APITokenRecord {
        guard (1...64).contains(name.count), name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.@".contains($0) }) else {
            throw AccessError.invalidName(name)
        }
        let record = APITokenRecord(id: id, name: name, role: role, createdBy: createdBy, createdAt: clock(), revokedAt: nil)
        try await storage {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO api_tokens (id, name, role, hash, created_by, created_at) VALUES (?, ?, ?, ?, ?, ?)",
                               arguments: [id, name, role.rawValue, hash, createdBy, record.createdAt])
            }
        }
        return record
    }

    /// Every token, oldest first, revoked ones included.
    public func tokens() async throws -> [APITokenRecord] {
        try await storage { try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM api_tokens ORDER BY created_at, id").map(Self.token) } }
    }

    /// The token with this hash, revoked or not; nil when none.
    public func token(hash: String) async throws -> APITokenRecord? {
        try await storage { try await pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM api_tokens WHERE hash = ?", arguments: [hash]).map(Self.token) } }
    }

    /// Revokes by id or by name (every live token of that name); returns what was revoked.
    public func revoke(_ idOrName: String) async throws -> [APITokenRecord] {
        let now = clock()
        return try await storage {
            try await pool.write { db in
                let matching = try Row.fetchAll(db, sql: "SELECT * FROM api_tokens WHERE id = ? OR name = ?", arguments: [idOrName, idOrName])
                    .map(Self.token)
                guard !matching.isEmpty else {
                    throw AccessError.unknownToken(idOrName, known: try String.fetchAll(db, sql: "SELECT name || ' (' || id || ')' FROM api_tokens ORDER BY created_at"))
                }
                try db.execute(sql: "UPDATE api_tokens SET revoked_at = ? WHERE (id = ? OR name = ?) AND revoked_at IS NULL",
                               arguments: [now, idOrName, idOrName])
                return matching.map { t in var t = t; t.revokedAt = t.revokedAt ?? now; return t }
            }
        }
    }

    /// Appends one action to the audit.
    public func recordAction(actor: String, action: String, target: String, outcome: String) async throws {
        let now = clock()
        try await storage {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO api_actions (at, actor, action, target, outcome) VALUES (?, ?, ?, ?, ?)",
                               arguments: [now, actor, action, target, outcome])
            }
        }
    }

    /// Audited actions, oldest first, after `id`.
    public func actions(after id: Int64 = 0, limit: Int = 1_000) async throws -> [APIActionRecord] {
        try await storage {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM api_actions WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]).map { r in
                    APIActionRecord(id: r["id"], at: r["at"], actor: r["actor"], action: r["action"], target: r["target"], outcome: r["outcome"])
                }
            }
        }
    }

    static func token(_ r: Row) -> APITokenRecord {
        APITokenRecord(id: r["id"], name: r["name"], role: APIRole(rawValue: r["role"]) ?? .read, createdBy: r["created_by"],
                       createdAt: r["created_at"], revokedAt: r["revoked_at"])
    }

    func storage<T>(_ body: () async throws -> T) async throws -> T {
        do {
            return try await body()
        } catch let e as AccessError {
            throw e
        } catch {
            throw AccessError.storage("\(error)")
        }
    }
}
