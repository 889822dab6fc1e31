import Foundation
import GRDB
import Synchronization

/// The latest stored value of one entity of a view (the online store's row).
public typealias StoredFeatures = (event: Double, values: [JSONValue])

/// The online store and the applied definitions: `<data-dir>/features.sqlite` (WAL). It keeps the
/// latest value per (view, entity) and honours the TTL on reads (an expired value is `stale`,
/// without values — Feast returns it as present). Another backend (Redis, PostgreSQL) implements
/// `OnlineStore` (docs/serving.md).
public protocol OnlineStore: Sendable {
    /// Writes rows, keeping per entity only the latest (event, created); returns rows that changed the store.
    func write(view: String, rows: [(key: String, event: Double, created: Double, values: [JSONValue])]) async throws -> Int
    /// The stored row of an entity, or nil.
    func read(view: String, key: String) async throws -> StoredFeatures?
    /// The stored rows of several entities, in order (serving reads a request's rows in one call).
    /// By default one `read(view:key:)` each; a backend with a batch read (MGET) overrides it.
    func read(view: String, keys: [String]) async throws -> [StoredFeatures?]
}

extension OnlineStore {
    public func read(view: String, keys: [String]) async throws -> [StoredFeatures?] {
        var found: [StoredFeatures?] = []
        for key in keys { found.append(try await read(view: view, key: key)) }
        return found
    }

    /// The online value of an entity as serving reads it, with the TTL applied at `now`.
    public func get(_ view: FeatureView, key: String, now: Double) async throws -> OnlineValue {
        OnlineValue(view, key: key, stored: try await read(view: view.name, key: key), now: now)
    }
}

public struct OnlineValue: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case present, stale, missing }
    public var view: String
    public var entity: String
    public var status: Status
    public var eventTime: Double?
    public var values: [String: JSONValue]?

    /// The TTL rule, the same for every backend: a value older than `now - ttl` is stale and
    /// carries no values; no stored row is missing.
    public init(_ view: FeatureView, key: String, stored: StoredFeatures?, now: Double) {
        self.view = view.name
        entity = key
        eventTime = stored?.event
        guard let stored else { status = .missing; return }
        if view.ttlSeconds > 0, stored.event < now - view.ttlSeconds { status = .stale; return }
        status = .present
        values = Dictionary(uniqueKeysWithValues: zip(view.features, stored.values))
    }
}

public final class FeatureStore: OnlineStore, Sendable {
    public static let fileName = "features.sqlite"
    /// Threads answering async online reads: one per core of the 2-core machine it was measured on.
    static let readerThreads = 2
    let pool: DatabasePool
    let path: String
    private let onlineReaders = Mutex<OnlineReaders?>(nil)

    public init(dataDirectory: String) throws {
        var config = Configuration()
        config.label = "drover.features"
        config.busyMode = .timeout(10)
        config.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = NORMAL") }
        path = URL(fileURLWithPath: dataDirectory).appendingPathComponent(Self.fileName).path
        pool = try DatabasePool(path: path, configuration: config)
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE views (name TEXT PRIMARY KEY, definition TEXT NOT NULL, applied_at REAL NOT NULL);
                CREATE TABLE online (view TEXT NOT NULL, entity TEXT NOT NULL, event REAL NOT NULL, created REAL NOT NULL,
                                     vals TEXT NOT NULL, PRIMARY KEY (view, entity)) WITHOUT ROWID;
                CREATE TABLE materializations (id INTEGER PRIMARY KEY AUTOINCREMENT, view TEXT NOT NULL, end_time REAL NOT NULL,
                                               rows INTEGER NOT NULL, written INTEGER NOT NULL, at REAL NOT NULL);
                """)
        }
        try m.migrate(pool)
    }

    deinit { onlineReaders.withLock { $0?.close() } }

    // MARK: Definitions

    public func apply(_ views: [FeatureView], at: Double) async throws {
        let encoded = try views.map { (view: $0.name, json: String(decoding: try JSONEncoder().encode($0), as: UTF8.self)) }
        try await pool.write { db in
            for v in encoded {
                try db.execute(sql: "INSERT OR REPLACE INTO views (name, definition, applied_at) VALUES (?, ?, ?)", arguments: [v.view, v.json, at])
            }
        }
    }

    public func view(_ name: String) async throws -> FeatureView? {
        let json = try await pool.read { db in try String.fetchOne(db, sql: "SELECT definition FROM views WHERE name = ?", arguments: [name]) }
        return try json.map { try JSONDecoder().decode(FeatureView.self, from: Data($0.utf8)) }
    }

    public func viewNames() async throws -> [String] {
        try await pool.read { db in try String.fetchAll(db, sql: "SELECT name FROM views ORDER BY name") }
    }

    // MARK: Online

    public func write(view: String, rows: [(key: String, event: Double, created: Double, values: [JSONValue])]) async throws -> Int {
        let encoded = try rows.map { ($0.key, $0.event, $0.created, String(decoding: try JSONEncoder().encode($0.values), as: UTF8.self)) }
        return try await pool.write { db in
            let statement = try db.cachedStatement(sql: """
                INSERT INTO online (view, entity, event, created, vals) VALUES (?, ?, ?, ?, ?)
                ON CONFLICT (view, entity) DO UPDATE SET event = excluded.event, created = excluded.created, vals = excluded.vals
                WHERE (excluded.event, excluded.created) > (online.event, online.created)
                """)
            var changed = 0
            for r in encoded {
                try statement.execute(arguments: [view, r.0, r.1, r.2, r.3])
                changed += db.changesCount
            }
            return changed
        }
    }

    /// Reads on the store's reader threads (`OnlineReaders`): one hand-off per call, however many keys.
    public func read(view: String, key: String) async throws -> StoredFeatures? {
        try await readers().read([(view, key)])[0]
    }

    public func read(view: String, keys: [String]) async throws -> [StoredFeatures?] {
        try await readers().read(keys.map { (view, $0) })
    }

    /// A connection of the caller's own for a dedicated thread that reads synchronously (blocking:
    /// never call it on the cooperative pool).
    public func reader() throws(OnlineReadError) -> OnlineReader { try OnlineReader(path: path) }

    /// The reader threads, started on the first online read (definitions and writes need none).
    private func readers() throws -> OnlineReaders {
        try onlineReaders.withLock { r in
            if let r { return r }
            let started = try OnlineReaders(path: path, threads: Self.readerThreads)
            r = started
            return started
        }
    }

    public func recordMaterialization(view: String, end: Double, rows: Int, written: Int, at: Double) async throws {
        try await pool.write { db in
            try db.execute(sql: "INSERT INTO materializations (view, end_time, rows, written, at) VALUES (?, ?, ?, ?, ?)",
                           arguments: [view, end, rows, written, at])
        }
    }
}
