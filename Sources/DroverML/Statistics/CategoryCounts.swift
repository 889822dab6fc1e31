/// Frequencies of category values, mergeable by adding counts.
///
/// Exact while there are at most `limit` distinct values (10,000: beyond that a column is an
/// identifier, not a category). Past the limit the rarest values are dropped and
/// `isTruncated` is set, so the top-k stays right for values much more frequent than the rest.
public struct CategoryCounts: Codable, Sendable, Equatable {
    public static let limit = 10_000

    public private(set) var counts: [String: Int] = [:]
    public private(set) var isTruncated = false

    public init() {}

    public init(counts: [String: Int]) {
        self.counts = counts
        prune()
    }

    public func merged(with other: CategoryCounts) -> CategoryCounts {
        var result = self
        result.counts.merge(other.counts, uniquingKeysWith: +)
        result.isTruncated = isTruncated || other.isTruncated
        result.prune()
        return result
    }

    /// The `k` most frequent values, most frequent first (ties by value, for stable output).
    public func top(_ k: Int) -> [(value: String, count: Int)] {
        counts.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }
            .prefix(k).map { ($0.key, $0.value) }
    }

    private mutating func prune() {
        guard counts.count > Self.limit else { return }
        counts = Dictionary(uniqueKeysWithValues: top(Self.limit).map { ($0.value, $0.count) })
        isTruncated = true
    }
}
