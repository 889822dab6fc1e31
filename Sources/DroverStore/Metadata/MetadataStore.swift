import Foundation
import GRDB

/// The tracking and lineage store: `metadata.sqlite` in the data directory, a file of its own
/// (never the journal), WAL mode so readers never wait for the writer.
///
/// Writes go through one dedicated writer thread with a bounded queue (`MetadataWriter`), so no
/// caller — in particular the coordinator's socket thread — ever runs SQLite for tracking.
/// Reads are `async` and run on GRDB's reader queues. The registry (`ModelRegistry`) shares the
/// file so a promotion and its verdict commit together.
public final class MetadataStore: Sendable {
    public static let fileName = "metadata.sqlite"
    /// Events the writer queue holds before `offer` says no and `record` suspends: at ~1 µs per
    /// event applied, a full queue is ~65 ms of work — bounded memory, batches large enough to
    /// amortise a commit.
    public static let defaultQueueCapacity = 65_536

    public let path: String
    let pool: DatabasePool
    private let writer: MetadataWriter

    public init(path: String, queueCapacity: Int = MetadataStore.defaultQueueCapacity) throws(MetadataStoreError) {
        self.path = path
        var config = Configuration()
        config.label = "drover.metadata"
        config.busyMode = .timeout(10) // another process (the CLI) may hold the write lock briefly
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = NORMAL") // WAL: survives kill -9, may lose the last commits on power loss
        }
        do {
            pool = try DatabasePool(path: path, configuration: config)
            try MetadataSchema.migrator.migrate(pool)
        } catch {
            throw .open(path: path, reason: "\(error)")
        }
        let pool = self.pool
        writer = MetadataWriter(capacity: queueCapacity) { batch in
            try MetadataApply.apply(batch, to: pool)
        }
    }

    /// Opens `<data-dir>/metadata.sqlite`.
    public convenience init(dataDirectory: String, queueCapacity: Int = MetadataStore.defaultQueueCapacity) throws(MetadataStoreError) {
        try self.init(path: URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path,
                      queueCapacity: queueCapacity)
    }

    deinit { writer.close() }

    // MARK: Writes (off the caller's thread)

    /// Never blocks: false when the queue is full (the caller retries later) or the store is closed.
    public func offer(_ event: MetadataEvent) -> Bool { writer.offer(event) }

    /// Suspends while the queue is full (back-pressure); never blocks a pool thread.
    public func record(_ event: MetadataEvent) async { await writer.record(event) }

    /// Returns once everything recorded before is committed; throws what the store rejected
    /// (a changed param, a rewritten span) or could not write since the last flush.
    public func flush() async throws { try await writer.flush() }

    /// `flush()` for plain threads (never call it on the cooperative pool).
    public func flushBlocking() throws { try writer.flushBlocking() }

    /// Commits what is queued and stops the writer thread.
    public func close() { writer.close() }

    public var pendingWrites: Int { writer.pending }
    public var batchesWritten: Int { writer.batches }

    /// The names of the applied migrations, oldest first.
    public func appliedMigrations() async throws -> [String] {
        try await pool.read { db in try MetadataSchema.migrator.appliedMigrations(db) }
    }
}
