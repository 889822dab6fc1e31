import Foundation

/// Fills a request's rows from the online store: a row that carries a view's entity key (e.g.
/// `"customer_id": 42`) gets that entity's current features for the fields it does not send
/// itself — the same values `drover features get` shows and the offline join gives at that time.
/// A stale (older than the TTL) or missing value fills nothing: the fields arrive as null
/// (missing), never as an expired value.
public struct FeatureEnricher: Sendable {
    let store: any OnlineStore
    let views: [FeatureView]

    public init(store: any OnlineStore, views: [FeatureView]) {
        self.store = store
        self.views = views
    }

    /// The entity key fields (passed through validation: the model does not take them).
    public var keys: Set<String> { Set(views.map(\.entity)) }

    /// The rows with features filled in, and per row the status of each view's value. One online
    /// read per view for all rows of the request.
    public func enrich(_ rows: [JSONValue], now: Double) async throws(RequestError) -> ([JSONValue], [[String: String]]) {
        var fields = rows.map { row -> [String: JSONValue]? in if case .object(let f) = row { f } else { nil } }
        var statuses = [[String: String]](repeating: [:], count: rows.count)
        for view in views {
            var wanted: [(row: Int, key: String)] = []
            for (r, row) in fields.enumerated() {
                guard let keyValue = row?[view.entity] else { continue }
                guard let key = keyValue.keyText else {
                    throw .invalid("rows[\(r)].\(view.entity) is \(keyValue.typeName); an entity key is a string or a number")
                }
                wanted.append((r, key))
            }
            guard !wanted.isEmpty else { continue }
            let stored: [StoredFeatures?]
            do { stored = try await store.read(view: view.name, keys: wanted.map(\.key)) } catch {
                throw RequestError(status: 503, code: "feature_store", "cannot read feature view \(view.name): \(error)")
            }
            for ((r, key), found) in zip(wanted, stored) {
                let value = OnlineValue(view, key: key, stored: found, now: now)
                statuses[r][view.name] = value.status.rawValue
                for feature in view.features where fields[r]?[feature] == nil {
                    fields[r]?[feature] = value.values?[feature] ?? .null
                }
            }
        }
        return (zip(rows, fields).map { row, f in f.map(JSONValue.object) ?? row }, statuses)
    }
}
