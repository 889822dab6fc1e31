import GRDB

/// A dataset at a glance, for listings (`GET /api/v1/datasets`).
public struct DatasetSummary: Sendable, Codable, Hashable {
    public var name: String
    public var spans: Int
    public var rows: Int64
    public var latestSpan: Int
    public var updatedAt: Double
}

extension MetadataStore {
    /// Every dataset with its span count, total rows and latest span, by name.
    public func datasets() async throws -> [DatasetSummary] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT dataset, COUNT(*) AS spans, SUM(rows) AS rows, MAX(span) AS latest, MAX(created_at) AS updated
                FROM dataset_spans GROUP BY dataset ORDER BY dataset
                """).map { r in
                DatasetSummary(name: r["dataset"], spans: r["spans"], rows: r["rows"], latestSpan: r["latest"], updatedAt: r["updated"])
            }
        }
    }

    /// Runs newest first, older than the run started at `before` (a page cursor), optionally in one status.
    public func runs(status: String?, before: Double?, limit: Int) async throws -> [RunRecord] {
        try await pool.read { db in
            var conditions: [String] = [], args: [(any DatabaseValueConvertible)?] = []
            if let status { conditions.append("status = ?"); args.append(status) }
            if let before { conditions.append("started_at < ?"); args.append(before) }
            let filter = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
            return try Row.fetchAll(db, sql: "SELECT * FROM runs \(filter) ORDER BY started_at DESC, id DESC LIMIT ?",
                                    arguments: StatementArguments(args + [limit])).map(Self.run)
        }
    }
}
