import Foundation
import Yams

/// A feature view (Feast's `FeatureView`): features of one entity, read from a CSV source with an
/// event timestamp (and optionally a created timestamp that breaks ties), valid for `ttl` seconds
/// after their event (0 = forever).
public struct FeatureView: Codable, Sendable, Equatable {
    public var name: String
    /// The source CSV (absolute once applied).
    public var source: String
    /// The entity's join key column (e.g. `customer_id`).
    public var entity: String
    /// The event timestamp column: unix seconds or ISO 8601.
    public var timestamp: String
    /// The created timestamp column (optional): among rows with the same event time the later one wins.
    public var created: String?
    public var ttlSeconds: Double
    public var features: [String]

    public init(name: String, source: String, entity: String, timestamp: String, created: String?, ttlSeconds: Double, features: [String]) {
        self.name = name; self.source = source; self.entity = entity; self.timestamp = timestamp
        self.created = created; self.ttlSeconds = ttlSeconds; self.features = features
    }
}

public struct FeatureDefinitionError: Error, CustomStringConvertible, Sendable {
    public var description: String
    init(_ d: String) { description = d }
}

/// Reads `features.yaml`:
/// ```yaml
/// feature_views:
///   - name: churn_features
///     source: customer_activity.csv      # relative to this file
///     entity: customer_id
///     timestamp: event_time
///     ttl: 30d                           # s, m, h, d; 0 = forever
///     features: [monthly_spend, support_tickets, plan]
/// ```
public enum FeatureDefinitions {
    public static func parse(_ text: String, file: String) throws(FeatureDefinitionError) -> [FeatureView] {
        let root: Any?
        do { root = try Yams.load(yaml: text) } catch { throw FeatureDefinitionError("\(file): not valid YAML: \(error)") }
        guard let doc = root as? [String: Any], let list = doc["feature_views"] as? [Any] else {
            throw FeatureDefinitionError("\(file): expected a top-level 'feature_views:' list")
        }
        if let unknown = doc.keys.sorted().first(where: { $0 != "feature_views" }) {
            throw FeatureDefinitionError("\(file): unknown top-level key '\(unknown)'; only 'feature_views' is read")
        }
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        var seen = Set<String>()
        return try list.enumerated().map { (i, item) throws(FeatureDefinitionError) -> FeatureView in
            let at = "\(file): feature_views[\(i)]"
            guard let v = item as? [String: Any] else { throw FeatureDefinitionError("\(at) must be a mapping") }
            let known: Set<String> = ["name", "source", "entity", "timestamp", "created", "ttl", "features"]
            if let unknown = v.keys.sorted().first(where: { !known.contains($0) }) {
                throw FeatureDefinitionError("\(at): unknown field '\(unknown)'; fields are \(known.sorted().joined(separator: ", "))")
            }
            func text(_ key: String) throws(FeatureDefinitionError) -> String {
                guard let s = v[key] as? String, !s.isEmpty else { throw FeatureDefinitionError("\(at).\(key) is required (a non-empty string)") }
                return s
            }
            let name = try text("name")
            guard name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "-" }) else {
                throw FeatureDefinitionError("\(at).name '\(name)': use letters, digits, '_' or '-'")
            }
            guard seen.insert(name).inserted else { throw FeatureDefinitionError("\(at): feature view '\(name)' is defined twice") }
            guard let features = v["features"] as? [String], !features.isEmpty else {
                throw FeatureDefinitionError("\(at).features must be a non-empty list of column names")
            }
            let source = try text("source")
            let path = source.hasPrefix("/") ? source : base.appendingPathComponent(source).standardizedFileURL.path
            let ttl = try parseTTL(v["ttl"].map { "\($0)" } ?? "0", at: "\(at).ttl")
            return FeatureView(name: name, source: path, entity: try text("entity"), timestamp: try text("timestamp"),
                               created: v["created"] as? String, ttlSeconds: ttl, features: features)
        }
    }

    /// `30d`, `12h`, `15m`, `45s` or plain seconds; `0` = no limit.
    public static func parseTTL(_ text: String, at: String) throws(FeatureDefinitionError) -> Double {
        let units: [Character: Double] = ["s": 1, "m": 60, "h": 3_600, "d": 86_400]
        var body = Substring(text.trimmingCharacters(in: .whitespaces))
        var scale = 1.0
        if let last = body.last, let u = units[last] { scale = u; body = body.dropLast() }
        guard let n = Double(body), n >= 0, n.isFinite else {
            throw FeatureDefinitionError("\(at) '\(text)' is not a duration; write e.g. 30d, 12h, 15m, 45s or 0 (no limit)")
        }
        return n * scale
    }

    /// Unix seconds from a number or an ISO 8601 text (`2026-01-02T03:04:05Z`, or a date).
    public static func timestamp(_ text: String) -> Double? {
        if let d = Double(text) { return d }
        let f = ISO8601DateFormatter()
        if let d = f.date(from: text) { return d.timeIntervalSince1970 }
        f.formatOptions = [.withFullDate]
        return f.date(from: text)?.timeIntervalSince1970
    }
}
