/// Feast's point-in-time join as an in-process sort-merge "as-of" join: for each label row (an
/// entity at time t) the latest feature row of that entity with `event ≤ t` and, with a TTL,
/// `event ≥ t − ttl` (the TTL is relative to each label row, not to now). Rows with the same
/// event time are broken by the later `created` time (a correction wins). Never a value from
/// after the label's timestamp.
///
/// The work is columnar: keys are dense integer codes, rows are grouped by key with a counting
/// sort and ordered within their group, so 10M feature rows cost two `Int32` permutations and no
/// per-row allocation.
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

    /// Feature rows as columns; a key code below 0 (no key, no readable time) never joins.
    public struct FeatureColumns: Sendable {
        public var keys: [Int32]
        public var events: [Double]
        public var created: [Double]
        public init(keys: [Int32], events: [Double], created: [Double]) {
            self.keys = keys; self.events = events; self.created = created
        }
    }

    /// For each label row (in the caller's order), the index of the feature row joined, or nil
    /// (no row yet, or only expired ones). `ttl` ≤ 0 means no limit (Feast's `timedelta(0)`).
    public static func join(labels: [LabelRow], features: [FeatureRow], ttl: Double) -> [Int?] {
        var codes: [String: Int32] = [:]
        let keys = features.map { f -> Int32 in
            if let c = codes[f.key] { return c }
            codes[f.key] = Int32(codes.count)
            return Int32(codes.count - 1)
        }
        let joined = join(labelKeys: labels.map { codes[$0.key] ?? -1 }, labelTimes: labels.map(\.at),
                          features: FeatureColumns(keys: keys, events: features.map(\.event), created: features.map(\.created)),
                          keyCount: codes.count, ttl: ttl)
        return joined.map { $0 < 0 ? nil : features[Int($0)].index }
    }

    /// The columnar join: label keys are codes of the same key space as the features' (below 0:
    /// an entity without features). Returns per label row the feature row index, or -1.
    public static func join(labelKeys: [Int32], labelTimes: [Double], features f: FeatureColumns, keyCount: Int, ttl: Double) -> [Int32] {
        let events = f.events, created = f.created
        // Within a key: by event, then created; on a full tie the lowest row last (so it wins).
        let byKey = grouped(f.keys, keyCount: keyCount) { a, b in
            events[a] != events[b] ? events[a] < events[b] : created[a] != created[b] ? created[a] < created[b] : a > b
        }
        let labelsByKey = grouped(labelKeys, keyCount: keyCount) { a, b in labelTimes[a] < labelTimes[b] }
        var out = [Int32](repeating: -1, count: labelKeys.count)
        for k in 0..<keyCount {
            let first = byKey.start[k], end = byKey.start[k + 1]
            guard first < end else { continue }
            var next = first // first feature row of the key with event > t
            for l in labelsByKey.start[k]..<labelsByKey.start[k + 1] {
                let i = Int(labelsByKey.order[l]), t = labelTimes[i]
                while next < end, events[Int(byKey.order[next])] <= t { next += 1 }
                guard next > first else { continue }
                let candidate = byKey.order[next - 1]
                if ttl > 0, events[Int(candidate)] < t - ttl { continue }
                out[i] = candidate
            }
        }
        return out
    }

    /// Row indices grouped by key code (a counting sort; rows with a negative code are left
    /// out), each group ordered by `less`: group k is `order[start[k]..<start[k + 1]]`.
    static func grouped(_ keys: [Int32], keyCount: Int, by less: (Int, Int) -> Bool) -> (order: [Int32], start: [Int]) {
        var start = [Int](repeating: 0, count: keyCount + 1)
        for k in keys where k >= 0 { start[Int(k) + 1] += 1 }
        for k in 0..<keyCount { start[k + 1] += start[k] }
        var fill = start
        var order = [Int32](repeating: 0, count: start[keyCount])
        for (row, k) in keys.enumerated() where k >= 0 {
            order[fill[Int(k)]] = Int32(row)
            fill[Int(k)] += 1
        }
        for k in 0..<keyCount where start[k + 1] - start[k] > 1 {
            order[start[k]..<start[k + 1]].sort { less(Int($0), Int($1)) }
        }
        return (order, start)
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
