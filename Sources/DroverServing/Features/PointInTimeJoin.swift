/// Feast's point-in-time join as an in-process sort-merge "as-of" join: for each label row (an
/// entity at time t) the latest feature row of that entity with `event ≤ t` and, with a TTL,
/// `event ≥ t − ttl` (the TTL is relative to each label row, not to now). Rows with the same
/// event time are broken by the later `created` time (a correction wins). Never a value from
/// after the label's timestamp.
public enum PointInTimeJoin {
    public struct FeatureRow: Sendable, Equatable {
        public var key: String
        public var event: Double
        public var created: Double
        /// Index into the caller's feature values.
        public var index: Int
        public init(key: String, event: Double, created: Double, index: Int) {
            self.key = key; self.event = event; self.created = created; self.index = index
        }
    }

    public struct LabelRow: Sendable, Equatable {
        public var key: String
        public var at: Double
        public init(key: String, at: Double) { self.key = key; self.at = at }
    }

    /// For each label row (in the caller's order), the index of the feature row joined, or nil
    /// (no row yet, or only expired ones). `ttl` ≤ 0 means no limit (Feast's `timedelta(0)`).
    public static func join(labels: [LabelRow], features: [FeatureRow], ttl: Double) -> [Int?] {
        // Features by key, ordered by (event, created) so the last row ≤ t is the answer.
        var byKey: [String: [FeatureRow]] = [:]
        for f in features { byKey[f.key, default: []].append(f) }
        for k in byKey.keys {
            byKey[k]!.sort { ($0.event, $0.created) < ($1.event, $1.created) }
        }
        // Labels by key, ordered by time, merged against their key's features in one pass.
        var labelsByKey: [String: [Int]] = [:]
        for (i, l) in labels.enumerated() { labelsByKey[l.key, default: []].append(i) }
        var out = [Int?](repeating: nil, count: labels.count)
        for (key, indices) in labelsByKey {
            guard let rows = byKey[key] else { continue }
            let ordered = indices.sorted { labels[$0].at < labels[$1].at }
            var next = 0 // first feature row with event > t
            for i in ordered {
                let t = labels[i].at
                while next < rows.count, rows[next].event <= t { next += 1 }
                guard next > 0 else { continue }
                let candidate = rows[next - 1]
                if ttl > 0, candidate.event < t - ttl { continue }
                out[i] = candidate.index
            }
        }
        return out
    }

    /// The same answer by brute force (every feature row for every label row): the test oracle.
    public static func bruteForce(labels: [LabelRow], features: [FeatureRow], ttl: Double) -> [Int?] {
        labels.map { l in
            var best: FeatureRow?
            for f in features where f.key == l.key && f.event <= l.at && (ttl <= 0 || f.event >= l.at - ttl) {
                if let b = best, (b.event, b.created) >= (f.event, f.created) { continue }
                best = f
            }
            return best?.index
        }
    }
}
