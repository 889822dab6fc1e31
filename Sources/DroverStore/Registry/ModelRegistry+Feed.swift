import GRDB

/// Reads for the HTTP API's event feed: what was decided after a given row.
extension ModelRegistry {
    /// Verdicts with an id above `id`, oldest first.
    public func verdicts(after id: Int64, limit: Int = 500) async throws -> [StoredVerdict] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM verdicts WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]).map(Self.storedVerdict)
        }
    }

    /// Alias moves (promotions, forced moves, rollbacks) with an id above `id`, oldest first.
    public func aliasMoves(after id: Int64, limit: Int = 500) async throws -> [AliasMove] {
        try await read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM alias_moves WHERE id > ? ORDER BY id LIMIT ?", arguments: [id, limit]).map(Self.aliasMove)
        }
    }

    /// The highest verdict and alias-move ids (0 when none): where a new feed starts.
    public func feedPosition() async throws -> (verdict: Int64, move: Int64) {
        try await read { db in
            (try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM verdicts") ?? 0,
             try Int64.fetchOne(db, sql: "SELECT COALESCE(MAX(id), 0) FROM alias_moves") ?? 0)
        }
    }
}
