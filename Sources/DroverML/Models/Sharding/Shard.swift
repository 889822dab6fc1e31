/// A contiguous row range of a training table: the unit of data-parallel work.
///
/// Every model computes its per-iteration statistics (loss/gradient, Gram matrix, gradient
/// histograms) per shard as a mergeable partial, then merges them. One machine runs the
/// shards on local threads; a cluster ships them to workers. Same code, same result.
public struct Shard: Codable, Sendable, Hashable {
    public var rows: Range<Int>

    public init(rows: Range<Int>) { self.rows = rows }

    public var count: Int { rows.count }

    /// Splits `rowCount` rows into `count` near-equal contiguous shards (never empty ones,
    /// unless there are no rows at all).
    public static func partition(rowCount: Int, count: Int) -> [Shard] {
        let n = max(1, min(count, max(rowCount, 1)))
        return (0..<n).map { i in Shard(rows: (rowCount * i / n)..<(rowCount * (i + 1) / n)) }
    }
}

/// A partial statistic computed on one shard that merges associatively with others.
public protocol ShardPartial: Codable, Sendable {
    /// Adds `other` into `self`.
    mutating func merge(_ other: Self)
}

extension Array where Element: ShardPartial {
    /// Merges all partials left to right (a fixed order, so results are deterministic).
    public func merged() -> Element? {
        guard var result = first else { return nil }
        for p in dropFirst() { result.merge(p) }
        return result
    }
}
