/// What `drover features materialize NAME --to T` loads into the online store: per entity the
/// latest row (by event, then created) with `event ≤ T`. Rows stamped after T — in the future,
/// or late data beyond the window — are counted and left for a later run, never loaded early;
/// rows arriving out of order are fine (the latest event wins, in the store too).
public struct Materialization: Sendable {
    public var rows: [(key: String, event: Double, created: Double, values: [JSONValue])]
    public var scanned: Int
    public var future: Int

    public init(_ source: FeatureRows, upTo end: Double) {
        var best: [String: Int] = [:]
        var future = 0
        for i in 0..<source.count {
            guard source.events[i] <= end else { future += 1; continue }
            if let b = best[source.keys[i]], (source.events[b], source.created[b]) >= (source.events[i], source.created[i]) { continue }
            best[source.keys[i]] = i
        }
        rows = best.values.sorted().map { (source.keys[$0], source.events[$0], source.created[$0], source.values[$0]) }
        scanned = source.count
        self.future = future
    }
}
