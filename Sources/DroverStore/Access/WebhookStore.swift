import Foundation
import GRDB

public struct WebhookRecord: Sendable, Codable, Hashable {
    public var id: Int64
    public var url: String
    public var events: [String]
    public var createdBy: String
    public var createdAt: Double
    public var removedAt: Double?
}

public struct WebhookDelivery: Sendable, Codable, Hashable {
    public var id: Int64
    public var webhookID: Int64
    public var eventID: UInt64
    public var eventType: String
    public var attempt: Int
    public var status: Int?
    public var outcome: String
    public var at: Double
}

/// Webhooks and their delivery log, in the metadata store's file.
extension AccessStore {
    public func addWebhook(url: String, events: [String], secret: String, createdBy: String) async throws -> WebhookRecord {
        let now = clock()
        return try await storage {
            try await pool.write { db in
                try db.execute(sql: "INSERT INTO webhooks (url, events, secret, created_by, created_at) VALUES (?, ?, ?, ?, ?)",
                               arguments: [url, events.joined(separator: ","), secret, createdBy, now])
                return WebhookRecord(id: db.lastInsertedRowID, url: url, events: events, createdBy: createdBy, createdAt: now)
            }
        }
    }

    /// Live webhooks with their secrets (for the dispatcher only).
    public func activeWebhooks() async throws -> [(WebhookRecord, secret: String)] {
        try await storage {
            try await pool.read { db in
                try Row.fetchAll(db, sql: "SELECT * FROM webhooks WHERE removed_at IS NULL ORDER BY id").map { (Self.webhook($0), $0["secret"]) }
            }
        }
    }

    public func webhooks() async throws -> [WebhookRecord] {
        try await storage { try await pool.read { db in try Row.fetchAll(db, sql: "SELECT * FROM webhooks ORDER BY id").map(Self.webhook) } }
    }

    public func removeWebhook(_ id: Int64) async throws -> WebhookRecord {
        let now = clock()
        return try await storage {
            try await pool.write { db in
                guard var hook = try Row.fetchOne(db, sql: "SELECT * FROM webhooks WHERE id = ?", arguments: [id]).map(Self.webhook) else {
                    throw AccessError.unknownWebhook(id, known: try Int64.fetchAll(db, sql: "SELECT id FROM webhooks WHERE removed_at IS NULL ORDER BY id"))
                }
                try db.execute(sql: "UPDATE webhooks SET removed_at = ? WHERE id = ? AND removed_at IS NULL", arguments: [now, id])
                hook.removedAt = hook.removedAt ?? now
                return hook
            }
        }
    }

    public func recordDelivery(webhookID: Int64, eventID: UInt64, eventType: String, attempt: Int, status: Int?, outcome: String) async throws {
        let now = clock()
        try await storage {
            try await pool.write { db in
                try db.execute(sql: """
                    INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, attempt, status, outcome, at) VALUES (?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [webhookID, Int64(bitPattern: eventID), eventType, attempt, status, outcome, now])
            }
        }
    }

    /// The newest deliveries (of one webhook, or all), newest first.
    public func deliveries(webhookID: Int64? = nil, limit: Int = 50) async throws -> [WebhookDelivery] {
        try await storage {
            try await pool.read { db in
                let sql = "SELECT * FROM webhook_deliveries \(webhookID == nil ? "" : "WHERE webhook_id = ?") ORDER BY id DESC LIMIT ?"
                let args: StatementArguments = webhookID.map { [$0, limit] } ?? [limit]
                return try Row.fetchAll(db, sql: sql, arguments: args).map { r in
                    let event: Int64 = r["event_id"]
                    return WebhookDelivery(id: r["id"], webhookID: r["webhook_id"], eventID: UInt64(bitPattern: event), eventType: r["event_type"],
                                           attempt: r["attempt"], status: r["status"], outcome: r["outcome"], at: r["at"])
                }
            }
        }
    }

    static func webhook(_ r: Row) -> WebhookRecord {
        let events: String = r["events"]
        return WebhookRecord(id: r["id"], url: r["url"], events: events.split(separator: ",").map(String.init), createdBy: r["created_by"],
                             createdAt: r["created_at"], removedAt: r["removed_at"])
    }
}
