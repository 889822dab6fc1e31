import Foundation

/// Fills a request's rows from the online store: a row that carries a view's entity key (e.g.
/// `"customer_id": 42`) gets that entity's current features for the fields it does not send
/// itself — the same values `drover features get` shows and the offline join gives at that time.
/// A stale (older than the TTL) or missing value fills nothing: the fields arrive as null
/// (missing), never as an expired value.
public struct FeatureEnricher: Sendable {
    let store: FeatureStore
    let views: [FeatureView]

    public init(store: FeatureStore, views: [FeatureView]) {
        self.store = store
        self.views = views
    }

    /// The entity key fields (passed through validation: the model does not take them).
    public var keys: Set<String> { Set(views.map(\.entity)) }

    /// The rows with features filled in, and per row the status of each view's value.
    public func enrich(_ rows: [JSONValue], now: Double) async throws(RequestError) -> ([JSONValue], [[String: String]]) {
        var out: [JSONValue] = []
        var statuses: [[String: String]] = []
        for (r, row) in rows.enumerated() {
            guard case .object(var fields) = row else { out.append(row); statuses.append([:]); continue }
            var status: [String: String] = [:]
            for view in views {
                guard let keyValue = fields[view.entity] else { continue }
                guard let key = keyValue.keyText else {
                    throw .invalid("rows[\(r)].\(view.entity) is \(keyValue.typeName); an entity key is a string or a number")
                }
                let value: OnlineValue
                do { value = try await store.get(view, key: key, now: now) } catch {
                    throw RequestError(status: 503, code: "feature_store", "cannot read feature view \(view.name): \(error)")
                }
                status[view.name] = value.status.rawValue
                for feature in view.features where fields[feature] == nil {
                    fields[feature] = value.values?[feature] ?? .null
                }
            }
            out.append(.object(fields))
            statuses.append(status)
        }
        return (out, statuses)
    }
}
