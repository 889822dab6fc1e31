import Dispatch

/// Statistics of every column of a table (or a row-range shard of it). Workers compute one per
/// shard; the coordinator merges them. Codable, so it travels as JSON; encode with
/// `.sortedKeys` and equal statistics give identical bytes (stable SHA-256 artifact digests).
public struct DatasetStatistics: Codable, Sendable, Equatable {
    /// Bumped when the encoding changes incompatibly.
    public var version = 1
    public var rowCount: Int
    public var columns: [ColumnStatistics]

    public init(rowCount: Int, columns: [ColumnStatistics]) {
        self.rowCount = rowCount
        self.columns = columns
    }

    /// Statistics over `rows` of `table` (all rows by default), one column per core at a time.
    public static func compute(_ table: Table, rows: Range<Int>? = nil) -> DatasetStatistics {
        let range = (rows ?? 0..<table.rowCount).clamped(to: 0..<table.rowCount)
        let columns = table.columns
        let results = UnsafeMutablePointer<ColumnStatistics?>.allocate(capacity: max(1, columns.count))
        results.initialize(repeating: nil, count: columns.count)
        defer { results.deinitialize(count: columns.count); results.deallocate() }
        let shared = SharedPointer(results)
        DispatchQueue.concurrentPerform(iterations: columns.count) { j in
            shared.base[j] = ColumnStatistics(column: columns[j], rows: range)
        }
        return DatasetStatistics(rowCount: range.count, columns: (0..<columns.count).compactMap { results[$0] })
    }

    public func column(named name: String) -> ColumnStatistics? { columns.first { $0.name == name } }

    /// Combines statistics of two disjoint shards with the same columns (in the same order).
    public func merged(with other: DatasetStatistics) throws(DataError) -> DatasetStatistics {
        guard columns.map(\.name) == other.columns.map(\.name) else {
            throw DataError(.invalidArgument, "cannot merge statistics of shards with different columns",
                            hint: "columns are [\(columns.map(\.name).joined(separator: ", "))] and [\(other.columns.map(\.name).joined(separator: ", "))]")
        }
        var merged: [ColumnStatistics] = []
        for (a, b) in zip(columns, other.columns) { merged.append(try a.merged(with: b)) }
        return DatasetStatistics(rowCount: rowCount + other.rowCount, columns: merged)
    }
}
